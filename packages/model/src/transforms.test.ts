import { describe, expect, it } from 'vitest';
import type { Definition, Manifest, SourceFile, Transform } from './config.js';
import { resolveTransforms, transformKey } from './transforms.js';

function definition(transforms: Transform[], mayDiffer: string[] = []): SourceFile<Definition> {
  const data = { bundles: { database: { version: '^1.0.0', defaults: {}, mayDiffer, transforms } } } as unknown as Definition;
  return { file: 'environments/platform.yaml', data, lineOf: (p) => p.length };
}
function manifest(cloud: 'aws' | 'gcp', transforms?: Record<string, Transform[]>): SourceFile<Manifest> {
  const data = {
    name: 'prod-use1',
    cloud,
    region: 'us-east-1',
    role: 'production',
    tier: 'production',
    state: { region: 'us-east-1' },
    overrides: {},
    ...(transforms ? { transforms } : {}),
  } as Manifest;
  return { file: 'environments/prod-use1/environment.yaml', data, lineOf: () => 9 };
}
const monitoring: Transform = { resource: 'instance', set: { monitoring_interval: 60 }, reason: 'r' };

describe('transforms', () => {
  it("applies the definition's to every environment of its cloud, one entry per attribute, with where it was written", () => {
    const def = definition([
      { ...monitoring, set: { monitoring_interval: 60, 'tags.team': 'db' } },
      { resource: 'pool', set: { a: 1 }, reason: 'r', cloud: 'gcp' },
    ]);
    const { transforms, issues } = resolveTransforms(def, manifest('aws'), 'database');
    expect(issues).toEqual([]);
    expect(transforms).toEqual([
      {
        resource: 'instance',
        attribute: 'monitoring_interval',
        value: 60,
        reason: 'r',
        source: 'definition',
        file: 'environments/platform.yaml',
        path: 'bundles.database.transforms.0.set.monitoring_interval',
        line: 6,
      },
      {
        resource: 'instance',
        attribute: 'tags.team',
        value: 'db',
        reason: 'r',
        source: 'definition',
        file: 'environments/platform.yaml',
        path: 'bundles.database.transforms.0.set.tags.team',
        line: 6,
      },
    ]);
    expect(resolveTransforms(def, manifest('gcp'), 'database').transforms.map((t) => t.resource)).toEqual(['instance', 'instance', 'pool']);
  });

  it('lets a manifest replace an attribute the definition lets differ', () => {
    const def = definition([monitoring], [transformKey('instance', 'monitoring_interval')]);
    const { transforms, issues } = resolveTransforms(
      def,
      manifest('aws', { database: [{ ...monitoring, set: { monitoring_interval: 5 } }] }),
      'database',
    );
    expect(issues).toEqual([]);
    expect(transforms).toMatchObject([
      { attribute: 'monitoring_interval', value: 5, source: 'override', file: 'environments/prod-use1/environment.yaml', line: 9 },
    ]);
  });

  it("fails on a manifest transform of an attribute that must match, and applies it only when lenient (for pnpm check's matrix)", () => {
    const m = manifest('aws', { database: [{ resource: 'instance', set: { deletion_protection: false }, reason: 'r' }] });
    const strict = resolveTransforms(definition([]), m, 'database');
    expect(strict.issues.map((i) => [i.kind, i.path])).toEqual([['not-overridable', 'transforms.database.0.set.deletion_protection']]);
    expect(strict.issues[0]!.fix).toMatch(/add transform:instance\.deletion_protection to bundles\.database\.mayDiffer/);
    expect(strict.transforms).toEqual([]);
    expect(resolveTransforms(definition([]), m, 'database', { lenient: true }).transforms).toMatchObject([
      { attribute: 'deletion_protection', value: false },
    ]);
  });
});
