/**
 * Every Checkov ID a rule names, held to its cases, as a scanner's own tests are: one Terraform JSON
 * file per rule and ID in `checkov-cases/`, holding resource shapes transcribed from Checkov's
 * published test cases for that ID (`case: "checkov"`, its verdict from the test's expectations) and
 * shapes of Parity's own (`case: "parity"`, Checkov's verdict read in the check's source). Each
 * annotated resource says what Checkov decides, what Parity's rule decides (a finding tagged with
 * the ID, or `tag`, the ID of a finding that holds it), and which other findings the rule reports
 * on it (`others`; `untagged` for a finding with no Checkov ID). Then the rule's word on the ID
 * (equivalent or stricter) must be what the cases show, and no case may show Parity looser unless
 * it says why Checkov is wrong there (`checkovWrong`).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedEnvironment, Workspace } from '@parity/model';
import { AWS_PAIR, fixtureWorkspace, GCP_PAIR, REPO_ROOT } from '@parity/model/testing';
import { resolveForCheck } from '../run.js';
import { TfDoc, type TerraformJson } from '../tf.js';
import { RULES } from './index.js';
import type { PolicyContext } from './types.js';

type Verdict = 'pass' | 'fail';
interface Annotation {
  readonly checkov: Verdict;
  readonly parity: Verdict;
  readonly case: 'checkov' | 'parity';
  readonly tag?: string;
  readonly others?: readonly string[];
  readonly note?: string;
  readonly checkovWrong?: string;
}
interface CaseFile {
  readonly file: string;
  readonly rule: string;
  readonly id: string;
  readonly json: TerraformJson;
  /** Every annotated resource and data source, by address. */
  readonly cases: ReadonlyArray<{ readonly address: string; readonly is: Annotation }>;
}

const DIR = new URL('./checkov-cases/', import.meta.url);

function readCases(): CaseFile[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.tf.json'))
    .sort()
    .map((file) => {
      const json = JSON.parse(readFileSync(new URL(file, DIR), 'utf8')) as TerraformJson & { '//': { rule: string; checkov: string } };
      const cases: Array<{ address: string; is: Annotation }> = [];
      for (const [section, prefix] of [
        ['resource', ''],
        ['data', 'data.'],
      ] as const)
        for (const [type, byName] of Object.entries(json[section] ?? {}))
          for (const [name, body] of Object.entries(byName))
            if (body['//']) cases.push({ address: `${prefix}${type}.${name}`, is: body['//'] as Annotation });
      return { file, rule: json['//'].rule, id: json['//'].checkov, json, cases };
    });
}

const FILES = readCases();
let ws: Workspace;
let envs: ResolvedEnvironment[];
beforeAll(async () => {
  ws = await fixtureWorkspace([...AWS_PAIR, ...GCP_PAIR]);
  envs = resolveForCheck(ws).envs;
});

/** The rule's violations over a case file, judged as one production environment of the ID's cloud. */
function judged(f: CaseFile) {
  const rule = RULES.find((r) => r.id === f.rule)!;
  const env = envs.find((e) => e.cloud === (f.id.includes('_GCP_') ? 'gcp' : 'aws') && e.role === 'production')!;
  const ctx: PolicyContext = {
    env,
    json: f.json,
    doc: new TfDoc(f.json, env.cloud, env.region),
    definition: ws.definition.data,
    production: true,
    now: new Date('2026-11-28T12:00:00Z'),
  };
  return { rule, violations: rule.check(ctx) };
}

describe('the Checkov IDs each rule names', () => {
  it('has a case file for every ID of every rule, and names no ID a rule does not', () => {
    const named = RULES.flatMap((r) => r.checkov.map((m) => `${r.id}.${m.id}.tf.json`)).sort();
    expect(FILES.map((f) => f.file)).toEqual(named);
  });

  it.each(FILES.map((f) => [`${f.rule} ${f.id}`, f] as const))('%s: every case decides as annotated', (_name, f) => {
    const { violations } = judged(f);
    for (const c of f.cases) {
      const tags = violations.filter((v) => v.address === c.address).map((v) => v.checkov ?? 'untagged');
      const expected = [...(c.is.parity === 'fail' ? [c.is.tag ?? f.id] : []), ...(c.is.others ?? [])];
      expect(tags.sort(), `${f.file} ${c.address}`).toEqual(expected.sort());
    }
  });

  it.each(FILES.map((f) => [`${f.rule} ${f.id}`, f] as const))('%s: the rule says how it compares, and is never looser', (_name, f) => {
    const { rule } = judged(f);
    const mapping = rule.checkov.find((m) => m.id === f.id)!;
    const looser = f.cases.filter((c) => c.is.checkov === 'fail' && c.is.parity === 'pass' && !c.is.checkovWrong);
    const stricter = f.cases.filter((c) => c.is.checkov === 'pass' && c.is.parity === 'fail');
    expect(looser.map((c) => c.address)).toEqual([]);
    expect(mapping.parity).toBe(stricter.length ? 'stricter' : 'equivalent');
    // Where Checkov is wrong, the rule says so.
    if (f.cases.some((c) => c.is.checkovWrong)) expect(mapping.note).toContain('the check wrongly');
  });

  it.each(FILES.map((f) => [`${f.rule} ${f.id}`, f] as const))('%s: pass and fail cases, from Checkov and beyond', (_name, f) => {
    expect(f.cases.some((c) => c.is.parity === 'pass')).toBe(true);
    expect(f.cases.some((c) => c.is.parity === 'fail')).toBe(true);
    expect(f.cases.some((c) => c.is.case === 'checkov')).toBe(true);
    expect(f.cases.some((c) => c.is.case === 'parity')).toBe(true);
  });

  it('tags every violation with an ID its rule names, or none', () => {
    for (const f of FILES) {
      const { rule, violations } = judged(f);
      const ids = rule.checkov.map((m) => m.id);
      for (const v of violations) if (v.checkov) expect(ids, `${f.file} ${v.address}`).toContain(v.checkov);
    }
  });

  it("is what the guardrails guide's table says, ID by ID", () => {
    const guide = readFileSync(join(REPO_ROOT, 'docs/guardrails.md'), 'utf8');
    const section = guide.slice(guide.indexOf('## How the rules compare with Checkov'));
    const rows = section
      .split('\n')
      .filter((l) => /^\| CKV/.test(l))
      .map((l) => l.split('|').map((c) => c.trim()));
    for (const r of RULES)
      for (const m of r.checkov) {
        const row = rows.find((c) => c[1]!.split(', ').includes(m.id) && c[2]!.split(', ').includes(r.id));
        expect(row?.[3], `${m.id} ${r.id}`).toBe(m.parity);
      }
  });
});
