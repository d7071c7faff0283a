/**
 * Every command line in every committed runbook runs as written (issue 25 §5): each fenced code
 * block of environments/<dr-env>/RUNBOOK.md (what `pnpm gen runbook` writes) is read line by line,
 * and a line holding a placeholder is refused: `<…>` to fill in, an ellipsis, "by hand", "AWS only",
 * TODO. Comment lines may explain, but hold no placeholder either. The checker is tested on the
 * lines the GCP runbook held before, so it cannot pass by reading nothing.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@parity/model/testing';
import { describe, expect, it } from 'vitest';

/** The lines of each fenced code block of a Markdown text, with their line numbers. */
function codeLines(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  let inside = false;
  text.split('\n').forEach((l, i) => {
    if (/^\s*```/.test(l)) {
      inside = !inside;
      return;
    }
    if (inside && l.trim()) out.push({ line: i + 1, text: l.trim() });
  });
  return out;
}

const PLACEHOLDERS: ReadonlyArray<[RegExp, string]> = [
  [/<[^<>\n]*>/, 'a <placeholder> to fill in'],
  [/…|\.\.\./, 'an ellipsis'],
  [/by hand/i, '"by hand": a step the runbook does not spell out'],
  [/AWS only/i, '"AWS only": a command that does not run for this pair'],
  [/\bTODO\b|\bFIXME\b|\bXXX\b/, 'a TODO'],
];

/** Each placeholder in a runbook's code blocks: where, what, why. */
function placeholders(text: string): string[] {
  const out: string[] = [];
  for (const { line, text: l } of codeLines(text)) {
    const hit = PLACEHOLDERS.find(([re]) => re.test(l));
    if (hit) out.push(`line ${line}: ${hit[1]}: ${l}`);
  }
  return out;
}

const runbooks = readdirSync(join(REPO_ROOT, 'environments'), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => join('environments', d.name, 'RUNBOOK.md'))
  .filter((f) => existsSync(join(REPO_ROOT, f)));

describe('runbook code blocks', () => {
  it('there are committed runbooks to read, each with code blocks', () => {
    expect(runbooks.length).toBeGreaterThanOrEqual(3);
    for (const f of runbooks) expect(codeLines(readFileSync(join(REPO_ROOT, f), 'utf8')).length, f).toBeGreaterThan(10);
  });

  it.each(runbooks)('%s: every command runs as written (no placeholder)', (f) => {
    expect(placeholders(readFileSync(join(REPO_ROOT, f), 'utf8'))).toEqual([]);
  });

  it('fails on the placeholders a runbook held before, naming the line', () => {
    const before = [
      '# Runbook',
      '```sh',
      "gcloud sql instances describe <the DR replica> --format='value(replicaConfiguration)'",
      'pnpm failover dr-gcp-euw4 (AWS only today: write failover.step complete by hand) --reason "<the same reason>" --by "<who>"',
      '# pnpm failover runs on AWS only today: add the failover: section by hand',
      'pnpm check prod-gcp-euw1 dr-gcp-euw4',
      '```',
      'Prose may say <this> outside a block.',
    ].join('\n');
    expect(placeholders(before)).toEqual([
      "line 3: a <placeholder> to fill in: gcloud sql instances describe <the DR replica> --format='value(replicaConfiguration)'",
      'line 4: a <placeholder> to fill in: pnpm failover dr-gcp-euw4 (AWS only today: write failover.step complete by hand) --reason "<the same reason>" --by "<who>"',
      'line 5: "by hand": a step the runbook does not spell out: # pnpm failover runs on AWS only today: add the failover: section by hand',
    ]);
    expect(placeholders('```sh\naws rds describe-db-instances …\n```')).toEqual(['line 2: an ellipsis: aws rds describe-db-instances …']);
  });
});
