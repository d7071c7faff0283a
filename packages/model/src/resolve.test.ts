import { beforeAll, describe, expect, it } from 'vitest';
import { ParityError, type IssueKind } from './errors.js';
import { checkDefinition, unclosedBracket } from './definition-check.js';
import { stateBackend } from './placement.js';
import { resolveEnvironment } from './resolve.js';
import { AWS_PAIR, fixtureWorkspace, GCP_PAIR, inMemoryManifest, REPO_ROOT, resolveFixture, type ManifestInput } from './testing.js';
import { loadWorkspace, type Workspace } from './workspace.js';
import type { Definition } from './config.js';

const prod: ManifestInput = AWS_PAIR[0]!;
const dr: ManifestInput = AWS_PAIR[1]!;
const staging: ManifestInput = AWS_PAIR[2]!;
const prodEu: ManifestInput = { name: 'prod-euw1', cloud: 'aws', region: 'eu-west-1', role: 'production', tier: 'production' };

async function resolve(manifests: ManifestInput[], name: string) {
  const ws = await fixtureWorkspace(manifests);
  return resolveEnvironment(ws, name);
}

describe('resolution: definition + manifest → resolved environment', () => {
  it('layers bundle defaults, definition defaults and the tier', async () => {
    const envs = await resolveFixture(AWS_PAIR);
    const db = (n: string) => envs.get(n)!.bundles.find((b) => b.name === 'database')!;
    expect(db('prod-use1').params).toMatchObject({
      size: 'large',
      highAvailability: true,
      deletionProtection: true,
      postgresVersion: '16',
      backupRetentionDays: 14,
    });
    expect(db('staging').params).toMatchObject({
      size: 'small',
      highAvailability: false,
      deletionProtection: false,
      postgresVersion: '16',
    });
    expect(db('prod-use1').sources).toMatchObject({ size: 'tier', postgresVersion: 'definition', databaseName: 'bundle' });
  });

  it('orders bundles so that connections come first', async () => {
    const envs = await resolveFixture(AWS_PAIR);
    const order = envs.get('prod-use1')!.bundles.map((b) => b.name);
    expect(order.indexOf('network')).toBeLessThan(order.indexOf('database'));
    expect(order.indexOf('database')).toBeLessThan(order.indexOf('backup'));
    expect(order.indexOf('cluster')).toBeLessThan(order.indexOf('backup'));
  });

  it('wires a production environment to the dr environments that recover it', async () => {
    const envs = await resolveFixture(AWS_PAIR);
    expect(envs.get('prod-use1')!.drTargets).toEqual([{ name: 'dr-usw2', region: 'us-west-2' }]);
    expect(envs.get('prod-use1')!.backup.copyRegions).toEqual(['us-west-2']);
    expect(envs.get('dr-usw2')!.recovers).toEqual({ name: 'prod-use1', region: 'us-east-1' });
    expect(envs.get('dr-usw2')!.backup.copyRegions).toEqual([]);
  });

  it('derives jurisdiction, data regions, project and state from region and definition', async () => {
    const envs = await resolveFixture(GCP_PAIR);
    const eu = envs.get('prod-gcp-euw1')!;
    expect(eu.jurisdiction).toBe('EU');
    expect(eu.gcpProject).toBe('acme-prod-gcp-euw1');
    expect(eu.dataRegions).toContain('europe-west4');
    expect(eu.dataRegions).not.toContain('europe-west2'); // London is UK, not EU
    expect(eu.backup.location).toBe('europe-west4');
    expect(eu.state).toEqual({ backend: 'gcs', bucket: 'acme-tfstate-europe-west1', prefix: 'prod-gcp-euw1', region: 'europe-west1' });
    const envsAws = await resolveFixture(AWS_PAIR);
    expect(envsAws.get('dr-usw2')!.state).toEqual({
      backend: 's3',
      bucket: 'acme-tfstate-us-west-2',
      region: 'us-west-2',
      key: 'dr-usw2/terraform.tfstate',
    });
  });

  it('names the DynamoDB lock table in an S3 state only when the definition has one', async () => {
    const ws = await loadWorkspace(REPO_ROOT);
    const def = structuredClone(ws.definition.data);
    expect(stateBackend(def, 'dr-usw2', 'aws', 'us-west-2')).not.toHaveProperty('lockTable');
    def.state.aws.lockTable = 'acme-tflock';
    expect(stateBackend(def, 'dr-usw2', 'aws', 'us-west-2')).toEqual({
      backend: 's3',
      bucket: 'acme-tfstate-us-west-2',
      key: 'dr-usw2/terraform.tfstate',
      region: 'us-west-2',
      lockTable: 'acme-tflock',
    });
  });

  it('accepts an override of a parameter the definition lets differ', async () => {
    const r = await resolve([{ ...staging, overrides: { database: { size: 'medium' } } }], 'staging');
    expect(r.issues).toEqual([]);
    const db = r.env!.bundles.find((b) => b.name === 'database')!;
    expect(db.params.size).toBe('medium');
    expect(db.sources.size).toBe('override');
  });

  it('warns, and still resolves, for an opt-in region', async () => {
    const r = await resolve(
      [{ name: 'prod-afs1', cloud: 'aws', region: 'af-south-1', role: 'production', tier: 'production' }],
      'prod-afs1',
    );
    expect(r.env).toBeDefined();
    expect(r.issues.map((i) => [i.kind, i.severity])).toContainEqual(['opt-in-region', 'warning']);
  });

  it('warns when no source confirms a needed GCP service', async () => {
    const r = await resolve(
      [{ name: 'prod-gcp-asse3', cloud: 'gcp', region: 'asia-southeast3', role: 'production', tier: 'production' }],
      'prod-gcp-asse3',
    );
    expect(r.env).toBeDefined();
    expect(r.issues.filter((i) => i.kind === 'missing-service').every((i) => i.severity === 'warning')).toBe(true);
    expect(r.issues.some((i) => i.kind === 'missing-service' && /cloudSql/.test(i.message))).toBe(true);
  });
});

