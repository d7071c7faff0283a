import { beforeAll, describe, expect, it } from 'vitest';
import { type ResolvedEnvironment, withPreview, type Workspace } from '@parity/model';
import { AWS_PAIR, fixtureWorkspace, REPO_ROOT } from '@parity/model/testing';
import { synthToJson } from '@parity/synth';
import { previewReport } from './preview.js';
import { resolveForCheck, runChecks } from './run.js';
import type { TerraformJson } from './tf.js';

// A preview of the fixture's staging environment, against its base: real resolution, real synth,
// then one change to the resolved environment or its Terraform per case.

const NOW = new Date('2026-12-08T12:00:00Z');
const RECORD = { id: 'pr-7', from: 'staging', ttl: '72h', created: '2026-12-07T12:00:00Z', expires: '2026-12-10T12:00:00Z' };

let ws: Workspace;
let envs: ResolvedEnvironment[];
const json = new Map<string, TerraformJson>();
beforeAll(async () => {
  ws = withPreview(await fixtureWorkspace(AWS_PAIR), RECORD);
  envs = resolveForCheck(ws).envs;
  for (const e of envs) json.set(e.name, (await synthToJson(REPO_ROOT, e)) as TerraformJson);
});

const preview = () => envs.find((e) => e.name === 'preview-pr-7')!;
const report = (list = envs, jsonOf = (n: string) => json.get(n), now = NOW) => previewReport(ws.definition.data, list, jsonOf, now);
const changed = (change: (j: TerraformJson) => void) => (n: string) => {
  const j = structuredClone(json.get(n)!);
  if (n === 'preview-pr-7') change(j);
  return j;
};
const kinds = (r: ReturnType<typeof report>) => r.findings.map((f) => `${f.severity} ${f.kind}`);

describe('a preview against its base', () => {
  it('is at parity with it, and the whole check passes with it in the fleet', () => {
    const r = report();
    expect(r.previews).toEqual([
      expect.objectContaining({
        name: 'preview-pr-7',
        from: 'staging',
        tier: 'standard',
        expired: false,
        baseChecked: true,
        atParity: true,
      }),
    ]);
    expect(r.findings).toEqual([]);
    const all = runChecks(ws, resolveForCheck(ws), (n) => json.get(n), undefined, { now: NOW });
    expect(all.findings.filter((f) => f.severity === 'error' && f.env === 'preview-pr-7')).toEqual([]);
    expect(all.previews.map((p) => p.name)).toEqual(['preview-pr-7']);
    expect(all.matrix.envs).toContain('preview-pr-7');
  });

  it('is synthesized as a preview: its state under previews/ in the base bucket, its expiry on every resource, one region', () => {
    const j = json.get('preview-pr-7')!;
    expect((j.terraform as { backend: unknown }).backend).toEqual({
      s3: expect.objectContaining({ bucket: 'acme-tfstate-us-east-1', key: 'previews/preview-pr-7/terraform.tfstate', encrypt: true }),
    });
    expect(j.provider!.aws).toEqual([
      expect.objectContaining({
        region: 'us-east-1',
        default_tags: [{ tags: expect.objectContaining({ 'parity:role': 'preview', 'parity:expires': '2026-12-10T12:00:00Z' }) }],
      }),
    ]);
    const db = Object.values(j.resource!.aws_db_instance!)[0]!;
    expect(db).toMatchObject({
      deletion_protection: false,
      skip_final_snapshot: true,
      storage_encrypted: true,
      identifier: 'acme-preview-pr-7-db',
    });
    expect(j.resource!.aws_backup_plan).toBeDefined();
    expect(JSON.stringify(j.resource!.aws_backup_plan)).not.toMatch(/copy_action/);
  });

  it('fails when a parameter that must match differs from the base, or a bundle version does', () => {
    const p = preview();
    const drifted = {
      ...p,
      bundles: p.bundles.map((b) => (b.name === 'queue' ? { ...b, version: '9.0.0', params: { ...b.params, maxReceiveCount: 9 } } : b)),
    } as ResolvedEnvironment;
    const r = report(envs.map((e) => (e.name === p.name ? drifted : e)));
    expect(kinds(r)).toEqual(['error preview-parity', 'error preview-parity']);
    expect(r.findings.map((f) => f.message).join('\n')).toMatch(/queue\.maxReceiveCount is 9 in preview-pr-7 but 5 in staging, its base/);
    expect(r.previews[0]!.atParity).toBe(false);
  });

  it('allows what mayDiffer lets differ, and says so', () => {
    const p = preview();
    const bigger = {
      ...p,
      bundles: p.bundles.map((b) => (b.name === 'database' ? { ...b, params: { ...b.params, size: 'medium' } } : b)),
    } as ResolvedEnvironment;
    const r = report(envs.map((e) => (e.name === p.name ? bigger : e)));
    expect(r.findings).toEqual([]);
    expect(r.previews[0]!.differences).toEqual([{ bundle: 'database', param: 'size', preview: 'medium', base: 'small', allowed: true }]);
  });

  it('fails on deletion protection anywhere, a store not destroyed with its content, a resource in another region, a provider without the expiry tag', () => {
    // as synthesized, its vault and bucket go with their content
    for (const type of ['aws_backup_vault', 'aws_s3_bucket'])
      for (const b of Object.values(json.get('preview-pr-7')!.resource![type]!)) expect(b.force_destroy, type).toBe(true);
    expect(Object.values(json.get('staging')!.resource!.aws_s3_bucket!)[0]!.force_destroy).toBeUndefined();
    const r = report(
      envs,
      changed((j) => {
        delete Object.values(j.resource!.aws_backup_vault!)[0]!.force_destroy;
        Object.values(j.resource!.aws_db_instance!)[0]!.deletion_protection = true;
        j.provider!.aws!.push({ alias: 'us_west_2', region: 'us-west-2' });
        Object.values(j.resource!.aws_sqs_queue!)[0]!.provider = 'aws.us_west_2';
      }),
    );
    expect(kinds(r).sort()).toEqual(['error preview-dr', 'error preview-expiry-tag', 'error preview-protected', 'error preview-protected']);
    expect(
      r.findings
        .filter((f) => f.kind === 'preview-protected')
        .map((f) => f.address!.split('.')[0])
        .sort(),
    ).toEqual(['aws_backup_vault', 'aws_db_instance']);
  });

  it('warns once it has expired, and judges nothing against a base that was not checked with it', () => {
    expect(kinds(report(envs, undefined, new Date('2026-12-10T12:00:00Z')))).toEqual(['warning preview-expired']);
    const alone = report(envs.filter((e) => e.name !== 'staging'));
    expect(alone.previews[0]).toMatchObject({ baseChecked: false, differences: [] });
  });
});
