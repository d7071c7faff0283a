import { readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkspace, type IssueKind } from '@parity/model';
import { readTree, REPO_ROOT, tempWorkspace } from '@parity/model/testing';
import { FLEET, fleetEnvironments, tempFleets } from '@parity/testkit';
import { generateEnvironment, planEnvironment, type GenOptions } from './generate.js';

// The tests' fleet (@parity/testkit), whatever the repository's environments/ holds.
const temp = tempFleets();
const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});
/** A copy of the repository as it is: its own environments/. */
function repoCopy() {
  const t = tempWorkspace();
  cleanups.push(t.cleanup);
  return t.root;
}
const committed = readdirSync(join(REPO_ROOT, 'environments'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(REPO_ROOT, 'environments', d.name, 'environment.yaml')))
  .map((d) => d.name);

/** The `gen env` options a committed manifest records in its "Stamped by" line. */
function recordedFlags(root: string, name: string): GenOptions {
  const text = readFileSync(join(root, 'environments', name, 'environment.yaml'), 'utf8');
  const line = new RegExp(`Stamped by \`pnpm gen env ${name}((?: --[a-z-]+ \\S+)*)\``).exec(text);
  expect(line, `${name}: no "Stamped by" line`).not.toBeNull();
  const keys: Record<string, keyof GenOptions> = {
    '--cloud': 'cloud',
    '--region': 'region',
    '--recovers': 'recovers',
    '--tier': 'tier',
    '--dr-policy': 'drPolicy',
  };
  const opts: Record<string, string> = {};
  for (const [, flag, value] of line![1]!.matchAll(/(--[a-z-]+) (\S+)/g)) {
    expect(keys[flag!], `${name}: unknown flag ${flag}`).toBeDefined();
    opts[keys[flag!]!] = value!;
  }
  return opts as GenOptions;
}

