import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { DefinitionSchema, type Manifest } from './config.js';
import { NAME_RULES, physicalName, type ResourceKind } from './naming.js';
import {
  expiryLabel,
  expiryOf,
  isExpired,
  PREVIEW_ID_MAX,
  previewManifest,
  previewName,
  PreviewRecordSchema,
  previewRecordText,
  previewTier,
  ttlHours,
  validPreviewId,
} from './preview.js';

const definition = (tiers: Record<string, unknown>) =>
  DefinitionSchema.parse({
    platform: 'acme',
    tiers,
    defaultTier: { staging: 'standard', production: 'production' },
    dr: { defaultPolicy: 'standard', policies: { standard: { strategy: 'backup-restore', rpoMinutes: 240, rtoMinutes: 480 } } },
    state: { aws: { bucket: 'acme-tfstate-{region}' }, gcp: { bucket: 'acme-tfstate-{region}' } },
    bundles: { database: { version: '^1.0.0', mayDiffer: ['size', 'deletionProtection', 'restoreFromSnapshot'] } },
  });

const TIERS = {
  standard: { database: { size: 'small', deletionProtection: false } },
  production: { database: { size: 'large', deletionProtection: true } },
};

const prod: Manifest = {
  name: 'prod-use1',
  cloud: 'aws',
  region: 'us-east-1',
  role: 'production',
  tier: 'production',
  drPolicy: 'standard',
  state: { region: 'us-east-1' },
  bundles: { database: '1.0.0' },
  overrides: { database: { size: 'xlarge', storageGb: 100 } },
  failback: { step: 'reprotect' },
};

const record = { id: 'pr-1234', from: 'prod-use1', ttl: '72h', created: '2026-12-07T04:11:18Z', expires: '2026-12-10T05:00:00Z' };

describe('preview environments', () => {
  it('are named preview-<id>, the id short enough to fit every name and label (fails on anything else)', () => {
    expect(previewName('pr-1234')).toBe('preview-pr-1234');
    for (const id of ['pr-1234', '1234', 'feature-x', 'a'.repeat(PREVIEW_ID_MAX)]) expect(validPreviewId(id), id).toBe(true);
    for (const id of ['', 'PR-1', 'pr_1', 'pr--1', '-pr', 'pr-', 'pr 1', '../x', 'a'.repeat(PREVIEW_ID_MAX + 1)])
      expect(validPreviewId(id), id).toBe(false);
    // a GCP label value holds 63 characters
    expect(previewName('a'.repeat(PREVIEW_ID_MAX)).length).toBeLessThanOrEqual(63);
  });

  it.each(Object.keys(NAME_RULES) as ResourceKind[])(
    'keeps %s of a preview with a long id within its limit, the preview prefix kept and the hash telling two ids apart',
    (kind) => {
      const id = `feature-${'x'.repeat(PREVIEW_ID_MAX - 10)}-1`;
      const other = `feature-${'x'.repeat(PREVIEW_ID_MAX - 10)}-2`;
      const a = physicalName(kind, 'acme', previewName(id), 'replica', 'us-west-2');
      const b = physicalName(kind, 'acme', previewName(other), 'replica', 'us-west-2');
      expect(a.length).toBeLessThanOrEqual(NAME_RULES[kind].max);
      expect(a).toMatch(/^acme-preview-/);
      expect(a).not.toBe(b);
      if (a.length < `acme-${previewName(id)}-replica-us-west-2`.length) expect(a).toMatch(/-[0-9a-f]{6}$/);
    },
  );

  it('live whole hours or days, at most 30 days, and expire on the hour after their lifetime', () => {
    expect(ttlHours('72h')).toBe(72);
    expect(ttlHours('3d')).toBe(72);
    expect(ttlHours('30d')).toBe(720);
    for (const bad of ['0h', '31d', '721h', '72', '3w', 'h', '-1h', '1.5h']) expect(ttlHours(bad), bad).toBeUndefined();
    expect(expiryOf(new Date('2026-12-07T04:11:18.123Z'), 72).toISOString()).toBe('2026-12-10T05:00:00.000Z');
    expect(expiryOf(new Date('2026-12-07T04:00:00.000Z'), 1).toISOString()).toBe('2026-12-07T05:00:00.000Z');
    expect(isExpired(record, new Date('2026-12-10T04:59:59Z'))).toBe(false);
    expect(isExpired(record, new Date('2026-12-10T05:00:00Z'))).toBe(true);
    expect(expiryLabel('2026-12-10T05:00:00Z')).toBe('2026-12-10t05-00-00z');
  });

  it('run the preview tier, else the tier staging gets', () => {
    expect(previewTier(definition(TIERS))).toBe('standard');
    expect(previewTier(definition({ ...TIERS, preview: { database: { size: 'small' } } }))).toBe('preview');
  });

  it('are derived from the base: its cloud, region, pins, overrides and bucket; not its role, tier, DR policy, failback or the overrides the tier sizes', () => {
    const m = previewManifest(definition(TIERS), record, prod);
    expect(m).toEqual({
      name: 'preview-pr-1234',
      cloud: 'aws',
      region: 'us-east-1',
      role: 'preview',
      tier: 'standard',
      state: { region: 'us-east-1' },
      bundles: { database: '1.0.0' },
      overrides: { database: { storageGb: 100 } },
    });
    expect(previewManifest(definition(TIERS), { ...record, region: 'us-east-2' }, prod).region).toBe('us-east-2');
  });

  it('are recorded in a file of their own that reads back as it was written', () => {
    const text = previewRecordText({ ...record, region: 'us-east-2' });
    expect(text).toMatch(/^# The preview preview-pr-1234, made by `pnpm preview` \(gitignored, never committed\)/);
    expect(PreviewRecordSchema.parse(parse(text))).toEqual({ ...record, region: 'us-east-2' });
    expect(previewRecordText(record)).toBe(previewRecordText(record));
  });
});
