import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTree } from '@parity/model/testing';
import { fleetEnvironmentsAsync, fleetWorkspace, parity, STAMP_TIMEOUT } from '@parity/testkit';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

describe('the parity command', () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ root, cleanup } = fleetWorkspace());
  });
  afterAll(() => cleanup());

  it('gen env prints what it wrote and the next command', async () => {
    const r = await parity(root, 'gen', 'env', 'dr-euw3', '--recovers', 'prod-euw1');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote environments\/dr-euw3\/environment\.yaml/);
    expect(r.stdout).toMatch(/Next: pnpm synth dr-euw3/);
    expect(existsSync(join(root, 'environments/dr-euw3/environment.yaml'))).toBe(true);
  });

  it('gen env --force says which files it stamped again byte for byte, and which it wrote', async () => {
    const same = await parity(root, 'gen', 'env', 'dr-usw2', '--force');
    expect(same.status, same.stderr).toBe(0);
    for (const f of ['README.md', 'environment.yaml', 'RUNBOOK.md']) expect(same.stdout).toContain(`unchanged environments/dr-usw2/${f}\n`);
    expect(same.stdout).not.toMatch(/wrote /);
    const readme = join(root, 'environments/dr-usw2/README.md');
    writeFileSync(readme, `${readFileSync(readme, 'utf8')}a hand edit\n`);
    const one = await parity(root, 'gen', 'env', 'dr-usw2', '--force');
    expect(one.status, one.stderr).toBe(0);
    expect(one.stdout).toContain('  wrote environments/dr-usw2/README.md\n');
    expect(one.stdout).toContain('unchanged environments/dr-usw2/environment.yaml\n');
    expect(readFileSync(readme, 'utf8')).not.toContain('a hand edit');
  });

  it('fails on a bad name with exit code 1, the file, field, value, grammar and fix, and writes nothing', async () => {
    const before = readTree(join(root, 'environments'));
    const r = await parity(root, 'gen', 'env', 'Prod_EU');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/environments\/Prod_EU \(name\): invalid environment name/);
    expect(r.stderr).toMatch(/value: +"Prod_EU"/);
    expect(r.stderr).toMatch(/allowed: <role>\[-<cloud>\]\[-<region>\]\[-<label>\]/);
    expect(r.stderr).toMatch(/fix: /);
    expect(r.stderr).toMatch(/nothing was written/);
    expect(readTree(join(root, 'environments'))).toEqual(before);
  });

  it('fails on a usage error with exit code 2', async () => {
    const r = await parity(root, 'gen', 'env', 'staging-usw1', '--cloud', 'azure');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are aws, gcp/);
  });

  it('fails synth with the manifest file, line and fix when a manifest overrides a must-match parameter', async () => {
    const r0 = await parity(root, 'gen', 'env', 'staging-usw1');
    expect(r0.status).toBe(0);
    const file = join(root, 'environments/staging-usw1/environment.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('overrides: {}', 'overrides:\n  queue:\n    maxReceiveCount: 9'));
    const r = await parity(root, 'synth', 'staging-usw1');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/environments\/staging-usw1\/environment\.yaml:\d+ \(overrides\.queue\.maxReceiveCount\)/);
    expect(r.stderr).toMatch(/add maxReceiveCount to bundles\.queue\.mayDiffer/);
  });

  it('synth --jobs 2 shares the fleet out to two worker threads (compiled), then finds it unchanged', async () => {
    const r = await parity(root, 'synth', 'prod-use1', 'dr-usw2', 'prod-gcp-euw1', 'dr-gcp-euw4', '--jobs', '2');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/4 synthesized on 2 worker threads, 0 unchanged/);
    for (const e of ['prod-use1', 'dr-usw2', 'prod-gcp-euw1', 'dr-gcp-euw4']) {
      expect(JSON.parse(readFileSync(join(root, 'environments', e, 'cdktf.out/stacks', e, 'cdk.tf.json'), 'utf8'))).toHaveProperty(
        'terraform.backend',
      );
    }
    const again = await parity(root, 'synth', 'prod-use1', 'dr-usw2', 'prod-gcp-euw1', 'dr-gcp-euw4');
    expect(again.stdout).toMatch(/0 synthesized, 4 unchanged/);
    expect((await parity(root, 'synth', '--jobs', '0')).stderr).toMatch(/--jobs.*must be a positive integer/);
  });
});
