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