interface Refusal {
  name: string;
  manifests: ManifestInput[];
  env: string;
  kind: IssueKind;
  path?: string;
  message?: RegExp;
}

const refusals: Refusal[] = [
  {
    name: 'fails when a manifest overrides a must-match parameter',
    manifests: [{ ...staging, overrides: { database: { postgresVersion: '15' } } }],
    env: 'staging',
    kind: 'not-overridable',
    path: 'overrides.database.postgresVersion',
    message: /must be the same in every environment/,
  },
  {
    name: 'fails on an unknown parameter',
    manifests: [{ ...staging, overrides: { database: { sise: 'large' } } }],
    env: 'staging',
    kind: 'unknown-parameter',
    path: 'overrides.database.sise',
  },
  {
    name: 'fails on an override of a bundle the definition does not have',
    // a name no definition can hold (bundle keys have no hyphen): `pnpm gen bundle cache` may have added cache
    manifests: [{ ...staging, overrides: { 'no-such-bundle': { size: 'large' } } }],
    env: 'staging',
    kind: 'unknown-bundle',
    path: 'overrides.no-such-bundle',
  },
  {
    name: 'fails on a value the bundle does not allow',
    manifests: [{ ...staging, overrides: { database: { size: 'huge' } } }],
    env: 'staging',
    kind: 'schema',
    path: 'overrides.database.size',
  },
  {
    name: 'fails on an unknown region',
    manifests: [{ ...staging, region: 'us-west-9' }],
    env: 'staging',
    kind: 'unknown-region',
    path: 'region',
  },
  {
    name: 'fails on an unknown state region, once',
    manifests: [{ ...staging, state: { region: 'us-west-9' } }],
    env: 'staging',
    kind: 'unknown-region',
    path: 'state.region',
  },
  { name: 'fails on an unknown tier', manifests: [{ ...staging, tier: 'gigantic' }], env: 'staging', kind: 'unknown-tier', path: 'tier' },
  {
    name: 'fails when a dr environment does not say what it recovers',
    manifests: [prod, { ...dr, recovers: undefined }],
    env: 'dr-usw2',
    kind: 'recovers',
    path: 'role',
  },
  {
    name: 'fails when a dr environment recovers a staging environment',
    manifests: [staging, { ...dr, recovers: 'staging' }],
    env: 'dr-usw2',
    kind: 'recovers',
    message: /staging environment/,
  },
  {
    name: 'fails when a dr environment recovers one on another cloud',
    manifests: [prod, { ...dr, cloud: 'gcp', region: 'us-west1', state: { region: 'us-west1' } }],
    env: 'dr-usw2',
    kind: 'cloud-mismatch',
  },
  {
    name: 'fails when EU data would be recovered in the US',
    manifests: [prodEu, { name: 'dr-use1', cloud: 'aws', region: 'us-east-1', role: 'dr', tier: 'production', recovers: 'prod-euw1' }],
    env: 'dr-use1',
    kind: 'residency',
    message: /out of EU/,
  },
  {
    name: 'fails when a dr environment keeps its state in the region it fails over from',
    manifests: [prod, { ...dr, state: { region: 'us-east-1' } }],
    env: 'dr-usw2',
    kind: 'state-in-failed-region',
    path: 'state.region',
  },
  {
    name: 'fails when a dr environment sits in the region it recovers',
    manifests: [prod, { ...dr, region: 'us-east-1', state: { region: 'us-west-2' } }],
    env: 'dr-usw2',
    kind: 'recovers',
    message: /same region/,
  },
  {
    name: 'fails when a non-dr environment claims to recover another',
    manifests: [prod, { ...staging, recovers: 'prod-use1' }],
    env: 'staging',
    kind: 'recovers',
    path: 'recovers',
  },
  {
    name: 'fails when the manifest name does not match its folder',
    manifests: [{ ...staging, name: 'staging' }],
    env: 'staging',
    kind: 'env-name',
  },
  { name: 'fails on an environment that does not exist', manifests: [staging], env: 'prod-use1', kind: 'env-missing' },
];

