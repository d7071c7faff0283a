import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { CheckReport, DrPair } from '@parity/checks';
import { classifyMechanism, pairMechanism, reportData, storesOf, strongest } from './data.js';
import { renderHtml } from './html.js';
import { seconds } from './html-util.js';
import { jurisdictionFill, jurisdictionFills } from './map.js';
import { writeReport } from './write.js';

const dirs: string[] = [];
afterEach(() => {
  while (dirs.length) rmSync(dirs.pop()!, { recursive: true, force: true });
});
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'parity-report-'));
  dirs.push(d);
  return d;
}

/** A DR pair as `check --json` prints it; built loosely, since the DR fields grow (DESIGN-dr §5). */
const pair = (extra: Record<string, unknown> = {}): DrPair =>
  ({
    primary: 'prod-use1',
    policy: 'standard',
    primaryRegion: 'us-east-1',
    jurisdiction: 'US',
    strategy: 'backup-restore',
    dr: { name: 'dr-usw2', region: 'us-west-2', stateRegion: 'us-west-2' },
    coverage: [
      {
        bundle: 'database',
        covered: true,
        protections: [{ bundle: 'database', mechanism: 'AWS Backup every 180 min, copied to us-west-2 (≤ 60 min)', rpoMinutes: 240 }],
      },
    ],
    rpo: { targetMinutes: 240, minutes: 240, met: true, marginMinutes: 0, drivers: [] },
    rto: { targetMinutes: 480, minutes: 45, met: true, marginMinutes: 435, breakdown: {} },
    keys: [],
    stateOk: true,
    ...extra,
  }) as unknown as DrPair;

/** A small check report in the shape `check --json` prints. */
function check(dr: DrPair[] = [pair()]): CheckReport {
  const cell = (version: string, differs: Record<string, unknown> = {}) => ({ version, status: 'ok' as const, differs, violations: [] });
  return {
    definitionFile: 'environments/platform.yaml',
    envs: [
      { name: 'prod-use1', cloud: 'aws', region: 'us-east-1', jurisdiction: 'US', role: 'production', tier: 'production', valid: true },
      {
        name: 'dr-usw2',
        cloud: 'aws',
        region: 'us-west-2',
        jurisdiction: 'US',
        role: 'dr',
        tier: 'production',
        recovers: 'prod-use1',
        valid: true,
      },
    ],
    matrix: {
      envs: ['prod-use1', 'dr-usw2'],
      bundles: ['database'],
      cells: { 'prod-use1': { database: cell('1.0.0', { mode: 'primary' }) }, 'dr-usw2': { database: cell('1.0.0', { mode: 'replica' }) } },
      differences: [
        {
          bundle: 'database',
          param: 'mode',
          allowed: true,
          groups: [
            { value: 'primary', envs: ['prod-use1'] },
            { value: 'replica', envs: ['dr-usw2'] },
          ],
        },
      ],
    },
    dr,
    previews: [],
    policy: { rules: [], exceptions: [], unjudged: [], bootstrap: [] },
    findings: [],
    summary: {
      errors: 0,
      warnings: 0,
      promotionsPending: 0,
      byCheck: { config: 0, parity: 0, regions: 0, residency: 0, dr: 0, policy: 0 },
    },
  };
}

