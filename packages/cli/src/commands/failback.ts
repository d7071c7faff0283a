/**
 * `pnpm failback <dr-env>`: return to the primary region after a failover, one step per run (see
 * @parity/dr's failback/command.ts). A replica pair: reprotect, promote (at a fenced moment, lag 0),
 * complete, then restore the original roles. A backup & restore pair: reprotect (backups copied
 * back), restore (at a fenced moment, from a snapshot taken after the fence), then complete (the
 * original roles). Prints the manifest change(s), the Terraform difference by address
 * and the procedure, asks before fencing or writing (`--yes` does not ask, `--dry-run` writes
 * nothing).
 *
 * Exit code 0 when written (or a dry run), 1 when declined, 2 for a refusal.
 */
import pc from 'picocolors';
import { runFailback, type FailbackPlan, type FailbackResult, type FailoverTarget } from '@parity/dr';
import { findRoot, ParityError } from '@parity/model';
import { formatDiff } from '@parity/release';
import { runCheck } from './check.js';
import { confirmWrite, printProcedure } from './confirm.js';
import { printRefusal } from './drill.js';
import { cloudTarget } from './failover.js';

export interface FailbackFlags {
  endpoint?: string;
  aws?: boolean;
  gcp?: boolean;
  reason?: string;
  by?: string;
  yes?: boolean;
  dryRun?: boolean;
  waitMinutes?: string;
}

const say = (s = '') => process.stdout.write(`${s}\n`);

function printDiff(env: string, diff: FailbackPlan['change']['files'][number]['diff']): void {
  say(pc.bold(`  ${env}'s Terraform, by address:`));
  for (const l of formatDiff(diff)) {
    const colour = l.startsWith('+ ') ? pc.green : l.startsWith('- ') ? pc.red : l.startsWith('~ ') ? pc.yellow : pc.dim;
    say(`    ${colour(l)}`);
  }
}

/** The plan, as a reviewer reads it: each manifest's new lines, its Terraform difference, then the procedure. */
export function printFailbackPlan(p: FailbackPlan): void {
  const { pair } = p;
  say(
    pc.bold(
      `${pair.primary.name}: failback step ${p.step} (${pair.dr.dr.strategy}, from ${pair.dr.name} in ${pair.dr.region} back to ${pair.primary.region})`,
    ),
  );
  if (p.reverseText) say(`  ${p.strategy.failback.reverseFound(pair)}: ${p.reverseText}`);
  if (p.snapshotId)
    say(`  switchover snapshot, once confirmed: ${p.snapshotId} (in ${pair.dr.region}, copied into ${pair.primary.region})`);
  for (const f of p.change.files) {
    say(pc.bold(`  ${f.file}:`));
    const before = f.before.split('\n');
    const after = f.after.split('\n');
    for (const l of after) if (!before.includes(l)) say(pc.green(`    + ${l}`));
    for (const l of before) if (!after.includes(l)) say(pc.red(`    - ${l}`));
    printDiff(f.env, f.diff);
  }
  for (const c of p.change.alsoChanged) printDiff(`${c.env} (manifest unchanged)`, c.diff);
  say(pc.bold('  Then, in order:'));
  printProcedure(p.procedure, { terraform: 'Terraform', failback: 'pnpm failback, once confirmed', operator: 'by hand' });
}

async function ask(p: FailbackPlan): Promise<boolean> {
  printFailbackPlan(p);
  const files = p.change.files.map((f) => f.file).join(' and ');
  const fence =
    p.step === 'promote'
      ? ` This fences ${p.pair.dr.name}'s writers now.`
      : p.snapshotId
        ? ` This fences ${p.pair.dr.name}'s writers now, then snapshots its database and copies it into ${p.pair.primary.region}.`
        : '';
  return confirmWrite('pnpm failback', files, `Write failback step ${p.step} into ${files}?${fence}`);
}

function conclude(r: FailbackResult): void {
  if (r.notWritten === 'dry-run') {
    printFailbackPlan(r);
    say(pc.cyan(`  (dry run: nothing fenced, ${r.change.files.map((f) => f.file).join(' and ')} not written)`));
    return;
  }
  if (!r.written) {
    say(pc.yellow('  declined: nothing was fenced or written'));
    process.exitCode = 1;
    return;
  }
  if (r.fenced) say(`  fenced: ${r.fenced.join(', ') || 'no node group'}; at the switchover: ${r.atSwitchover}`);
  if (r.snapshot) say(`  ${r.pair.primary.name}'s database is re-created from ${r.snapshot.copy.DBSnapshotArn} by the apply below`);
  say(pc.green(`  ${r.change.files.map((f) => f.file).join(' and ')} written. Review and commit, then follow the steps above in order.`));
}

export async function failback(drEnv: string, flags: FailbackFlags = {}, root = findRoot()): Promise<FailbackResult | undefined> {
  try {
    const target: FailoverTarget = cloudTarget(flags, 'failback');
    const yes = async (p: FailbackPlan) => {
      printFailbackPlan(p);
      return true;
    };
    const waitMs = flags.waitMinutes !== undefined ? Number(flags.waitMinutes) * 60_000 : undefined;
    const r = await runFailback(
      {
        root,
        drEnv,
        target,
        reason: flags.reason,
        declaredBy: flags.by,
        dryRun: flags.dryRun,
        ...(waitMs !== undefined && Number.isFinite(waitMs) ? { waitMs, pollMs: Math.min(30_000, Math.max(1000, waitMs / 10)) } : {}),
      },
      { runCheck, confirm: flags.yes ? yes : ask, log: (l) => process.stderr.write(`${pc.dim(l)}\n`) },
    );
    conclude(r);
    return r;
  } catch (e) {
    if (!(e instanceof ParityError)) throw e;
    printRefusal('failback', e);
    process.exitCode = 2;
    return undefined;
  }
}
