import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorkspace } from '@parity/model';
import { fleetWorkspace } from '@parity/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { planEnvironment, renderEnvironment } from './generate.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

describe('rendering templates/env', () => {
  it('fails on a key the view does not have, instead of rendering it as empty text', async () => {
    const t = fleetWorkspace();
    cleanups.push(t.cleanup);
    const { plan } = planEnvironment(await loadWorkspace(t.root), 'staging-euw1', {});
    expect(plan).toBeDefined();
    expect(renderEnvironment(t.root, plan!).get('environment.yaml')).toMatch(/^name: staging-euw1$/m);
    writeFileSync(join(t.root, 'templates/env/NOTES.md.hbs'), '# {{nmae}}\n');
    expect(() => renderEnvironment(t.root, plan!)).toThrow(/"nmae" not defined/);
  });

  it('renders keys that do not apply to an environment as nothing, through #if', async () => {
    const t = fleetWorkspace();
    cleanups.push(t.cleanup);
    const { plan } = planEnvironment(await loadWorkspace(t.root), 'staging-euw1', {});
    expect(plan!.view.recovers).toBeUndefined();
    expect(renderEnvironment(t.root, plan!).get('environment.yaml')).not.toMatch(/recovers:/);
  });
});
