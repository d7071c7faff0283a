import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveEnvironment, type Definition, type ResolvedEnvironment, type Workspace } from '@parity/model';
import { AWS_PAIR, fixtureWorkspace, GCP_PAIR, REPO_ROOT, type ManifestInput } from '@parity/model/testing';
import { synthToJson } from '@parity/synth';
import { resolveForCheck, runChecks, type CheckReport } from './run.js';
import type { FindingKind } from './findings.js';
import type { TerraformJson } from './tf.js';
import { residencyFindings } from './residency.js';
import { parityMatrix } from './parity.js';

const EU_PAIR: ManifestInput[] = [
  { name: 'prod-euw1', cloud: 'aws', region: 'eu-west-1', role: 'production', tier: 'production' },
  { name: 'dr-euc1', cloud: 'aws', region: 'eu-central-1', role: 'dr', tier: 'production', recovers: 'prod-euw1' },
];
const FLEET = [...AWS_PAIR, ...EU_PAIR, ...GCP_PAIR];

/** Run every check over a fixture workspace, synthesizing each environment in memory. */
async function check(
  manifests: ManifestInput[],
  patch?: (d: Definition) => void,
  patchJson?: (env: string, json: TerraformJson) => void,
  patchWs?: (ws: Workspace) => Workspace,
): Promise<CheckReport> {
  let ws: Workspace = await fixtureWorkspace(manifests);
  if (patchWs) ws = patchWs(ws);
  if (patch) patch(ws.definition.data);
  const resolved = resolveForCheck(ws);
  const json = new Map<string, TerraformJson>();
  for (const e of resolved.envs) {
    const j = (await synthToJson(REPO_ROOT, e)) as TerraformJson;
    patchJson?.(e.name, j);
    json.set(e.name, j);
  }
  return runChecks(ws, resolved, (n) => json.get(n));
}

const errorsOf = (r: CheckReport) => r.findings.filter((f) => f.severity === 'error');

describe('pnpm check on a healthy fleet', () => {
  let report: CheckReport;
  beforeAll(async () => {
    report = await check(FLEET);
  });

  it('finds no violation', () => {
    expect(errorsOf(report)).toEqual([]);
  });

  it('shows every environment × bundle with its version, and the allowed differences', () => {
    expect(report.matrix.envs).toHaveLength(FLEET.length);
    const workspaceVersion = (JSON.parse(readFileSync(join(REPO_ROOT, 'bundles/database/package.json'), 'utf8')) as { version: string })
      .version;
    expect(report.matrix.cells['prod-use1']!.database).toMatchObject({
      version: workspaceVersion,
      status: 'ok',
      differs: { size: 'large' },
    });
    expect(report.matrix.cells.staging!.database!.differs).toMatchObject({ size: 'small', highAvailability: false });
    const size = report.matrix.differences.find((d) => d.bundle === 'database' && d.param === 'size')!;
    expect(size.allowed).toBe(true);
    expect(size.groups.map((g) => g.value)).toEqual(['large', 'small']);
  });

  it('reports DR readiness for every production environment, met, with its coverage', () => {
    expect(report.dr.map((p) => [p.primary, p.dr?.name]).sort()).toEqual([
      ['prod-euw1', 'dr-euc1'],
      ['prod-gcp-euw1', 'dr-gcp-euw4'],
      ['prod-use1', 'dr-usw2'],
    ]);
    for (const p of report.dr) {
      expect(p.rpo?.met, p.primary).toBe(true);
      expect(p.rto?.met, p.primary).toBe(true);
      expect(
        p.coverage.every((c) => c.covered),
        p.primary,
      ).toBe(true);
      expect(p.stateOk).toBe(true);
      expect(p.queues).toMatch(/recreates them empty/);
    }
    const use1 = report.dr.find((p) => p.primary === 'prod-use1')!;
    expect(use1.keys.every((k) => k.ok && k.region === 'us-west-2')).toBe(true);
    // the bucket's 15 minutes (S3 RTC) is the worst store; the database's replicated logs give 10
    expect(use1.rpo!.minutes).toBe(15);
    expect(use1.rpo!.stores.find((x) => x.bundle === 'database')).toMatchObject({ rpoMinutes: 10, kind: 'replicated-backups' });
  });
});

