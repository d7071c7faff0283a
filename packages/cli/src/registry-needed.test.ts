import type { ResolvedEnvironment } from '@parity/model';
import { describe, expect, it } from 'vitest';
import { registryNeeded } from './commands/check.js';

const env = (name: string, role: string, pinned?: string) =>
  ({
    name,
    role,
    file: `environments/${name}/environment.yaml`,
    bundles: [
      { name: 'database', version: '1.4.0', ...(pinned ? { pinned: { dir: pinned } } : {}) },
      { name: 'network', version: '1.0.0' },
    ],
  }) as unknown as ResolvedEnvironment;

describe('a pin a failover would need the registry for', () => {
  const dir = '.parity/bundles/@acme/bundle-database@1.4.0';
  it('is a dr environment pin the bundle cache lacked when the check began: a warning naming it', () => {
    const f = registryNeeded([env('dr-usw2', 'dr', dir), env('prod-use1', 'production', dir)], [dir]);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({
      check: 'dr',
      env: 'dr-usw2',
      kind: 'registry',
      severity: 'warning',
      file: 'environments/dr-usw2/environment.yaml',
      path: 'bundles.database',
      value: '1.4.0',
      message: 'dr-usw2 pins database@1.4.0, not installed; a failover would need the registry',
    });
  });

  it('is none when the pin was already installed, or the environment follows the workspace copy', () => {
    expect(registryNeeded([env('dr-usw2', 'dr', dir)], [])).toEqual([]);
    expect(registryNeeded([env('dr-usw2', 'dr')], [dir])).toEqual([]);
  });
});
