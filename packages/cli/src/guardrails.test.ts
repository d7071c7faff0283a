import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTree } from '@parity/model/testing';
import { edit, parity, tempFleets } from '@parity/testkit';

// Policy rules, exceptions and transforms on the tests' fleet (@parity/testkit), through the launcher users run.
const temp = tempFleets();
const DEF = 'environments/platform.yaml';
/** A fleet-wide transform of one AWS database resource, written into the definition. */
function transform(root: string, resource: string, set: string) {
  edit(
    root,
    DEF,
    /( {2}database:\n {4}version: .*\n)/,
    `$1    transforms:\n      - resource: ${resource}\n        cloud: aws\n        set: ${set}\n        reason: a test of the escape hatch\n`,
  );
}
function exception(expires: string, extra = '') {
  return `  exceptions:\n    - rule: PAR-RES-005\n      addresses: ["backup/*"]\n      reason: a test exception${extra}\n      expires: "${expires}"\n`;
}

describe('pnpm check: policy rules', () => {
  it('shows the fleet clean, with every rule, the bootstrap judged too, and the exceptions in force', async () => {
    const root = temp();
    const r = await parity(root, 'check');
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Policy +\(13 rules over the synthesized Terraform; 0 violations, 3 exceptions in force\)/);
    expect(r.stdout).toMatch(/\n {2}and the bootstrap \(pnpm synth --bootstrap\): bootstrap-aws, bootstrap-gcp\n/);
    expect(r.stdout).toMatch(/✔ every rule passes/);
    // The bootstrap's GCP apply identities own their projects, its plan identities read them all, and
    // Cloud SQL asks TLS without client certificates: each with a reason.
    expect(r.stdout).toMatch(
      /PAR-SEC-005 fleet-wide until 2027-11-30: google_project_iam_member\.\*_ci_apply_project \(environments\/platform\.yaml:\d+; waives 2\)/,
    );
    expect(r.stdout).toMatch(
      /PAR-SEC-005 fleet-wide until 2027-11-30: google_project_iam_member\.\*_ci_plan_project \(environments\/platform\.yaml:\d+; waives 2\)/,
    );
    expect(r.stdout).toMatch(
      /PAR-SEC-008 fleet-wide until 2027-03-31: google_sql_database_instance\.database_instance_\* \(environments\/platform\.yaml:\d+; waives 2\)/,
    );
    const json = JSON.parse((await parity(root, 'check', '--json')).stdout) as {
      policy: {
        rules: Array<{ id: string; checkov: string[]; checkovComparison: Array<{ id: string; parity: string }>; violations: number }>;
        exceptions: Array<{ valid: boolean; waived: string[] }>;
        bootstrap: Array<{ stack: string; file: string }>;
      };
    };
    expect(json.policy.rules.map((x) => x.id)).toEqual([
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => `PAR-SEC-00${n}`),
      ...[1, 2, 3, 4, 5].map((n) => `PAR-RES-00${n}`),
    ]);
    expect(json.policy.rules.find((x) => x.id === 'PAR-RES-003')!.checkov).toEqual(['CKV_AWS_157']);
    expect(json.policy.rules.find((x) => x.id === 'PAR-SEC-002')!.checkovComparison.map((m) => [m.id, m.parity])).toEqual([
      ['CKV_AWS_24', 'stricter'],
      ['CKV_AWS_25', 'stricter'],
      ['CKV_AWS_260', 'stricter'],
      ['CKV_AWS_277', 'stricter'],
    ]);
    expect(json.policy.rules.every((x) => x.violations === 0)).toBe(true);
    expect(json.policy.exceptions.map((x) => [x.valid, x.waived.length])).toEqual([
      [true, 2],
      [true, 2],
      [true, 2],
    ]);
    expect(json.policy.bootstrap).toEqual([
      expect.objectContaining({ stack: 'bootstrap-aws', file: 'bootstrap/aws/cdktf.out/stacks/bootstrap-aws/cdk.tf.json' }),
      expect.objectContaining({ stack: 'bootstrap-gcp', file: 'bootstrap/gcp/cdktf.out/stacks/bootstrap-gcp/cdk.tf.json' }),
    ]);
    expect((await parity(root, 'check', '--markdown')).stdout).toMatch(
      /Over every environment and the bootstrap \(`pnpm synth --bootstrap`\): `bootstrap-aws`, `bootstrap-gcp`\./,
    );
  });

  const cases: Array<[string, (root: string) => void, RegExp, RegExp, RegExp]> = [
    [
      'fails when a transform opens port 5432 to 0.0.0.0/0',
      (root) => transform(root, 'sg-postgres', '{ cidr_ipv4: 0.0.0.0/0 }'),
      /✘ PAR-SEC-002 No ingress from 0\.0\.0\.0\/0 or ::\/0 \[critical\]/,
      // Port 5432: no Checkov check of its own (CKV_AWS_24, 25, 260 and 277 check 22, 3389, 80 and every port).
      /prod-use1 aws_vpc_security_group_ingress_rule\.database_sg-postgres_[0-9A-F]{8}\n +PAR-SEC-002 database\/sg-postgres: allows ingress on port 5432 from 0\.0\.0\.0\/0 \(transformed by environments\/platform\.yaml:\d+ cidr_ipv4\)/,
      /fix: set cidr_ipv4 to the VPC's range/,
    ],
    [
      'fails when a transform disables storage encryption',
      (root) => transform(root, 'instance', '{ storage_encrypted: false }'),
      /✘ PAR-SEC-001 Data stores are encrypted at rest with a customer-managed key \[high\]/,
      /prod-use1 aws_db_instance\.database_instance_[0-9A-F]{8} \(CKV_AWS_16\)\n +PAR-SEC-001 database\/instance: RDS storage: not encrypted with a customer-managed key/,
      /fix: set storage_encrypted = true and kms_key_id/,
    ],
    [
      'fails when production turns deletion protection off',
      (root) =>
        edit(root, 'environments/prod-use1/environment.yaml', 'overrides: {}', 'overrides:\n  database:\n    deletionProtection: false'),
      /✘ PAR-RES-001 Production data has deletion protection and a final snapshot \[high\] \(Checkov CKV_AWS_293\)/,
      /prod-use1 aws_db_instance\.database_instance_[0-9A-F]{8} \(CKV_AWS_293\)\n +PAR-RES-001 database\/instance: deletion protection is off in production environment prod-use1/,
      /fix: set database\.deletionProtection: true/,
    ],
  ];
  it.each(cases)('%s: exit 1, naming the rule, the address and the fix', async (_t, change, rule, address, fix) => {
    const root = temp();
    change(root);
    const r = await parity(root, 'check');
    expect(r.status, r.stdout + r.stderr).toBe(1);
    expect(r.stdout).toMatch(rule);
    expect(r.stdout).toMatch(address);
    expect(r.stdout).toMatch(fix);
    const id = /PAR-(SEC|RES)-\d{3}/.exec(rule.source)![0];
    const md = (await parity(root, 'check', '--markdown')).stdout;
    expect(md).toMatch(new RegExp(`\\*\\*❌ ${id} `));
    expect(md).toMatch(/\| prod-use1 \| `aws_/);
    const json = JSON.parse((await parity(root, 'check', '--json')).stdout) as {
      findings: Array<{ check: string; rule?: string; address?: string; fix?: string; checkov?: string; checkovComparison?: string }>;
    };
    const f = json.findings.filter((x) => x.check === 'policy');
    expect(f.length).toBeGreaterThan(0);
    expect(f.every((x) => x.rule && x.address && x.fix)).toBe(true);
    // A finding with a Checkov ID says how its rule compares with that check.
    for (const x of f.filter((y) => y.checkov)) expect(['equivalent', 'stricter']).toContain(x.checkovComparison);
    expect(f.filter((y) => !y.checkov).every((y) => y.checkovComparison === undefined)).toBe(true);
  });

  it('fails when an exception has expired, naming the file, the field and the fix', async () => {
    const root = temp();
    edit(root, DEF, /\n {2}exceptions:\n/, `\n${exception('2020-01-01')}`);
    const r = await parity(root, 'check');
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(
      /error: environments\/platform\.yaml:\d+ \(guardrails\.exceptions\.0\.expires\): the exception to PAR-RES-005 for backup\/\* expired on 2020-01-01/,
    );
    expect(r.stdout).toMatch(/fix: +fix what the rule reports and remove the exception, or renew it/);
  });

  it('fails on an exception without a reason, naming the file and the field', async () => {
    const root = temp();
    edit(root, DEF, /\n {2}exceptions:\n/, `\n${exception('2099-01-01').replace('      reason: a test exception\n', '')}`);
    const r = await parity(root, 'check');
    expect(r.status).toBe(1);
    expect(r.stdout + r.stderr).toMatch(/environments\/platform\.yaml:\d+ \(guardrails\.exceptions\.0(\.reason)?\)/);
    expect(r.stdout + r.stderr).not.toMatch(/\n +at /);
  });

  it('lists a manifest exception in force for its environment only', async () => {
    const root = temp();
    transform(root, 'instance', '{ storage_encrypted: false }');
    edit(
      root,
      'environments/prod-use1/environment.yaml',
      'overrides: {}',
      'overrides: {}\nguardrails:\n  exceptions:\n    - rule: PAR-SEC-001\n      addresses: [database/instance]\n      reason: a test of a manifest exception\n      expires: "2099-12-31"',
    );
    const r = await parity(root, 'check');
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(
      /PAR-SEC-001 prod-use1 until 2099-12-31: database\/instance \(environments\/prod-use1\/environment\.yaml:\d+; waives 1\)/,
    );
    expect(r.stdout).not.toMatch(/prod-use1 aws_db_instance/);
    expect(r.stdout).toMatch(/prod-euw1 aws_db_instance\.database_instance_/);
  });
});

describe('transforms', () => {
  it('fails when a manifest transforms an attribute the definition does not let differ, and passes parity once it does', async () => {
    const root = temp();
    const manifest = 'environments/prod-use1/environment.yaml';
    edit(
      root,
      manifest,
      'overrides: {}',
      'overrides: {}\ntransforms:\n  database:\n    - resource: instance\n      set: { monitoring_interval: 60 }\n      reason: enhanced monitoring here first',
    );
    const r = await parity(root, 'check');
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(
      /environments\/prod-use1\/environment\.yaml:\d+ \(transforms\.database\.0\.set\.monitoring_interval\): the transform of database\/instance monitoring_interval must be the same in every environment/,
    );
    expect(r.stdout).toMatch(
      /fix: +move the transform to bundles\.database\.transforms .* or add transform:instance\.monitoring_interval to bundles\.database\.mayDiffer/,
    );
    edit(root, DEF, 'mayDiffer: [size,', 'mayDiffer: ["transform:instance.monitoring_interval", size,');
    const ok = await parity(root, 'check');
    expect(ok.status, ok.stdout).toBe(0);
    expect(ok.stdout).toMatch(/database\.transform:instance\.monitoring_interval .*60: prod-use1/);
  });

  it('fails synth on a transform of a resource the bundle lacks, naming the file, the field and the resources it has', async () => {
    const root = temp();
    transform(root, 'no-such-thing', '{ storage_encrypted: false }');
    const before = readTree(join(root, 'environments'));
    const r = await parity(root, 'synth', 'prod-use1');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /environments\/platform\.yaml:\d+ \(bundles\.database\.transforms\.0\.resource\): bundle database has no resource "no-such-thing" to transform/,
    );
    expect(r.stderr).toMatch(/allowed: .*instance.*sg-postgres/);
    expect(r.stderr).not.toMatch(/\n +at /);
    expect(readTree(join(root, 'environments'))).toEqual(before);
    const c = await parity(root, 'check');
    expect(c.status).toBe(1);
    expect(c.stdout).toMatch(
      /error \[prod-use1\]: environments\/platform\.yaml:\d+ \(bundles\.database\.transforms\.0\.resource\): bundle database has no resource "no-such-thing"/,
    );
  });
});