describe('gen env', () => {
  it('infers role, cloud, region and what a dr environment recovers from the name', async () => {
    const ws = await loadWorkspace(temp());
    const cases: Array<[string, GenOptions, Record<string, unknown>]> = [
      ['dr-usw2', { force: true }, { role: 'dr', cloud: 'aws', region: 'us-west-2', recovers: 'prod-use1', tier: 'production' }],
      ['prod-euw1', { force: true }, { role: 'production', cloud: 'aws', region: 'eu-west-1', tier: 'production' }],
      ['staging', { force: true }, { role: 'staging', cloud: 'aws', region: 'us-east-1', tier: 'standard' }],
      ['prod-gcp-euw1', { force: true }, { role: 'production', cloud: 'gcp', region: 'europe-west1' }],
      ['staging-eu', { cloud: 'gcp', region: 'europe-west1' }, { role: 'staging', cloud: 'gcp', region: 'europe-west1', tier: 'standard' }],
      ['dr-euw3', { recovers: 'prod-euw1' }, { role: 'dr', region: 'eu-west-3', recovers: 'prod-euw1', state: { region: 'eu-west-3' } }],
    ];
    for (const [name, opts, expected] of cases) {
      const { plan, issues } = planEnvironment(ws, name, opts);
      expect(plan?.manifest, `${name}: ${JSON.stringify(issues)}`).toMatchObject(expected);
    }
  });

  it.each(FLEET.map((e) => e.name))("stamps %s of the tests' fleet again byte-identically (determinism)", async (name) => {
    const root = temp();
    const before = readTree(join(root, 'environments', name));
    const r = generateEnvironment(await loadWorkspace(root), name, { force: true });
    expect(r.written).toBeDefined();
    expect(r.written!.length).toBeGreaterThanOrEqual(2);
    expect(readTree(join(root, 'environments', name))).toEqual(before);
    for (const f of r.written!)
      expect(readFileSync(join(root, f), 'utf8'), f).toBe(readFileSync(join(fleetEnvironments(), '..', f), 'utf8'));
  });

  it.each(committed)('stamps %s byte-identically to the committed files (determinism, and the fleet is generated)', async (name) => {
    const root = repoCopy();
    const before = readTree(join(root, 'environments', name));
    // the command its header records (`parity init` passes --region and --recovers), run again
    const r = generateEnvironment(await loadWorkspace(root), name, { ...recordedFlags(root, name), force: true });
    expect(r.written).toBeDefined();
    expect(readTree(join(root, 'environments', name))).toEqual(before);
    for (const f of r.written!) expect(readFileSync(join(root, f), 'utf8'), f).toBe(readFileSync(join(REPO_ROOT, f), 'utf8'));
  });

  it('writes the DR policy of a production environment, and keeps it when stamping again', async () => {
    const root = temp();
    const r = generateEnvironment(await loadWorkspace(root), 'prod-usw1', { drPolicy: 'critical' });
    expect(r.written).toBeDefined();
    const text = readFileSync(join(root, 'environments/prod-usw1/environment.yaml'), 'utf8');
    expect(text).toMatch(/^drPolicy: critical # warm-standby: RPO 15 min, RTO 60 min$/m);
    expect(text).toMatch(/Stamped by `pnpm gen env prod-usw1 --dr-policy critical`/);
    const again = generateEnvironment(await loadWorkspace(root), 'prod-usw1', { force: true });
    expect(again.written).toBeDefined();
    expect(readFileSync(join(root, 'environments/prod-usw1/environment.yaml'), 'utf8')).toBe(text);
  });

  it('fails when --dr-policy is given for a dr environment, which runs under the policy of the one it recovers', async () => {
    const { issues } = planEnvironment(await loadWorkspace(temp()), 'dr-use2', { recovers: 'prod-use1', drPolicy: 'critical' });
    expect(issues).toContainEqual(
      expect.objectContaining({
        kind: 'dr-policy',
        path: '--dr-policy',
        message: expect.stringMatching(/runs under the policy of prod-use1/),
      }),
    );
  });

  it('creates an environment in a region the fleet does not use yet, and the same inputs give the same bytes', async () => {
    const a = temp();
    const b = temp();
    const ra = generateEnvironment(await loadWorkspace(a), 'staging-apse2', {});
    const rb = generateEnvironment(await loadWorkspace(b), 'staging-apse2', {});
    expect(ra.written).toEqual(['environments/staging-apse2/README.md', 'environments/staging-apse2/environment.yaml']);
    expect(rb.written).toEqual(ra.written);
    expect(readTree(join(a, 'environments', 'staging-apse2'))).toEqual(readTree(join(b, 'environments', 'staging-apse2')));
    expect(readFileSync(join(a, 'environments/staging-apse2/environment.yaml'), 'utf8')).toMatch(
      /region: ap-southeast-2 # Asia Pacific \(Sydney\); jurisdiction AU/,
    );
    // and the new manifest loads and resolves like any other
    const ws = await loadWorkspace(a);
    expect(ws.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(ws.manifests.get('staging-apse2')?.data.region).toBe('ap-southeast-2');
  });

  it('keeps other files (drill reports, build output) when stamping again with --force', async () => {
    const root = temp();
    mkdirSync(join(root, 'environments/dr-usw2/drills'), { recursive: true });
    writeFileSync(join(root, 'environments/dr-usw2/drills/report.md'), 'kept');
    generateEnvironment(await loadWorkspace(root), 'dr-usw2', { force: true });
    expect(readFileSync(join(root, 'environments/dr-usw2/drills/report.md'), 'utf8')).toBe('kept');
    expect(readdirSync(join(root, 'environments')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  const refusals: Array<[string, string, GenOptions, IssueKind, RegExp]> = [
    ['fails on an invalid name', 'Prod_1', {}, 'env-name', /invalid environment name/],
    ['fails on a name with an unknown role', 'qa-use1', {}, 'env-name', /must start with a role/],
    ['fails on an unknown region short code', 'prod-usw9', {}, 'unknown-region', /not the short code of an AWS region/],
    ['fails on an unknown --region code', 'staging', { region: 'mars-north-1', force: true }, 'unknown-region', /not a known aws region/],
    ['fails when the name and --region disagree', 'prod-euw1', { region: 'us-east-1', force: true }, 'env-name', /the name says eu-west-1/],
    ['fails when the name and --cloud disagree', 'prod-gcp-euw1', { cloud: 'aws', force: true }, 'env-name', /the name says gcp/],
    ['fails on an environment that exists, without --force', 'dr-usw2', {}, 'env-exists', /already exists/],
    [
      'fails when EU data would be recovered in the US',
      'dr-use1',
      { recovers: 'prod-euw1' },
      'residency',
      /would copy its data and backups out of EU/,
    ],
    ['fails when no production environment can be recovered', 'dr-apse1', {}, 'recovers', /no aws production environment/],
    [
      'fails when --recovers is given to a non-dr environment',
      'staging-usw1',
      { recovers: 'prod-use1' },
      'recovers',
      /only dr environments/,
    ],
    ['fails on an unknown tier', 'staging-usw1', { tier: 'huge' }, 'unknown-tier', /tier "huge" is not defined/],
  ];

  it.each(refusals)('%s, and writes nothing', async (_title, name, opts, kind, message) => {
    const root = temp();
    const before = readTree(join(root, 'environments'));
    const r = generateEnvironment(await loadWorkspace(root), name, opts);
    expect(r.written).toBeUndefined();
    const errors = r.issues.filter((i) => i.severity === 'error');
    expect(errors.map((i) => i.kind)).toContain(kind);
    expect(errors.map((i) => i.message).join('\n')).toMatch(message);
    expect(errors.every((i) => Boolean(i.fix))).toBe(true);
    expect(readTree(join(root, 'environments'))).toEqual(before);
  });

  it('names EU regions that would work when refusing a US recovery of EU data', async () => {
    const r = generateEnvironment(await loadWorkspace(temp()), 'dr-use1', { recovers: 'prod-euw1' });
    const residency = r.issues.find((i) => i.kind === 'residency')!;
    expect(residency.allowed).toMatch(/eu-central-1/);
    expect(residency.allowed).not.toMatch(/us-|eu-west-2/);
  });
});
