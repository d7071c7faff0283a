import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { distTag } from './release.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function workspace(pre?: object): string {
  dir = mkdtempSync(join(tmpdir(), 'parity-dist-tag-'));
  mkdirSync(join(dir, '.changeset'));
  if (pre) writeFileSync(join(dir, '.changeset', 'pre.json'), JSON.stringify(pre));
  return dir;
}

describe('distTag', () => {
  it('publishes a release as latest, even in pre mode', () => {
    expect(distTag('1.4.0', workspace({ mode: 'pre', tag: 'beta' }))).toBe('latest');
  });

  it("publishes a prerelease under changesets' pre-mode tag", () => {
    expect(distTag('1.4.0-rc.2', workspace({ mode: 'pre', tag: 'beta' }))).toBe('beta');
  });

  it('falls back to the first prerelease identifier, then next', () => {
    expect(distTag('1.4.0-rc.2', workspace())).toBe('rc');
    expect(distTag('1.4.0-rc.2', workspace({ mode: 'exit', tag: 'beta' }))).toBe('rc');
    expect(distTag('1.4.0-0', workspace())).toBe('next');
  });
});
