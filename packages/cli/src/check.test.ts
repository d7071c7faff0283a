import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkspace } from '@parity/model';
import { readTree } from '@parity/model/testing';
import { edit, FLEET_NAMES, parity, platformOf, tempFleets } from '@parity/testkit';

// The tests' fleet (@parity/testkit), through the launcher users run.
const temp = tempFleets();
/** A field of one DR policy in platform.yaml (the match keeps everything before it in $1). */
function policyField(policy: string, field: string): RegExp {
  return new RegExp(`(\\n    ${policy}:\\n(?:      .*\\n|\\s*#.*\\n)*?      )${field}`);
}

describe('pnpm check', () => {
  it('passes on the fleet, with a parity matrix and a DR readiness report', async () => {
    const root = temp();
    const r = await parity(root, 'check');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // every bundle of the definition
    const bundles = Object.keys((await loadWorkspace(root)).definition.data.bundles).length;
    expect(r.stdout).toMatch(new RegExp(`Parity: ${FLEET_NAMES.length} environments × ${bundles} bundles`));
    expect(r.stdout).toMatch(/prod-use1 +production +aws:us-east-1 +\d+\.\d+\.\d+/);
    expect(r.stdout).toMatch(/database\.size +"large": .*\| +"small": staging/);
    expect(r.stdout).toMatch(/prod-use1 \(us-east-1, US\) → dr-usw2 \(us-west-2\)/);
    // the critical pair: 15 minutes overall, the database at 5 (its replica's lag alarm: a minute), each store's mechanism named
    expect(r.stdout).toMatch(
      /prod-gcp-euw1 \(europe-west1, EU\) → dr-gcp-euw4 \(europe-west4\)\n.*\n +✔ RPO: worst case 15 min vs target 15 min/,
    );
    expect(r.stdout).toMatch(
      /✔ database: 1 min vs 5 min \(its own target\), 4 min to spare — Cloud SQL cross-region replica in europe-west4/,
    );
    expect(r.stdout).toMatch(
      /✔ queue: 2 min vs 15 min, 13 min to spare — a Cloud Storage subscription writes every message to a bucket in europe-west4/,
    );
    // the committed drill reports are the evidence: pnpm check shows the newest of each pair
    expect(r.stdout).toMatch(/last drilled: \S+ \(passed, RTO [\d.]+ min\) — environments\/dr-usw2\/drills\/\S+\.json/);
    expect(r.stdout).toMatch(/last drilled: \S+ \(passed, RTO [\d.]+ min, RPO [\d.]+ min\) — environments\/dr-euc1\/drills\/\S+\.json/);
    expect(r.stdout).toMatch(/✔ no violations/);
  });

  it('prints JSON for machines, and the DR report alone with --dr --json', async () => {
    const root = temp();
    const full = JSON.parse((await parity(root, 'check', '--json')).stdout) as {
      matrix: { envs: string[] };
      dr: unknown[];
      summary: { errors: number };
    };
    expect(full.matrix.envs).toContain('dr-gcp-euw4');
    expect(full.summary.errors).toBe(0);
    const dr = JSON.parse((await parity(root, 'check', '--dr', '--json')).stdout) as {
      dr: Array<{ primary: string; rpo: { met: boolean } }>;
      matrix?: unknown;
    };
    expect(dr.matrix).toBeUndefined();
    expect(dr.dr.map((p) => p.primary).sort()).toEqual(['prod-euw1', 'prod-gcp-euw1', 'prod-use1']);
    expect(dr.dr.every((p) => p.rpo.met)).toBe(true);
  });

  it('prints markdown for a pull-request comment', async () => {
    const r = await parity(temp(), 'check', '--markdown');
    expect(r.stdout).toMatch(/^### Parity check: ✅ no violations/);
    expect(r.stdout).toMatch(/\| environment \| role \| region \| network \| database \| cluster \| queue \| backup \|/);
    expect(r.stdout).toMatch(/#### DR readiness/);
  });

  const violations: Array<[string, string, string | RegExp, string, RegExp, RegExp]> = [
    [
      'fails when a must-match parameter changes in one manifest',
      'environments/prod-euw1/environment.yaml',
      'overrides: {}',
      'overrides:\n  queue:\n    maxReceiveCount: 9',
      /environments\/prod-euw1\/environment\.yaml:\d+ \(overrides\.queue\.maxReceiveCount\)/,
      /fix: +remove the override, or add maxReceiveCount to bundles\.queue\.mayDiffer/,
    ],
    [
      'fails when an EU environment is recovered in the US',
      'environments/dr-euc1/environment.yaml',
      /region: eu-central-1.*\n/,
      'region: us-east-2\n',
      /environments\/dr-euc1\/environment\.yaml:\d+ \(region\): prod-euw1 keeps its data in EU/,
      /fix: +choose a region in EU/,
    ],
    [
      'fails when the cluster keeps data on volumes under a policy of minutes, naming its backup schedule',
      'environments/platform.yaml',
      /volumes: none/,
      'volumes: backup',
      /environments\/platform\.yaml \(dr\.policies\.important\.rpoMinutes\): RPO of prod-use1's cluster in us-west-2 is 2 h \(AWS Backup every 60 min, copied to us-west-2 \(≤ 60 min\), volumes tagged parity:backup\), breaching the 30 min target by 90 min/,
      /fix: +set cluster\.volumes: none in environments\/platform\.yaml if workloads keep no data on volumes/,
    ],
    [
      'fails when a dr environment keeps its state in the region it fails over from',
      'environments/dr-usw2/environment.yaml',
      /state:\n(.*\n) {2}region: us-west-2/,
      'state:\n  region: us-east-1',
      /environments\/dr-usw2\/environment\.yaml:\d+ \(state\.region\)/,
      /fix: +set state\.region: us-west-2/,
    ],
    [
      'fails when a primary moves out of the jurisdiction its dr environment is in',
      'environments/prod-gcp-euw1/environment.yaml',
      /region: europe-west1.*\n/,
      'region: asia-southeast3\n',
      /environments\/prod-gcp-euw1\/environment\.yaml:\d+ \(region\): dr-gcp-euw4 recovers prod-gcp-euw1 in europe-west4 \(EU\): prod-gcp-euw1's backups would be copied out of TH/,
      /fix: +move dr-gcp-euw4 into TH/,
    ],
  ];

  it.each(violations)('%s: exit 1, naming the file, the field and the fix', async (_t, file, from, to, where, fix) => {
    const root = temp();
    edit(root, file, from, to);
    const r = await parity(root, 'check');
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(where);
    expect(r.stdout).toMatch(fix);
    expect(r.stdout).toMatch(/✘ \d+ violation/);
  });
});

describe('gen env refuses what check would reject, before writing', () => {
  it('fails on a dr environment whose new backup copies would breach the RPO', async () => {
    const root = temp();
    // cluster volumes backed up: hourly backups + 60 min copy delay = 120 min against the important
    // policy's 30, already breached for dr-usw2; a second dr environment brings a breach for its own region.
    edit(root, 'environments/platform.yaml', /volumes: none/, 'volumes: backup');
    edit(root, 'environments/platform.yaml', 'retentionDays: 35', 'retentionDays: 14');
    const before = readTree(join(root, 'environments'));
    const r = await parity(root, 'gen', 'env', 'dr-use2', '--recovers', 'prod-use1');
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/pnpm check would reject it/);
    expect(r.stderr).toMatch(/RPO of prod-use1's cluster in us-east-2 is 2 h/);
    expect(r.stderr).toMatch(/nothing was written/);
    expect(readTree(join(root, 'environments'))).toEqual(before);
  });

  it('warns that a new production environment needs its dr environment next', async () => {
    const r = await parity(temp(), 'gen', 'env', 'prod-usw1');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/prod-usw1 needs a dr environment \(dr\.required\): pnpm gen env dr-<region> --recovers prod-usw1/);
  });
});

describe('DR strategies follow the definition', () => {
  type Pair = {
    primary: string;
    implemented: string;
    rto: { minutes: number };
    standby: { applied: boolean; items: Array<{ what: string; count?: number }> };
    mechanisms: Array<{ bundle: string; kind: string }>;
  };
  const pairOf = async (root: string, primary: string): Promise<Pair> =>
    (JSON.parse((await parity(root, 'check', '--dr', '--json')).stdout) as { dr: Pair[] }).dr.find((p) => p.primary === primary)!;
  const drJson = (root: string) =>
    JSON.parse(readFileSync(join(root, 'environments/dr-euc1/cdktf.out/stacks/dr-euc1/cdk.tf.json'), 'utf8')) as {
      resource: Record<string, Record<string, Record<string, unknown>>>;
    };

  it("switches prod-euw1 through backup & restore, pilot light and warm standby: the dr Terraform and check's figures follow", async () => {
    const root = temp();
    const platform = platformOf(root);
    const steps: Array<[string, string, (j: ReturnType<typeof drJson>, p: Pair) => void]> = [
      [
        'backup-restore',
        '',
        (j, p) => {
          expect(Object.values(j.resource['aws_db_instance']!)[0]!['replicate_source_db']).toBeUndefined();
          expect(p.implemented).toBe('backup-restore');
          expect(p.standby.applied).toBe(false);
          expect(p.rto.minutes).toBe(45);
        },
      ],
      [
        'pilot-light',
        '',
        (j, p) => {
          expect(String(Object.values(j.resource['aws_db_instance']!)[0]!['replicate_source_db'])).toMatch(
            new RegExp(`:rds:eu-west-1:.*:db:${platform}-prod-euw1`),
          );
          expect(Object.values(j.resource['aws_eks_node_group']!)[0]!['scaling_config']).toMatchObject({ desired_size: 0 });
          expect(p.implemented).toBe('pilot-light');
          expect(p.mechanisms).toContainEqual(expect.objectContaining({ bundle: 'database', kind: 'replica' }));
          expect(p.standby.items).toContainEqual(expect.objectContaining({ what: 'EKS node group', count: 0 }));
          expect(p.rto.minutes).toBe(35);
        },
      ],
      [
        'warm-standby',
        '\n      standbyCapacityPercent: 50',
        (j, p) => {
          expect(Object.values(j.resource['aws_eks_node_group']!)[0]!['scaling_config']).toMatchObject({ desired_size: 2 });
          expect(p.implemented).toBe('warm-standby');
          expect(p.standby.items).toContainEqual(expect.objectContaining({ what: 'EKS node group', count: 2 }));
          expect(p.rto.minutes).toBe(20);
        },
      ],
    ];
    let current = 'backup-restore';
    for (const [strategy, extra, expectations] of steps) {
      if (strategy !== current)
        edit(root, 'environments/platform.yaml', policyField('standard', `strategy: ${current}`), `$1strategy: ${strategy}${extra}`);
      current = strategy;
      const s = await parity(root, 'synth', 'dr-euc1');
      expect(s.status, s.stdout + s.stderr).toBe(0);
      expectations(drJson(root), await pairOf(root, 'prod-euw1'));
    }
    // the pair's runbook follows the policy too: stale until it is generated again
    const stale = await parity(root, 'check');
    expect(stale.status, stale.stdout).toBe(1);
    expect(stale.stdout).toMatch(/environments\/dr-euc1\/RUNBOOK\.md no longer matches the model/);
    expect((await parity(root, 'gen', 'runbook', 'dr-euc1')).status).toBe(0);
    // and so does what gen env stamped: the dr environment's README no longer says "Do not apply"
    const stamped = await parity(root, 'check');
    expect(stamped.status, stamped.stdout).toBe(1);
    expect(stamped.stdout).toMatch(/environments\/dr-euc1\/README\.md(, \S+)* no longer match/);
    const staleEnvs = (
      JSON.parse((await parity(root, 'check', '--json')).stdout) as { findings: Array<{ kind: string; env: string }> }
    ).findings
      .filter((f) => f.kind === 'stamped-stale')
      .map((f) => f.env);
    expect(staleEnvs).toContain('dr-euc1');
    for (const env of staleEnvs) expect((await parity(root, 'gen', 'env', env, '--refresh')).status).toBe(0);
    expect(readFileSync(join(root, 'environments/dr-euc1/README.md'), 'utf8')).not.toMatch(/Do not apply/);
    const r = await parity(root, 'check');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/policy standard: warm-standby, RPO 4 h, RTO 8 h, copy budget 60 min, replica lag budget 3600 s, standby 50%/);
    expect(r.stdout).toMatch(/standing cost in eu-central-1 \(dr-euc1 applied in peacetime\):/);
  }, 300_000);

  it('fails naming the missing replica when the dr manifest overrides database.mode to primary', async () => {
    const root = temp();
    edit(root, 'environments/platform.yaml', 'mayDiffer: [size, storageGb,', 'mayDiffer: [mode, size, storageGb,');
    edit(
      root,
      'environments/dr-usw2/environment.yaml',
      'overrides: {}',
      'overrides:\n  database:\n    # hand edit under test\n    mode: primary',
    );
    const r = await parity(root, 'check');
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(
      /environments\/dr-usw2\/environment\.yaml \(overrides\.database\.mode\): policy important \(pilot-light\) needs a read replica of prod-use1's database in us-west-2/,
    );
    expect(r.stdout).toMatch(/missing aws_db_instance with replicate_source_db/);
    expect(r.stdout).toMatch(/RTO: estimated 45 min vs target 2 h with backup-restore/);
  }, 300_000);

  it('reports one resolution error once: no false PAR-RES-004 on the bootstrap, no dr-missing for the environment it recovers', async () => {
    const root = temp();
    edit(root, 'environments/dr-euc1/environment.yaml', 'overrides: {}', 'overrides:\n  queue: { maxReceiveCount: 9 }');
    const r = await parity(root, 'check', '--json');
    expect(r.status).toBe(1);
    const errors = (JSON.parse(r.stdout) as { findings: Array<{ kind: string; severity: string; env?: string }> }).findings.filter(
      (f) => f.severity === 'error',
    );
    expect(errors.map((f) => [f.kind, f.env])).toEqual([['not-overridable', 'dr-euc1']]);
    // the production environment alone: its dr environment was not asked for, which is not a violation
    const alone = await parity(root, 'check', 'prod-euw1');
    expect(alone.status, alone.stdout).toBe(0);
    expect(alone.stdout).not.toMatch(/dr\.required/);
    // …and it says which dr environment recovers it, and how to check the pair, rather than "none"
    expect(alone.stdout).toMatch(/prod-euw1 \(eu-west-1, EU\) → dr-euc1 \(not checked\)\n\s+i recovered by dr-euc1, not checked here/);
    expect(alone.stdout).toContain('`pnpm check prod-euw1 dr-euc1` checks the pair');
    expect(alone.stdout).not.toMatch(/no dr environment recovers it/);
  }, 300_000);

  it('says in check and in the README that a backup & restore dr environment is applied only at failover', async () => {
    const root = temp();
    expect((await parity(root, 'check', '--dr')).stdout).toMatch(
      /standing cost in eu-central-1: the backup plane only \(dr-euc1 is applied only at failover: do not apply it now\):\n +AWS Backup vault \(copies\)/,
    );
    expect((await parity(root, 'check', '--markdown')).stdout).toMatch(
      /- ℹ️ standing cost in us-west-2 \(dr-usw2 applied in peacetime\): RDS read replica, Multi-AZ db\.r6g\.xlarge × 1 .*EKS node group m6i\.2xlarge × 0/,
    );
    const pairs = (
      JSON.parse((await parity(root, 'check', '--json')).stdout) as {
        dr: Array<{ primary: string; policy: { name: string }; standby: { applied: boolean } }>;
      }
    ).dr;
    expect(pairs.map((p) => [p.primary, p.policy.name, p.standby.applied])).toEqual([
      ['prod-euw1', 'standard', false],
      ['prod-gcp-euw1', 'critical', true],
      ['prod-use1', 'important', true],
    ]);
    expect(readFileSync(join(root, 'environments/dr-euc1/README.md'), 'utf8')).toMatch(
      /\*\*Do not apply this environment now\.\*\* It is applied only at failover/,
    );
  }, 300_000);
});
