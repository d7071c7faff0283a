/**
 * `pnpm gen runbook [dr-env…]`: write `environments/<dr-env>/RUNBOOK.md` for every DR environment
 * (or those named) from the model; `--check` fails instead, naming each runbook that no longer
 * matches (as `pnpm check` does).
 */
import { existsSync, readFileSync } from 'node:fs';
import pc from 'picocolors';
import type { TerraformJson } from '@parity/checks';
import { type Issue, loadWorkspace, refuse, runbookStale } from '@parity/model';
import { stackFile } from '@parity/synth/cache';
import { runCheck } from './check.js';

export interface RunbookFlags {
  check?: boolean;
}

/** Write (or with `check`, compare) the runbooks of `names` (default: every DR environment); returns the stale or written files. */
export async function genRunbooks(names: readonly string[], flags: RunbookFlags = {}, root?: string): Promise<string[]> {
  const ws = await loadWorkspace(root);
  const { runbookText, writeRunbook, RUNBOOK_FILE } = await import('@parity/dr/runbook');
  const drs = names.length
    ? [...names]
    : [...ws.manifests.values()]
        .filter((m) => m.data.role === 'dr')
        .map((m) => m.data.name)
        .sort();
  const primaries = drs.map((d) => ws.manifests.get(d)?.data.recovers).filter((p): p is string => !!p);
  const report = await runCheck([...drs, ...primaries], ws.root);
  const jsonOf = (env: string) =>
    existsSync(stackFile(ws.root, env)) ? (JSON.parse(readFileSync(stackFile(ws.root, env), 'utf8')) as TerraformJson) : undefined;
  const out: string[] = [];
  const stale: Issue[] = [];
  for (const dr of drs) {
    const text = runbookText(ws, dr, report, jsonOf);
    const file = `environments/${dr}/${RUNBOOK_FILE}`;
    if (text === undefined) {
      process.stderr.write(pc.red(`${file}: ${dr} or the environment it recovers has no Terraform (pnpm check ${dr} says why)\n`));
      process.exitCode = 1;
      continue;
    }
    const current = existsSync(`${ws.root}/${file}`) ? readFileSync(`${ws.root}/${file}`, 'utf8') : undefined;
    if (current === text) continue;
    if (flags.check) stale.push(runbookStale(dr, file, current === undefined));
    else {
      writeRunbook(ws.root, dr, text);
      process.stdout.write(`${pc.green('✔')} wrote ${file}\n`);
    }
    out.push(file);
  }
  if (stale.length) refuse('runbooks are stale', ...stale);
  if (!out.length && process.exitCode !== 1) process.stdout.write(pc.dim(`runbooks current: ${drs.join(', ')}\n`));
  return out;
}