describe('the report page', () => {
  it('gives the same bytes for the same inputs, and writes them through a rename', () => {
    const root = tmp();
    const a = writeReport(root, check(), [], 'out');
    const first = readFileSync(a, 'utf8');
    const b = writeReport(root, check(), [], 'out');
    expect(b).toBe(join(root, 'out', 'index.html'));
    expect(readFileSync(b, 'utf8')).toBe(first);
    expect(first).toMatch(/^<!doctype html>/);
    expect(first).toContain("default-src 'none'");
    expect(first).not.toMatch(/(src|href)="https?:/);
  });

  it('names the mechanisms the way the arrows are drawn', () => {
    expect(classifyMechanism('read replica in us-west-2')).toBe('replica');
    expect(classifyMechanism('Cloud SQL replica in europe-west4')).toBe('replica');
    expect(classifyMechanism('automated backups and transaction logs replicated to eu-central-1')).toBe('replicated-backups');
    expect(classifyMechanism('AWS Backup every 180 min, copied to us-west-2 (≤ 60 min)')).toBe('backup-copy');
    expect(strongest(pair())).toBe('backup-copy');
    expect(strongest(pair({ coverage: [] }))).toBe('none');
  });

  it('reads the DR fields newer checks add: policy, mechanisms, standby, and the strategy and failover sources', () => {
    const newer = pair({
      policy: { name: 'important', strategy: 'pilot-light', targets: { rpoMinutes: 15, rtoMinutes: 120 }, budget: { copyDelayMinutes: 5 } },
      implemented: 'backup-restore',
      mechanisms: [
        {
          bundle: 'database',
          kind: 'replica',
          mechanism: 'RDS cross-region read replica in us-west-2',
          rpoMinutes: 60,
          recovery: 'promotion',
        },
      ],
      standby: {
        applied: true,
        items: [{ resource: 'aws_db_instance.database_instance', what: 'RDS read replica', size: 'db.r6g.large', count: 1 }],
      },
    });
    const resolved = [
      { name: 'dr-usw2', bundles: [{ name: 'database', version: '1.0.0', params: { mode: 'replica' }, sources: { mode: 'strategy' } }] },
      { name: 'prod-use1', bundles: [{ name: 'database', version: '1.0.0', params: { mode: 'primary' }, sources: { mode: 'bundle' } }] },
    ] as unknown as Parameters<typeof reportData>[2];
    const d = reportData(tmp(), check([newer]), resolved);
    expect(d.arrows).toEqual([expect.objectContaining({ primary: 'prod-use1', dr: 'dr-usw2', mechanism: 'replica' })]);
    const html = renderHtml(d);
    expect(html).toContain('<dd>important</dd>');
    expect(html).toContain('<dd>pilot-light</dd>');
    expect(html).toContain('<dd>5 min</dd>'); // the copy-delay budget
    // the policy as a bare name, as the check first adds it
    expect(renderHtml(reportData(tmp(), check([pair({ policy: 'critical' })]), []))).toContain('<dd>critical</dd>');
    expect(html).toMatch(/<td>RDS read replica<\/td><td>db\.r6g\.large<\/td><td>1<\/td>/);
    expect(html).toContain('backup-restore (the Terraform does not implement the policy)');
    // a backup's kind, even if its words mention a replica, is what the check says it is
    const kinds = pair({
      mechanisms: [{ bundle: 'database', kind: 'backups', mechanism: 'snapshot of the replica, copied', rpoMinutes: 240 }],
      coverage: [],
    });
    expect(strongest(kinds)).toBe('backup-copy');
    expect(html).toMatch(/dr-usw2 <span class="muted">\(derived from the DR strategy\)<\/span>/);
    expect(html).toMatch(/class="arrow mech-replica"/);
  });

  it('shows a failover and a failback under way: the step, the running primary, the arrow from it', () => {
    const peace = renderHtml(reportData(tmp(), check(), []));
    expect(peace).not.toMatch(/class="arrow [^"]*in-failover/);
    expect(peace).not.toContain('amber:');
    expect(peace).not.toContain('<dt>failback</dt>');

    const promoting = reportData(tmp(), check([pair({ failover: 'promote' })]), []);
    expect(promoting.arrows).toEqual([expect.objectContaining({ phase: 'failover: promote', reversed: false })]);
    expect(renderHtml(promoting)).toContain('<dd>step promote under way</dd>');

    const back = reportData(tmp(), check([pair({ failover: 'complete', failback: 'reprotect' })]), []);
    expect(back.arrows).toEqual([expect.objectContaining({ phase: 'failover: complete, failback: reprotect', reversed: true })]);
    const html = renderHtml(back);
    expect(html).toContain('<dd>complete: dr-usw2 runs as the primary</dd>');
    expect(html).toContain('<dd>step reprotect under way: prod-use1 takes its role back from dr-usw2</dd>');
    // the arrow is drawn from the running primary, amber, and says so in its title and the map's text
    expect(html).toMatch(
      /class="arrow mech-backup-copy in-failover"[^>]*><title>dr-usw2 → prod-use1: [^<]*, failover: complete, failback: reprotect</,
    );
    expect(html).toContain('prod-use1 to dr-usw2 by');
    expect(html).toContain('(dr-usw2 runs as the primary)');
    expect(html).toContain('amber: failover or failback under way');
  });

  it('shows every drill of a dr environment, newest first, and skips files that are not drill reports', () => {
    const root = tmp();
    const dir = join(root, 'environments', 'dr-usw2', 'drills');
    mkdirSync(dir, { recursive: true });
    const rto = { measuredMinutes: 3, measuredSeconds: 180, targetMinutes: 60, met: true, marginMinutes: 57, from: 'a', to: 'b' };
    const drill = (at: string, status: string) =>
      JSON.stringify({
        schema: 'parity.drill/1',
        drEnv: 'dr-usw2',
        primary: 'prod-use1',
        primaryRegion: 'us-east-1',
        drRegion: 'us-west-2',
        startedAt: at,
        status,
        target: { kind: 'emulator', description: 'moto' },
        tools: {},
        steps: [{ id: 'apply-dr', title: 'apply dr-usw2', status, durationSeconds: 90 }],
        rto,
        leftOut: {},
        droppedDependsOn: {},
        verification: [],
        notExercised: [],
        workDir: '.parity/drills/x',
      });
    writeFileSync(join(dir, '2026-11-01T00-00-00Z.json'), drill('2026-11-01T00:00:00Z', 'failed'));
    writeFileSync(join(dir, '2026-11-02T00-00-00Z.json'), drill('2026-11-02T00:00:00Z', 'passed'));
    writeFileSync(join(dir, 'notes.json'), '{"hello": 1}');
    // a report without its schema field is not one this version reads
    writeFileSync(join(dir, 'old.json'), drill('2026-10-01T00:00:00Z', 'passed').replace('"schema":"parity.drill/1",', ''));
    writeFileSync(join(dir, 'broken.json'), '{');
    const d = reportData(root, check(), []);
    expect(d.drills['dr-usw2']!.map((x) => x.status)).toEqual(['passed', 'failed']);
    const html = renderHtml(d);
    expect(html).toMatch(/Last drill: 2026-11-02T00:00:00Z, passed/);
    expect(html.match(/<tr[^>]*><th scope="row">2026-11-0[12]/g)).toHaveLength(2);
  });

  it('draws data nothing protects in red: a production environment without a dr one, a bundle that does not reach it', () => {
    const none = reportData(tmp(), check([pair({ dr: undefined, coverage: [] })]), []);
    expect(none.envs.find((e) => e.name === 'prod-use1')!.unprotected).toMatch(/no dr environment recovers it/);
    expect(none.arrows).toEqual([]);
    expect(renderHtml(none)).toMatch(/<g class="marker role-production bad" data-env="prod-use1"/);
    const gap = pair({ coverage: [{ bundle: 'cluster', covered: false, protections: [] }] });
    const partial = reportData(tmp(), check([gap]), []);
    expect(partial.envs.find((e) => e.name === 'prod-use1')!.unprotected).toMatch(/cluster \(us-west-2\)/);
    const html = renderHtml(partial);
    expect(html).toMatch(/<path class="arrow mech-none bad" data-primary="prod-use1" data-dr="dr-usw2"/);
    expect(html).toMatch(/<g class="marker role-dr" data-env="dr-usw2"/);
  });

  it('lists the previews apart, off the map: each with its base, expiry and parity; none, no section', () => {
    expect(renderHtml(reportData(tmp(), check(), []))).not.toMatch(/id="previews"/);
    const preview = {
      name: 'preview-pr-7',
      cloud: 'aws',
      region: 'us-east-1',
      jurisdiction: 'US',
      role: 'preview',
      tier: 'standard',
      valid: true,
    };
    const summary = (name: string, atParity: boolean, expired: boolean) => ({
      name,
      id: name.slice('preview-'.length),
      from: 'prod-use1',
      cloud: 'aws',
      region: 'us-east-1',
      tier: 'standard',
      expires: '2026-12-10T05:00:00Z',
      expired,
      baseChecked: true,
      atParity,
      differences: [],
    });
    const c = {
      ...check(),
      envs: [...check().envs, preview],
      previews: [summary('preview-pr-7', true, false), summary('preview-pr-8', false, true)],
    };
    const d = reportData(tmp(), c, []);
    expect(d.envs.map((e) => e.name)).toEqual(['prod-use1', 'dr-usw2']);
    const html = renderHtml(d);
    const section = html.slice(html.indexOf('<section id="previews"'), html.indexOf('</section>', html.indexOf('<section id="previews"')));
    expect(section).toMatch(
      /<th scope="row">preview-pr-7<\/th><td>prod-use1<\/td><td>aws us-east-1<\/td><td>standard<\/td><td>2026-12-10T05:00:00Z<\/td>/,
    );
    expect(section).toMatch(/at parity with prod-use1/);
    expect(section).toMatch(/<tr class="bad"><th scope="row">preview-pr-8<\/th>.*expired.*not at parity/);
    expect(html.indexOf('id="previews"')).toBeLessThan(html.indexOf('id="findings"'));
  });

  it('draws a pair by its database: a bucket replicated by S3 is no database replica, and is listed as a store', () => {
    const bucket = pair({
      mechanisms: [
        { bundle: 'database', kind: 'backups', mechanism: 'AWS Backup every 180 min, copied to us-west-2', rpoMinutes: 240 },
        { bundle: 'database', kind: 'replicated-backups', mechanism: 'automated backups replicated to us-west-2', rpoMinutes: 15 },
        { bundle: 'bucket', kind: 'replica', mechanism: 'S3 cross-region replication to us-west-2', rpoMinutes: 15 },
      ],
      coverage: [],
    });
    expect(strongest(bucket)).toBe('replica');
    expect(pairMechanism(bucket)).toBe('replicated-backups');
    expect(storesOf(bucket).map((s) => [s.bundle, s.mechanism])).toEqual([
      ['database', 'replicated-backups'],
      ['bucket', 'replica'],
    ]);
    const d = reportData(tmp(), check([bucket]), []);
    expect(d.arrows).toEqual([expect.objectContaining({ mechanism: 'replicated-backups' })]);
    const html = renderHtml(d);
    expect(html).toMatch(/class="arrow mech-replicated-backups"/);
    expect(html).toContain('prod-use1 to dr-usw2 by replicated backups (the database); bucket: S3 cross-region replication to us-west-2');
    expect(html).not.toContain('by read replica');
    // a database nothing protects is drawn as nothing, whatever the bucket does
    const dbBare = pair({
      mechanisms: [{ bundle: 'bucket', kind: 'replica', mechanism: 'S3 cross-region replication to us-west-2', rpoMinutes: 15 }],
      coverage: [{ bundle: 'database', covered: false, protections: [] }],
    });
    expect(pairMechanism(dbBare)).toBe('none');
  });

  it('rounds a duration once, before splitting it: 239.6 s is 4 min 00 s, as the drill says', () => {
    expect(seconds(239.6)).toBe('4 min 00 s');
    expect(seconds(59.6)).toBe('1 min 00 s');
    expect(seconds(125)).toBe('2 min 05 s');
    expect(seconds(3599.7)).toBe('1 h 00 min');
    expect(seconds(3725)).toBe('1 h 02 min');
    expect(seconds(12.4)).toBe('12 s');
  });

  it('colours each jurisdiction the same whatever the fleet holds and in whatever order', () => {
    const at = (regionJurisdiction: string) => ({ regionJurisdiction }) as Parameters<typeof jurisdictionFills>[0][number];
    const a = jurisdictionFills([at('EU'), at('US')]);
    const b = jurisdictionFills([at('US'), at('JP'), at('EU')]);
    expect(a.get('EU')).toBe(b.get('EU'));
    expect(a.get('US')).toBe(b.get('US'));
    expect(a.get('EU')).not.toBe(a.get('US'));
    expect([...b.keys()]).toEqual(['EU', 'JP', 'US']);
    // neighbours differ; a jurisdiction the table does not name still has one fill of its own
    expect(new Set(['US', 'CA', 'MX'].map(jurisdictionFill)).size).toBe(3);
    expect(new Set(['EU', 'UK', 'CH'].map(jurisdictionFill)).size).toBe(3);
    expect(jurisdictionFill('XX')).toBe(jurisdictionFill('XX'));
  });

  it('shows each check of a DR pair, and the failing one: a residency violation is ✘ with every finding', () => {
    const c = check();
    const finding = {
      check: 'residency' as const,
      kind: 'residency' as const,
      severity: 'error' as const,
      env: 'dr-usw2',
      file: 'environments/dr-usw2/environment.yaml',
      path: 'region',
      message: 'dr-usw2 recovers prod-use1 outside US',
    };
    const html = renderHtml(reportData(tmp(), { ...c, findings: [finding] }, []));
    expect(html).toMatch(
      /<li class="check bad-text" data-check="residency" data-ok="false">✘ residency: 1 violation<ul><li>dr-usw2 recovers/,
    );
    expect(html).toMatch(/data-check="coverage" data-ok="true">✔/);
    expect(html).toMatch(/<article class="pair bad"/);
    const clean = renderHtml(reportData(tmp(), c, []));
    expect(clean).not.toContain('data-ok="false"');
    expect(clean).toMatch(/<article class="pair"/);
  });

  it('escapes what it shows', () => {
    const c = check();
    const evil = {
      ...c,
      findings: [
        {
          check: 'config' as const,
          kind: 'schema' as const,
          severity: 'error' as const,
          file: 'environments/<x>.yaml',
          path: 'a',
          message: '<script>alert(1)</script>',
          fix: 'x & y',
        },
      ],
    };
    const html = renderHtml(reportData(tmp(), evil, []));
    expect(html).not.toContain('<script>alert(1)');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('x &amp; y');
  });
});
