import { describe, expect, it } from 'vitest';
import { DefinitionSchema, ManifestSchema, parseYaml } from './config.js';

const manifest = `name: staging
cloud: aws
region: us-east-1
role: staging
tier: standard
state:
  region: us-east-1
overrides: {}
`;

describe('reading YAML files', () => {
  it('parses a valid manifest', () => {
    const r = parseYaml('environments/staging/environment.yaml', manifest, ManifestSchema);
    expect(r.issues).toEqual([]);
    expect(r.source?.data).toMatchObject({ name: 'staging', region: 'us-east-1', overrides: {} });
  });

  it('fails on broken YAML, naming the file and line', () => {
    const r = parseYaml('f.yaml', 'name: [unclosed\nregion: x\n', ManifestSchema);
    expect(r.issues[0]).toMatchObject({ kind: 'yaml', file: 'f.yaml', line: 2 });
  });

  it('fails on an unknown field, naming the field and its line', () => {
    const r = parseYaml('f.yaml', manifest.replace('tier: standard', 'tier: standard\nsize: large'), ManifestSchema);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ kind: 'schema', message: 'unknown field "size"', path: 'size', line: 6, value: 'large' });
  });

  it('fails on two unknown fields, naming each with its own line', () => {
    const r = parseYaml(
      'f.yaml',
      manifest.replace('tier: standard', 'tier: standard\nsize: large').replace('overrides: {}', 'overrides: {}\ncolour: blue'),
      ManifestSchema,
    );
    expect(r.issues.map((i) => [i.kind, i.path, i.line])).toEqual([
      ['schema', 'size', 6],
      ['schema', 'colour', 10],
    ]);
  });

  it('fails on an unknown field inside a section, naming its full path and line', () => {
    const r = parseYaml('f.yaml', manifest.replace('  region: us-east-1\n', '  region: us-east-1\n  bukket: x\n'), ManifestSchema);
    expect(r.issues[0]).toMatchObject({ kind: 'schema', path: 'state.bukket', line: 8, value: 'x' });
  });

  it('fails on a value outside an enum, listing what is allowed and the line', () => {
    const r = parseYaml('f.yaml', manifest.replace('role: staging', 'role: prod'), ManifestSchema);
    expect(r.issues[0]).toMatchObject({ kind: 'schema', path: 'role', line: 4, value: 'prod' });
    expect(r.issues[0]!.allowed).toMatch(/"staging", "production", "dr"/);
  });

  it('fails on a definition whose platform name is too long for physical names', () => {
    const r = parseYaml('p.yaml', 'platform: averyveryverylongname\n', DefinitionSchema);
    expect(r.issues.map((i) => i.path)).toContain('platform');
  });
});

describe('YAML that is not what it seems', () => {
  it('fails on a duplicate key, naming the key, its path, line and column', () => {
    const r = parseYaml('f.yaml', manifest.replace('  region: us-east-1\n', '  region: us-east-1\n  region: eu-west-1\n'), ManifestSchema);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ kind: 'yaml', path: 'state.region', value: 'region', line: 8, column: 3 });
    expect(r.issues[0]!.message).toMatch(/the key "region" appears twice/);
    const top = parseYaml('f.yaml', `${manifest}name: prod\n`, ManifestSchema);
    expect(top.issues[0]).toMatchObject({ kind: 'yaml', path: 'name', value: 'name', line: 9 });
  });

  it('fails on a name with a look-alike character, naming its code point and position', () => {
    // U+2010 HYPHEN, not the hyphen-minus
    const r = parseYaml('f.yaml', manifest.replace('name: staging', 'name: prod\u2010use1'), ManifestSchema);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ kind: 'name-character', path: 'name', value: 'prod\u2010use1', line: 1, column: 11 });
    expect(r.issues[0]!.message).toMatch(/U\+2010 \(HYPHEN "\u2010", which looks like "-"\) at position 5/);
  });

  it('fails on look-alikes in keys and in name fields, and leaves free text and parameter values alone', () => {
    const text = manifest
      .replace('region: us-east-1', 'region: us\u2013east-1') // EN DASH
      .replace(
        'overrides: {}',
        'overrides:\n  d\u0430tabase: { size: large }\n  cluster:\n    tags: { \u00c9quipe: ops }\nfailover: { step: restore, reason: "Z\u00fcrich \u2014 down" }',
      );
    const r = parseYaml('f.yaml', text, ManifestSchema);
    expect(r.issues.map((i) => [i.kind, i.path, i.line])).toEqual([
      ['name-character', 'region', 3],
      ['name-character', 'overrides.d\u0430tabase', 9],
    ]);
    expect(r.issues[1]!.message).toMatch(/U\+0430 \(CYRILLIC SMALL LETTER A "\u0430", which looks like "a"\) at position 2/);
  });

  it('fails on a file whose top level is not a mapping, never echoing it', () => {
    for (const text of ['hunter2-TOPSECRET\n', '- hunter2-TOPSECRET\n', '']) {
      const r = parseYaml('f.yaml', text, ManifestSchema);
      expect(r.issues.map((i) => i.kind)).toEqual(['not-a-mapping']);
      expect(JSON.stringify(r.issues)).not.toContain('TOPSECRET');
    }
  });

  it('fails on YAML syntax naming the line and column, never quoting the file', () => {
    for (const text of ['name: !TOPSECRET x\nrole: [\n', 'name: "\\q TOPSECRET"\n', 'name: |TOPSECRET\n  x\n', 'name: *TOPSECRET\n']) {
      const r = parseYaml('f.yaml', text, ManifestSchema);
      expect(r.issues.length, text).toBeGreaterThan(0);
      expect(r.issues[0]!.kind, text).toBe('yaml');
      expect(JSON.stringify(r.issues), text).not.toContain('TOPSECRET');
    }
    const r = parseYaml('f.yaml', 'name: staging\nrole:\tx: [\n', ManifestSchema);
    expect(r.issues[0]).toMatchObject({ kind: 'yaml', line: 2 });
    expect(r.issues[0]!.column).toBeGreaterThan(0);
  });

  it('shows a short value, and leaves a long one shortened', () => {
    const long = `x${'y'.repeat(500)}`;
    const r = parseYaml('f.yaml', manifest.replace('role: staging', `role: ${long}`), ManifestSchema);
    expect(String(r.issues[0]!.value).length).toBeLessThanOrEqual(80);
  });

  it('fails on text over the manifest limit before parsing it', () => {
    const r = parseYaml('f.yaml', `name: ${'x'.repeat(1024 * 1024)}\n`, ManifestSchema);
    expect(r.issues.map((i) => i.kind)).toEqual(['file-too-large']);
  });
});