describe('resolution refusals', () => {
  it.each(refusals)('$name', async ({ manifests, env, kind, path, message }) => {
    const ws = await fixtureWorkspace(manifests);
    // the folder-name case: register the manifest under another folder name
    const wsUsed: Workspace =
      kind === 'env-name' ? { ...ws, manifests: new Map([['staging', inMemoryManifest({ ...manifests[0]!, name: 'stage' })]]) } : ws;
    const r = resolveEnvironment(wsUsed, env);
    expect(r.env).toBeUndefined();
    const found = r.issues.filter((i) => i.kind === kind && i.severity === 'error');
    expect(found.length, JSON.stringify(r.issues, null, 2)).toBeGreaterThan(0);
    if (path) expect(found.map((i) => i.path)).toContain(path);
    if (message) expect(found.map((i) => i.message).join('\n')).toMatch(message);
    // each problem is reported once, however many rules look at the field
    const shown = r.issues.map((i) => `${i.kind}|${i.file}|${i.path}|${i.message}`);
    expect(shown).toEqual([...new Set(shown)]);
    for (const i of found) {
      expect(i.file).toMatch(/^environments\//);
      expect(i.fix ?? '').not.toBe('');
    }
  });

  it('fails on a region lacking a service a bundle needs, and names regions in the jurisdiction that have it', async () => {
    const ws = await fixtureWorkspace([{ name: 'prod-usw1', cloud: 'aws', region: 'us-west-1', role: 'production', tier: 'production' }]);
    const db = ws.bundles.get('database')!;
    const bundles = new Map(ws.bundles).set('database', { ...db, services: { aws: [...db.services.aws, 'dsql'], gcp: db.services.gcp } });
    const r = resolveEnvironment({ ...ws, bundles }, 'prod-usw1');
    const missing = r.issues.find((i) => i.kind === 'missing-service' && i.severity === 'error');
    expect(missing?.message).toMatch(/lacks dsql \(needed by database\)/);
    expect(missing?.allowed).toMatch(/us-east-1|us-east-2|us-west-2/);
    expect(missing?.allowed).not.toMatch(/eu-/);
  });

  it('reports every problem at once, not just the first', async () => {
    const r = await resolve(
      [{ ...staging, region: 'us-west-9', tier: 'nope', overrides: { database: { postgresVersion: '15', sise: 1 } } }],
      'staging',
    );
    expect(r.issues.map((i) => i.kind)).toEqual(
      expect.arrayContaining(['unknown-region', 'unknown-tier', 'not-overridable', 'unknown-parameter']),
    );
  });

  it('throws a ParityError that lists every problem with file, field, value and fix', () => {
    const e = new ParityError([
      {
        kind: 'schema',
        severity: 'error',
        file: 'environments/x/environment.yaml',
        path: 'tier',
        value: 'nope',
        message: 'bad tier',
        allowed: 'standard, production',
        fix: 'use a defined tier',
        line: 7,
      },
    ]);
    expect(e.message).toMatch(/environments\/x\/environment\.yaml:7 \(tier\): bad tier/);
    expect(e.message).toMatch(/value: +"nope"/);
    expect(e.message).toMatch(/allowed: standard, production/);
    expect(e.message).toMatch(/fix: +use a defined tier/);
    expect(e.kinds).toEqual(['schema']);
  });
});

describe('definition rules', () => {
  let ws: Workspace;
  beforeAll(async () => {
    ws = await fixtureWorkspace([]);
  });
  const withDef = (patch: (d: Definition) => Definition) => ({
    definition: { ...ws.definition, data: patch(structuredClone(ws.definition.data)) },
    bundles: ws.bundles,
  });

  it('passes for the committed definition', () => {
    expect(checkDefinition(ws)).toEqual([]);
  });

  it('fails when a tier sets a parameter that must match', () => {
    const issues = checkDefinition(
      withDef((d) => ({
        ...d,
        tiers: { ...d.tiers, standard: { ...d.tiers.standard, queue: { maxReceiveCount: 10 } } as unknown as Definition['tiers'][string] },
      })),
    );
    expect(issues.map((i) => [i.kind, i.path])).toContainEqual(['tier-sets-fixed-parameter', 'tiers.standard.queue.maxReceiveCount']);
  });

  it('fails when the workspace bundle does not satisfy the range', () => {
    const issues = checkDefinition(
      withDef((d) => ({ ...d, bundles: { ...d.bundles, queue: { ...d.bundles.queue!, version: '^2.0.0' } } })),
    );
    expect(issues.map((i) => [i.kind, i.path])).toContainEqual(['bundle-version', 'bundles.queue.version']);
  });

  it('fails when mayDiffer names a parameter the bundle lacks', () => {
    const issues = checkDefinition(
      withDef((d) => ({ ...d, bundles: { ...d.bundles, queue: { ...d.bundles.queue!, mayDiffer: ['queueCount'] } } })),
    );
    expect(issues.map((i) => i.kind)).toContain('unknown-parameter');
  });

  it('fails when a bundle connects to one the definition leaves out', () => {
    const issues = checkDefinition(
      withDef((d) => {
        const { network: _n, ...rest } = d.bundles;
        return { ...d, bundles: rest };
      }),
    );
    expect(
      issues
        .filter((i) => i.kind === 'missing-connection')
        .map((i) => i.path)
        .sort(),
    ).toEqual(['bundles.cluster', 'bundles.database']);
  });

  it('fails when the default tier does not exist', () => {
    const issues = checkDefinition(withDef((d) => ({ ...d, defaultTier: { ...d.defaultTier, staging: 'tiny' } })));
    expect(issues.map((i) => [i.kind, i.path])).toContainEqual(['unknown-tier', 'defaultTier.staging']);
  });

  it('warns when a runbook field has a bracket that is never closed or closes nothing (a YAML comment cut it short)', () => {
    const declaration = { who: 'the on-call lead (paged through the rotation;', criteria: ['fine (closed)', 'a stray ] here'] };
    const issues = checkDefinition(withDef((d) => ({ ...d, dr: { ...d.dr, declaration } })));
    expect(issues.map((i) => [i.kind, i.severity, i.path, i.value])).toEqual([
      ['unbalanced-bracket', 'warning', 'dr.declaration.who', declaration.who],
      ['unbalanced-bracket', 'warning', 'dr.declaration.criteria.1', 'a stray ] here'],
    ]);
  });

  it.each([
    ['plain text', undefined],
    ['(a [b] {c})', undefined],
    ['rotation (#incidents)', undefined],
    ['rotation;(', '('],
    ['a (b [c) d]', '['],
    ['closes ) nothing', ')'],
    ['{ open', '{'],
  ])('finds the bracket left open in %j', (text, open) => {
    expect(unclosedBracket(text)).toBe(open);
  });
});

describe('jurisdiction overrides in the definition', () => {
  const prodUk: ManifestInput = { name: 'prod-euw2', cloud: 'aws', region: 'eu-west-2', role: 'production', tier: 'production' };
  const drIe: ManifestInput = { name: 'dr-euw1', cloud: 'aws', region: 'eu-west-1', role: 'dr', tier: 'production', recovers: 'prod-euw2' };
  async function ws(residency: Definition['residency'], manifests: ManifestInput[] = [prodUk, drIe]) {
    const w = await fixtureWorkspace(manifests);
    w.definition.data.residency = residency;
    return w;
  }

  it('fails by default to recover UK data in the EU', async () => {
    const r = resolveEnvironment(await ws({ groups: {}, environments: {} }), 'dr-euw1');
    expect(r.issues.map((i) => i.kind)).toContain('residency');
  });

  it("lets a group widen where an environment's data may go", async () => {
    const w = await ws({ groups: { EUROPE: ['EU', 'UK'] }, environments: { 'prod-euw2': 'EUROPE' } });
    const dr = resolveEnvironment(w, 'dr-euw1');
    expect(dr.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const prod = resolveEnvironment(w, 'prod-euw2').env!;
    expect(prod.jurisdiction).toBe('EUROPE');
    expect(prod.jurisdictions).toEqual(['EU', 'UK']);
    expect(prod.dataRegions).toEqual(expect.arrayContaining(['eu-west-1', 'eu-west-2', 'eu-central-1']));
    expect(prod.dataRegions).not.toContain('us-east-1');
  });

  it("fails when the jurisdiction given leaves out the environment's own region", async () => {
    const r = resolveEnvironment(await ws({ groups: {}, environments: { 'prod-euw2': 'EU' } }), 'prod-euw2');
    expect(r.issues.find((i) => i.kind === 'residency')).toMatchObject({
      file: 'environments/platform.yaml',
      path: 'residency.environments.prod-euw2',
    });
  });

  it('fails on a jurisdiction that is neither in the catalog nor a group', async () => {
    const r = resolveEnvironment(await ws({ groups: {}, environments: { 'prod-euw2': 'NARNIA' } }), 'prod-euw2');
    expect(r.issues.find((i) => i.kind === 'residency')?.message).toMatch(
      /NARNIA is neither a jurisdiction of the region catalog nor a group/,
    );
  });
});