interface Case {
  name: string;
  manifests?: ManifestInput[];
  patch?: (d: Definition) => void;
  patchJson?: (env: string, json: TerraformJson) => void;
  patchWs?: (ws: Workspace) => Workspace;
  kind: FindingKind;
  env?: string;
  file?: RegExp;
  path?: string;
  message: RegExp;
}

const edit = (name: string, change: Partial<ManifestInput>) => FLEET.map((m) => (m.name === name ? { ...m, ...change } : m));

const important = edit('prod-use1', { drPolicy: 'important' });
const critical = edit('prod-gcp-euw1', { drPolicy: 'critical' });
const replicaOf = (j: TerraformJson): Record<string, unknown> => Object.values(j.resource!.aws_db_instance!)[0]!;

const cases: Case[] = [
  {
    name: 'fails when the policy needs a replica and the dr environment overrides database.mode back to primary (the mechanism is missing)',
    manifests: important.map((m) => (m.name === 'dr-usw2' ? { ...m, overrides: { database: { mode: 'primary' } } } : m)),
    patch: (d) => {
      d.bundles.database!.mayDiffer.push('mode');
    },
    kind: 'dr-mechanism-missing',
    env: 'dr-usw2',
    path: 'overrides.database.mode',
    message:
      /policy important \(pilot-light\) needs a read replica of prod-use1's database in us-west-2, .* missing aws_db_instance with replicate_source_db = arn:<partition>:rds:us-east-1/,
  },
  {
    name: 'fails when the replica runs another engine version than its source',
    manifests: important,
    patchJson: (env, j) => {
      if (env === 'dr-usw2') replicaOf(j).engine_version = '15';
    },
    kind: 'replica-engine-mismatch',
    env: 'dr-usw2',
    message: /runs 15, its source 16/,
  },
  {
    name: 'fails when the replica is encrypted with a key of the region it recovers from',
    manifests: important,
    patchJson: (env, j) => {
      if (env === 'dr-usw2') replicaOf(j).kms_key_id = 'arn:aws:kms:us-east-1:123456789012:key/abc';
    },
    kind: 'key-region',
    env: 'dr-usw2',
    message: /replica in us-west-2 is encrypted with a key in us-east-1/,
  },
  {
    name: "fails when standby compute is not at the policy's fraction",
    manifests: critical,
    patchJson: (env, j) => {
      if (env !== 'dr-gcp-euw4') return;
      (
        Object.values(j.resource!.google_container_node_pool!)[0] as { autoscaling: { min_node_count: number } }
      ).autoscaling.min_node_count = 3;
    },
    kind: 'standby-capacity',
    env: 'dr-gcp-euw4',
    message: /runs 3 node\(s\) in peacetime; policy critical \(warm-standby, 25% of prod-gcp-euw1's 3\) means 1/,
  },
  {
    name: "fails when the replica lives outside the primary's jurisdiction",
    manifests: critical,
    patchJson: (env, j) => {
      if (env === 'dr-gcp-euw4') (Object.values(j.resource!.google_sql_database_instance!)[0] as { region: string }).region = 'us-central1';
    },
    kind: 'residency',
    env: 'dr-gcp-euw4',
    message: /replica of prod-gcp-euw1's database lives in us-central1 \(US\), outside EU/,
  },
  {
    name: 'fails when a must-match parameter is changed in one manifest',
    manifests: edit('prod-euw1', { overrides: { queue: { maxReceiveCount: 9 } } }),
    kind: 'not-overridable',
    env: 'prod-euw1',
    file: /environments\/prod-euw1\/environment\.yaml/,
    path: 'overrides.queue.maxReceiveCount',
    message: /must be the same in every environment/,
  },
  {
    name: 'fails when EU data would be recovered in the US',
    manifests: [
      ...FLEET.filter((m) => m.name !== 'dr-euc1'),
      { name: 'dr-use2', cloud: 'aws', region: 'us-east-2', role: 'dr', tier: 'production', recovers: 'prod-euw1' },
    ],
    kind: 'residency',
    env: 'dr-use2',
    path: 'region',
    message: /out of EU/,
  },
  {
    name: 'fails when backup copies of EU data land in the US (read from the Terraform JSON)',
    manifests: [
      ...FLEET.filter((m) => m.name !== 'dr-euc1'),
      { name: 'dr-use2', cloud: 'aws', region: 'us-east-2', role: 'dr', tier: 'production', recovers: 'prod-euw1' },
    ],
    kind: 'residency',
    env: 'prod-euw1',
    file: /cdk\.tf\.json/,
    message: /us-east-2 \(US\), outside EU/,
  },
  {
    name: 'fails when a copy destination ARN points outside the jurisdiction',
    patchJson: (env, j) => {
      if (env !== 'prod-euw1') return;
      const plan = Object.values(j.resource!.aws_backup_plan!)[0]! as {
        rule: Array<{ copy_action: Array<{ destination_vault_arn: string }> }>;
      };
      plan.rule[0]!.copy_action[0]!.destination_vault_arn = 'arn:aws:backup:us-east-1:123456789012:backup-vault:elsewhere';
    },
    kind: 'residency',
    env: 'prod-euw1',
    path: 'copy_action',
    message: /us-east-1 \(US\), outside EU/,
  },
  {
    name: 'fails when a Pub/Sub topic may store messages outside the jurisdiction',
    patchJson: (env, j) => {
      if (env !== 'prod-gcp-euw1') return;
      const t = Object.values(j.resource!.google_pubsub_topic!)[0]! as {
        message_storage_policy: { allowed_persistence_regions: string[] };
      };
      t.message_storage_policy.allowed_persistence_regions.push('us-central1');
    },
    kind: 'residency',
    env: 'prod-gcp-euw1',
    path: 'allowed_persistence_regions',
    message: /us-central1 \(US\)/,
  },
  {
    name: 'fails when a Cloud SQL backup location is left to the default multi-region',
    patchJson: (env, j) => {
      if (env !== 'prod-gcp-euw1') return;
      const db = Object.values(j.resource!.google_sql_database_instance!)[0]! as {
        settings: { backup_configuration: { location?: string } };
      };
      delete db.settings.backup_configuration.location;
    },
    kind: 'residency',
    env: 'prod-gcp-euw1',
    path: 'backup_configuration.location',
    message: /cannot be shown to stay in EU/,
  },
  {
    name: 'fails with a 5-minute policy over a stateful cluster, naming its backup schedule',
    patch: (d) => {
      d.bundles.cluster!.defaults.volumes = 'backup';
      d.bundles.backup!.defaults.retentionDays = 14;
      d.dr.policies.standard!.rpoMinutes = 5;
    },
    kind: 'rpo-breached',
    env: 'prod-use1',
    path: 'dr.policies.standard.rpoMinutes',
    message:
      /RPO of prod-use1's cluster in us-west-2 is 2 h \(AWS Backup every 60 min, copied to us-west-2 \(≤ 60 min\), volumes tagged parity:backup\), breaching the 5 min target by 115 min/,
  },
  {
    name: 'fails with a 15-minute policy once the cluster keeps data on volumes',
    patch: (d) => {
      d.bundles.cluster!.defaults.volumes = 'backup';
      d.bundles.backup!.defaults.retentionDays = 14;
      d.dr.policies.standard!.rpoMinutes = 15;
    },
    kind: 'rpo-breached',
    env: 'prod-use1',
    path: 'dr.policies.standard.rpoMinutes',
    message: /prod-use1's cluster in us-west-2 is 2 h \(AWS Backup every 60 min/,
  },
  {
    name: 'fails when a policy gives the queues an RPO but they have no replay archive',
    patch: (d) => {
      d.bundles.queue!.defaults.replay = 'none';
      d.dr.policies.standard!.storeRpoMinutes = { queue: 5 };
    },
    kind: 'dr-not-covered',
    env: 'prod-use1',
    path: 'dr.policies.standard.storeRpoMinutes.queue',
    message: /gives the queues an RPO of 5 min, but orders, events in prod-use1 have no replay archive/,
  },
  {
    name: 'fails when a queue archive lands outside the jurisdiction',
    patchJson: (env, j) => {
      if (env !== 'prod-euw1') return;
      const subs = Object.values(j.resource!.aws_sns_topic_subscription!) as Array<{ endpoint: string; provider?: string }>;
      const toArchive = subs.find((x) => x.endpoint.includes('archive'))!;
      toArchive.endpoint = 'arn:aws:sqs:us-east-1:123456789012:acme-prod-euw1-orders-archive';
    },
    kind: 'residency',
    env: 'prod-euw1',
    path: 'endpoint',
    message: /us-east-1 \(US\), outside EU/,
  },
  {
    name: 'fails when the RTO estimate exceeds the target',
    patch: (d) => {
      d.dr.policies.standard!.rtoMinutes = 30;
    },
    kind: 'rto-breached',
    env: 'prod-use1',
    path: 'dr.policies.standard.rtoMinutes',
    message: /estimated RTO .* breaching the 30 min target/,
  },
  {
    name: 'fails when a region lacks a service a bundle needs',
    manifests: edit('prod-use1', {}).concat([
      { name: 'staging-usw1', cloud: 'aws', region: 'us-west-1', role: 'staging', tier: 'standard' },
    ]),
    patchWs: (ws) => {
      const db = ws.bundles.get('database')!;
      return {
        ...ws,
        bundles: new Map(ws.bundles).set('database', { ...db, services: { aws: [...db.services.aws, 'dsql'], gcp: db.services.gcp } }),
      };
    },
    kind: 'missing-service',
    env: 'staging-usw1',
    path: 'region',
    message: /us-west-1 \(US West \(N\. California\)\) lacks dsql \(needed by database\)/,
  },
  {
    name: 'warns on an opt-in region',
    manifests: [...FLEET, { name: 'staging-afs1', cloud: 'aws', region: 'af-south-1', role: 'staging', tier: 'standard' }],
    kind: 'opt-in-region',
    env: 'staging-afs1',
    path: 'region',
    message: /opt-in region/,
  },
  {
    name: 'fails when a dr environment keeps its state in the region it fails over from',
    manifests: edit('dr-usw2', { state: { region: 'us-east-1' } }),
    kind: 'state-in-failed-region',
    env: 'dr-usw2',
    path: 'state.region',
    message: /the region it fails over from/,
  },
  {
    name: 'fails when a production environment has no dr environment and the definition requires one',
    manifests: FLEET.filter((m) => m.name !== 'dr-usw2'),
    kind: 'dr-missing',
    env: 'prod-use1',
    message: /no dr environment recovers it/,
  },
  {
    name: 'fails when cluster volumes hold data but are not backed up',
    patch: (d) => {
      d.bundles.cluster!.defaults.volumes = 'backup';
      d.bundles.backup!.defaults.includeClusterVolumes = false;
    },
    kind: 'dr-not-covered',
    env: 'prod-use1',
    path: 'bundles.cluster',
    message: /nothing backs it up or replicates it to us-west-2/,
  },
  {
    name: 'fails when a copy is encrypted with a key in another region',
    patchJson: (env, j) => {
      if (env !== 'prod-use1') return;
      const keys = j.resource!.aws_kms_key!;
      const [home] = Object.keys(keys).filter((k) => !(keys[k] as { provider?: string }).provider);
      for (const v of Object.values(j.resource!.aws_backup_vault!) as Array<{ provider?: string; kms_key_arn: string }>)
        if (v.provider) v.kms_key_arn = `\${aws_kms_key.${home}.arn}`;
    },
    kind: 'key-region',
    env: 'prod-use1',
    message: /encrypted with a key in us-east-1/,
  },
  {
    name: 'fails when a feature is on between regions that do not support it',
    manifests: [
      ...FLEET,
      { name: 'prod-euc1', cloud: 'aws', region: 'eu-central-1', role: 'production', tier: 'production' },
      { name: 'dr-eus1', cloud: 'aws', region: 'eu-south-1', role: 'dr', tier: 'production', recovers: 'prod-euc1' },
    ],
    patch: (d) => {
      d.bundles.database!.defaults.replicateBackupsToDr = true;
    },
    kind: 'missing-feature',
    env: 'prod-euc1',
    path: 'region',
    message: /eu-central-1 to eu-south-1/,
  },
];

describe('pnpm check refusals', () => {
  it.each(cases)('$name', async (c) => {
    const r = await check(c.manifests ?? FLEET, c.patch, c.patchJson, c.patchWs);
    const found = r.findings.filter((f) => f.kind === c.kind && (!c.env || f.env === c.env));
    expect(
      found.length,
      JSON.stringify(
        r.findings.map((f) => [f.kind, f.env, f.path, f.message]),
        null,
        1,
      ),
    ).toBeGreaterThan(0);
    const f = found[0]!;
    expect(f.severity).toBe(c.kind === 'opt-in-region' ? 'warning' : 'error');
    if (c.file) expect(f.file).toMatch(c.file);
    if (c.path) expect(f.path).toContain(c.path);
    expect(found.map((x) => x.message).join('\n')).toMatch(c.message);
    expect(f.fix ?? '').not.toBe('');
  });
});

describe('the example policies: critical, important, standard', () => {
  let report: CheckReport;
  beforeAll(async () => {
    report = await check(
      FLEET.map((m) =>
        m.name === 'prod-gcp-euw1' ? { ...m, drPolicy: 'critical' } : m.name === 'prod-use1' ? { ...m, drPolicy: 'important' } : m,
      ),
    );
  });

  it('finds no violation', () => {
    expect(errorsOf(report)).toEqual([]);
  });

  it('holds the critical pair to 15 minutes and its database to 5, each store through its named mechanism', () => {
    const pair = report.dr.find((p) => p.primary === 'prod-gcp-euw1')!;
    expect(pair.rpo).toMatchObject({ targetMinutes: 15, met: true });
    expect(pair.rpo!.minutes).toBeLessThanOrEqual(15);
    const stores = Object.fromEntries(pair.rpo!.stores.map((s) => [s.bundle, s]));
    expect(Object.keys(stores).sort()).toEqual(['bucket', 'database', 'queue']);
    expect(stores.database).toMatchObject({ targetMinutes: 5, ownTarget: true, rpoMinutes: 1, kind: 'replica', met: true });
    expect(stores.database!.mechanism).toMatch(/Cloud SQL cross-region replica in europe-west4 .*lag budget 60 s \(its lag alarm\)/);
    expect(stores.queue!.mechanism).toMatch(/Cloud Storage subscription writes every message to a bucket in europe-west4/);
    expect(stores.bucket!.mechanism).toMatch(/turbo replication/);
  });

  it('rests the pilot-light RPO on the read replica, not the replicated backups beside it', () => {
    const pair = report.dr.find((p) => p.primary === 'prod-use1' && p.dr?.name === 'dr-usw2')!;
    const db = pair.rpo!.stores.find((s) => s.bundle === 'database')!;
    expect(db.mechanism).toMatch(/^RDS cross-region read replica in us-west-2 \(dr-usw2\), lag budget \d+ s \(its lag alarm\)/);
    expect(pair.coverage.find((c) => c.bundle === 'database')!.protections.map((m) => m.kind)).toContain('replicated-backups');
  });

  it('counts the standing cost of the archives and the lag alarm', () => {
    const pair = report.dr.find((p) => p.primary === 'prod-use1' && p.dr?.name === 'dr-usw2')!;
    const whats = pair.standby!.items.map((i) => i.what);
    expect(whats).toContain('SQS replay archive (every message, kept for replay)');
    expect(whats.some((w) => /^CloudWatch alarm on ReplicaLag above \d+ s$/.test(w))).toBe(true);
  });
});

describe('the lever each store needs', () => {
  it('names, per store that cannot meet 5 minutes, what would: volumes none, a database for the bucket, a replica for the database', async () => {
    const r = await check(FLEET, (d) => {
      d.bundles.cluster!.defaults.volumes = 'backup';
      d.bundles.backup!.defaults.retentionDays = 14;
      d.dr.policies.standard!.rpoMinutes = 5;
    });
    const pair = r.dr.find((p) => p.primary === 'prod-euw1')!;
    const fix = Object.fromEntries(pair.rpo!.stores.map((s) => [s.bundle, s.fix ?? '']));
    expect(fix.cluster).toMatch(/cluster\.volumes: none/);
    expect(fix.bucket).toMatch(/S3 RTC gives 15 min; use a database for data that needs 5 min/);
    expect(fix.database).toMatch(/a replica strategy \(pilot-light/);
    expect(fix.queue).toBe('');
  });
});

describe('parity across versions and bundles', () => {
  let envs: ResolvedEnvironment[];
  let def: Definition;
  beforeAll(async () => {
    const ws = await fixtureWorkspace(AWS_PAIR);
    def = ws.definition.data;
    envs = AWS_PAIR.map((m) => resolveEnvironment(ws, m.name).env!);
  });
  const withVersion = (e: ResolvedEnvironment, bundle: string, version: string): ResolvedEnvironment => ({
    ...e,
    bundles: e.bundles.map((b) => (b.name === bundle ? { ...b, version } : b)),
  });

  it('shows a minor version behind as promotion pending, not a violation', () => {
    const { matrix, findings } = parityMatrix(def, [
      withVersion(envs[0]!, 'database', '1.0.0'),
      withVersion(envs[1]!, 'database', '1.1.0'),
      withVersion(envs[2]!, 'database', '1.1.0'),
    ]);
    expect(matrix.cells['prod-use1']!.database).toMatchObject({ status: 'pending', behind: '1.1.0' });
    expect(findings.map((f) => [f.kind, f.severity, f.env])).toEqual([['promotion-pending', 'warning', 'prod-use1']]);
  });

  it('fails when a major version differs', () => {
    const { findings } = parityMatrix(def, [withVersion(envs[0]!, 'queue', '1.4.0'), withVersion(envs[1]!, 'queue', '2.0.0'), envs[2]!]);
    expect(
      findings
        .filter((f) => f.kind === 'major-version')
        .map((f) => f.env)
        .sort(),
    ).toEqual(['prod-use1', 'staging']);
  });

  it('fails when a bundle is missing from one environment', () => {
    const { matrix, findings } = parityMatrix(def, [
      { ...envs[0]!, bundles: envs[0]!.bundles.filter((b) => b.name !== 'queue') },
      envs[1]!,
      envs[2]!,
    ]);
    expect(matrix.cells['prod-use1']!.queue!.status).toBe('missing');
    expect(findings.map((f) => [f.kind, f.env])).toContainEqual(['bundle-missing', 'prod-use1']);
  });

  it('fails when a must-match value differs, naming the majority value', () => {
    const changed: ResolvedEnvironment = {
      ...envs[2]!,
      bundles: envs[2]!.bundles.map((b) =>
        b.name === 'queue'
          ? { ...b, params: { ...b.params, maxReceiveCount: 9 }, sources: { ...b.sources, maxReceiveCount: 'override' } }
          : b,
      ),
    };
    const { findings } = parityMatrix(def, [envs[0]!, envs[1]!, changed]);
    const f = findings.find((x) => x.kind === 'parity-mismatch')!;
    expect(f).toMatchObject({ env: 'staging', path: 'overrides.queue.maxReceiveCount', value: 9, allowed: '5' });
    expect(f.fix).toMatch(/add maxReceiveCount to bundles\.queue\.mayDiffer/);
  });
});

describe('residency from synthesized JSON', () => {
  it('passes when every place data lands is inside the jurisdiction', async () => {
    const ws = await fixtureWorkspace(GCP_PAIR);
    const env = resolveEnvironment(ws, 'prod-gcp-euw1').env!;
    const json = (await synthToJson(REPO_ROOT, env)) as TerraformJson;
    expect(residencyFindings(env, json)).toEqual([]);
  });
});
