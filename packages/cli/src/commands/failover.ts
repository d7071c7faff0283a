/**
 * `pnpm failover <dr-env>`: fail over into a dr environment for real (see @parity/dr's
 * failover/command.ts). Prints the recovery point against the RPO, the manifest change, the Terraform
 * difference by address and the procedure (with what Terraform does not do), asks before writing
 * (`--yes` does not ask, `--dry-run` writes nothing). Where the queues archive their messages, the
 * plan counts what a replay would send; `--replay`, after the apply, sends it (`--dry-run` counts).
 *
 * Exit code 0 when written (or a dry run), 1 when declined, 2 for a refusal.
 */
import pc from 'picocolors';
import { replayAfterFailover, replayLines, runFailover, type FailoverPlan, type FailoverResult, type FailoverTarget } from '@parity/dr';
import { cloudTargetNeeded, findRoot, ParityError, refuseOne } from '@parity/model';
import { formatDiff } from '@parity/release';
import { runCheck } from './check.js';
import { confirmWrite, printProcedure } from './confirm.js';
import { printRefusal, targetOf } from './drill.js';

export interface FailoverFlags {
  endpoint?: string;
  aws?: boolean;
  gcp?: boolean;
  reason?: string;
  by?: string;
  yes?: boolean;
  dryRun?: boolean;
  replay?: boolean;
}

const say = (s = '') => process.stdout.write(`${s}\n`);

/** The plan, as a reviewer reads it. */
export function printPlan(p: FailoverPlan): void {
  const { pair, change } = p;
  say(
    pc.bold(
      `${pair.dr.name}: failover step ${p.step} (${pair.dr.dr.strategy}, recovering ${pair.primary.name} from ${pair.primary.region} into ${pair.dr.region})`,
    ),
  );
  say(`  recover from: ${p.pointText}`);
  say(pc.bold(`  ${change.file}:`));
  const before = new Set(change.before.split('\n'));
  for (const l of change.after.split('\n')) if (!before.has(l)) say(pc.green(`    + ${l}`));
  say(pc.bold('  Terraform, by address:'));
  for (const l of formatDiff(change.diff)) {
    const colour = l.startsWith('+ ') ? pc.green : l.startsWith('- ') ? pc.red : l.startsWith('~ ') ? pc.yellow : pc.dim;
    say(`    ${colour(l)}`);
  }
  if (p.replay.results.length || p.replay.error) {
    say(pc.bold(`  Queue replay (after the apply: pnpm failover ${pair.dr.name} --replay):`));
    if (p.replay.error) say(pc.yellow(`    could not count the archived messages in ${pair.dr.region}: ${p.replay.error}`));
    for (const l of replayLines(p.replay.results, true)) say(`    ${l}`);
  }
  say(pc.bold('  Then, in order:'));
  printProcedure(p.procedure, { terraform: 'Terraform', failover: 'pnpm failover, once confirmed', operator: 'by hand' });
}

/** `--replay`: the procedure's replay step, after the apply (`--dry-run` counts). */
async function replay(drEnv: string, target: FailoverTarget, dryRun: boolean, root: string): Promise<void> {
  const r = await replayAfterFailover({ root, drEnv, target, dryRun });
  say(pc.bold(`${r.pair.dr.name}: queue replay from the archives in ${r.pair.dr.region}${dryRun ? ' (dry run: nothing sent)' : ''}`));
  if (!r.results.length) say(`  ${r.pair.primary.name} archives no queue (queue.replay: archive): nothing to replay`);
  for (const l of replayLines(r.results, dryRun)) say(`  ${l}`);
}

async function ask(p: FailoverPlan): Promise<boolean> {
  printPlan(p);
  const irreversible = p.onConfirm
    ? ` Confirming does this now: ${p.onConfirm}.`
    : p.step === 'promote'
      ? ' Applying it promotes the replica, which cannot be undone.'
      : '';
  return confirmWrite('pnpm failover', p.change.file, `Write the failover into ${p.change.file}?${irreversible}`);
}

function conclude(r: FailoverResult): void {
  if (r.notWritten === 'dry-run') {
    printPlan(r);
    say(pc.cyan(`  (dry run: ${r.change.file} not written)`));
    return;
  }
  if (!r.written) {
    say(pc.yellow('  declined: nothing was written'));
    process.exitCode = 1;
    return;
  }
  if (r.done) say(`  ${r.done}`);
  say(pc.green(`  ${r.change.file} written. Review and commit it, then follow the steps above in order.`));
}

/** Where `pnpm failover` and `pnpm failback` go: `--aws`, `--gcp` or `--endpoint`, exactly one. */
export function cloudTarget(flags: Pick<FailoverFlags, 'aws' | 'gcp' | 'endpoint'>, command: 'failover' | 'failback'): FailoverTarget {
  const given = (['aws', 'gcp', 'endpoint'] as const).filter((f) => flags[f]).map((f) => `--${f}`);
  if (given.length !== 1) refuseOne(cloudTargetNeeded(command, given));
  if (flags.gcp) return { kind: 'gcp' };
  return targetOf(flags) as FailoverTarget;
}

export async function failover(drEnv: string, flags: FailoverFlags = {}, root = findRoot()): Promise<FailoverResult | undefined> {
  try {
    const target = cloudTarget(flags, 'failover');
    if (flags.replay) {
      await replay(drEnv, target, !!flags.dryRun, root);
      return undefined;
    }
    const yes = async (p: FailoverPlan) => {
      printPlan(p);
      return true;
    };
    const confirm = flags.yes ? yes : ask;
    const r = await runFailover(
      { root, drEnv, target, reason: flags.reason, declaredBy: flags.by, dryRun: flags.dryRun },
      { runCheck, confirm, log: (l) => process.stderr.write(`${pc.dim(l)}\n`) },
    );
    conclude(r);
    return r;
  } catch (e) {
    if (!(e instanceof ParityError)) throw e;
    printRefusal('failover', e);
    process.exitCode = 2;
    return undefined;
  }
}
