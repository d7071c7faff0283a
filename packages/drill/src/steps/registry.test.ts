import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registryKeys, stopRegistry } from './registry.js';

describe('the registry stopped at the loss', () => {
  it("names the default registry and every scope's", () => {
    expect(registryKeys('# c\n@parity:registry=http://127.0.0.1:4873/\n@acme:registry = http://x/\n')).toEqual([
      'npm_config_registry',
      'npm_config_@parity:registry',
      'npm_config_@acme:registry',
    ]);
  });

  it('points npm itself at a closed port, for this process and its children, until restored', async () => {
    const root = mkdtempSync(join(tmpdir(), 'parity-registry-'));
    try {
      writeFileSync(join(root, '.npmrc'), '@parity:registry=http://127.0.0.1:4873/\n');
      const before = process.env['npm_config_@parity:registry'];
      const stopped = await stopRegistry(root);
      const said = spawnSync('npm', ['config', 'get', '@parity:registry'], { cwd: root, encoding: 'utf8', timeout: 60_000 });
      expect(said.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect(said.stdout.trim()).not.toBe('http://127.0.0.1:4873/');
      expect(stopped.text).toContain('@parity:registry');
      stopped.restore();
      expect(process.env['npm_config_@parity:registry']).toBe(before);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
