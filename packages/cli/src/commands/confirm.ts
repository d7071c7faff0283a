/**
 * What `pnpm failover` and `pnpm failback` share at the terminal: the ordered steps Terraform does
 * not do, and the one confirmation before a write (refused without a terminal: `--yes` is for automation).
 */
import { createInterface } from 'node:readline/promises';
import pc from 'picocolors';
import { confirmationNeeded, refuseOne } from '@parity/model';

const say = (line: string) => process.stdout.write(`${line}\n`);

/** The procedure, numbered, each step with who does it, what it changes and its exact commands. */
export function printProcedure<By extends string>(
  steps: ReadonlyArray<{ title: string; by: By; changes: string; commands: readonly string[] }>,
  who: Record<By, string>,
): void {
  steps.forEach((s, i) => {
    say(`  ${i + 1}. ${s.title} ${pc.dim(`(${who[s.by]})`)}`);
    say(pc.dim(`     changes: ${s.changes}`));
    for (const c of s.commands) say(`     ${c.startsWith('#') ? pc.dim(c) : pc.cyan(c)}`);
  });
}

/** Asks `question` on the terminal; without one, refuses (`command` … `--yes`), naming `files`. */
export async function confirmWrite(command: string, files: string, question: string): Promise<boolean> {
  if (!process.stdin.isTTY) refuseOne(confirmationNeeded(command, files));
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}
