import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWorkspace } from '@parity/model';
import { REPO_ROOT } from '@parity/model/testing';
import { tempFleets } from '@parity/testkit';
import { addBundleRow, addDefinitionEntry, BUNDLE_TABLE_FILE, planBundle, writeBundle, type BundleView } from './bundle.js';

const fleet = tempFleets();
function temp(): string {
  const root = fleet({ sources: true });
  mkdirSync(join(root, 'docs'), { recursive: true });
  writeFileSync(join(root, BUNDLE_TABLE_FILE), readFileSync(join(REPO_ROOT, BUNDLE_TABLE_FILE), 'utf8'));
  return root;
}

const VIEW: BundleView = {
  name: 'cache',
  pascal: 'Cache',
  scope: '@parity',
  pkg: '@parity/bundle-cache',
  description: 'd',
  awsSummary: 'a key.',
  gcpSummary: 'a ring.',
  aws: true,
  gcp: true,
  stateful: false,
  connects: [],
};

describe('gen bundle', () => {
  it('plans the contract, both implementations, three test layers, schema, changelog, changeset and the three entries', async () => {
    const root = temp();
    const { plan, issues } = planBundle(await loadWorkspace(root), 'objects', { connects: ['network'] });
    expect(issues).toEqual([]);
    expect([...plan!.files.keys()].sort()).toEqual([
      '.changeset/bundle-objects.md',
      'bundles/objects/CHANGELOG.md',
      'bundles/objects/package.json',
      'bundles/objects/schema.json',
      'bundles/objects/src/aws.test.ts',
      'bundles/objects/src/aws.ts',
      'bundles/objects/src/gcp.test.ts',
      'bundles/objects/src/gcp.ts',
      'bundles/objects/src/index.ts',
      'bundles/objects/src/snapshot.test.ts',
      'bundles/objects/tsconfig.build.json',
      'bundles/objects/tsconfig.json',
      'bundles/objects/vitest.config.ts',
    ]);
    expect([...plan!.edits.keys()].sort()).toEqual(['docs/bundles.md', 'environments/platform.yaml', 'package.json']);
    const index = plan!.files.get('bundles/objects/src/index.ts')!;
    expect(index).toMatch(/export type ObjectsParams/);
    expect(index).toMatch(/network: \{ description: 'outputs of the network bundle' \}/);
    expect(JSON.parse(plan!.files.get('bundles/objects/package.json')!)).toMatchObject({
      name: '@parity/bundle-objects',
      version: '1.0.0-0',
    });
    expect(JSON.parse(plan!.edits.get('package.json')!).dependencies['@parity/bundle-objects']).toBe('workspace:*');
    // the same inputs give the same bytes
    const again = planBundle(await loadWorkspace(root), 'objects', { connects: ['network'] }).plan!;
    expect([...again.files]).toEqual([...plan!.files]);
  });

  it('writes the folder, the changeset and the edits', async () => {
    const root = temp();
    // not `cache`: the bundle the guide's walkthrough (docs/bundles.md) generates may exist in this repository already
    const { plan } = planBundle(await loadWorkspace(root), 'objects', {});
    writeBundle(root, plan!);
    expect(existsSync(join(root, 'bundles/objects/src/aws.ts'))).toBe(true);
    expect(readFileSync(join(root, '.changeset/bundle-objects.md'), 'utf8')).toMatch(/^---\n'@parity\/bundle-objects': major\n---/);
    expect(readFileSync(join(root, 'environments/platform.yaml'), 'utf8')).toMatch(/\n {2}objects:\n.*\n {4}version: \^1\.0\.0-0\n$/);
    // the definition it edited still loads, with the new bundle in it
    expect(Object.keys((await loadWorkspace(root)).definition.data.bundles)).toContain('objects');
  });

  it('fails on a hyphenated name, which the definition could not hold, naming the name without hyphens', async () => {
    const { plan, issues } = planBundle(await loadWorkspace(temp()), 'object-store', {});
    expect(plan).toBeUndefined();
    expect(issues).toMatchObject([
      { kind: 'bundle-name', path: 'name', value: 'object-store', fix: expect.stringContaining('objectstore') },
    ]);
  });

  it('fails with every problem at once, and plans nothing', async () => {
    const root = temp();
    const ws = await loadWorkspace(root);
    const { plan, issues } = planBundle(ws, 'Bad_Name', { clouds: ['gcp'], connects: ['nope'] });
    expect(plan).toBeUndefined();
    expect(issues.map((i) => i.kind).sort()).toEqual(['bundle-cloud', 'bundle-name', 'unknown-bundle']);
    expect(planBundle(ws, 'queue').issues.map((i) => i.kind)).toEqual(['bundle-exists']);
  });

  it('adds the definition entry at the end of the bundles block, even when other keys follow it', () => {
    const text = 'platform: x\nbundles:\n  a:\n    version: ^1.0.0\n\n# comment on state\nstate:\n  aws: {}\n';
    expect(addDefinitionEntry(text, 'cache')).toBe(
      'platform: x\nbundles:\n  a:\n    version: ^1.0.0\n  cache:\n    # 1.0.0-0 until its first release (`pnpm release` makes it 1.0.0).\n    version: ^1.0.0-0\n\n# comment on state\nstate:\n  aws: {}\n',
    );
  });

  it('adds a row at the end of the bundle table of docs/bundles.md, and nothing without one', () => {
    const text = '## What each bundle creates\n\n| bundle | AWS | GCP |\n|---|---|---|\n| a | x | y |\n\n## Next\n';
    expect(addBundleRow(text, VIEW)).toBe(
      '## What each bundle creates\n\n| bundle | AWS | GCP |\n|---|---|---|\n| a | x | y |\n| cache | a key | a ring |\n\n## Next\n',
    );
    expect(addBundleRow('# Title\n', VIEW)).toBeUndefined();
  });

  it('warns, naming docs/bundles.md, when the guide has no bundle table, and still plans the bundle', async () => {
    const root = temp();
    writeFileSync(join(root, BUNDLE_TABLE_FILE), '# Bundles\n\nNo table here.\n');
    const { plan, issues } = planBundle(await loadWorkspace(root), 'objects', {});
    expect(issues.map((i) => [i.kind, i.severity, i.file])).toEqual([['bundle-readme', 'warning', BUNDLE_TABLE_FILE]]);
    expect([...plan!.edits.keys()].sort()).toEqual(['environments/platform.yaml', 'package.json']);
  });
});
