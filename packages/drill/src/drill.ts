/**
 * `pnpm drill <dr-env>`: a regional failover practised for real, with real Terraform.
 *
 * The target is a moto server the drill starts and stops (default), a running one
 * (`--endpoint`), or real AWS (`--aws`). Everything is applied from a work folder under
 * `.parity/drills/` with a local backend: a drill never touches an environment's real state.
 * The drill's own steps frame the pair's strategy's (steps/kit.ts): each step hands its result to
 * the next; the teardown and the report always run (steps/teardown/).
 */
import { resolvePair } from '@parity/dr';
import type { DrillReport } from '@parity/model';
import { DrillContext, type DrillDeps, type DrillOptions } from './context.js';
import { failbackSteps, failoverSteps } from './steps/kit.js';
import { applyPrimary } from './steps/failover/primary.js';
import { beginStandby } from './steps/failover/standby.js';
import { checkPair, reachTarget } from './steps/failover/start.js';
import { measure, verifyRecovery } from './steps/failover/verify.js';
import { finish } from './steps/teardown/finish.js';

/** A drill: the steps in order, then (always) the teardown and the report. Refusals throw before anything starts. */
export async function runDrill(opts: DrillOptions, deps: DrillDeps): Promise<DrillReport> {
  const pair = await resolvePair(opts.root, opts.drEnv);
  const ctx = DrillContext.open(opts, deps, pair);
  const { drill } = ctx.strategy;
  try {
    const target = await reachTarget(ctx); //                         moto, a running endpoint, or real AWS
    const checked = await checkPair(ctx, target); //                  pnpm check of the pair
    // a replica strategy's standby is applied while the primary's apply still waits, once its database is available
    const stop = new AbortController();
    const standby = drill.failoverSteps.includes('apply-standby')
      ? beginStandby(ctx, checked, AbortSignal.any([ctx.ctl.signal, stop.signal]))
      : undefined;
    const primary = await applyPrimary(ctx, checked).catch(async (e: unknown) => {
      stop.abort(e);
      await standby?.done.catch(() => undefined); // its Terraform stopped before the teardown starts
      throw e;
    }); //                                                             the primary, from the project's own synth output
    const recovered = await drill.failover(failoverSteps(ctx, standby), primary); // the strategy's failover, as pnpm failover makes it
    const verified = await verifyRecovery(ctx, recovered); //         through the AWS API
    const measured = await measure(ctx, verified); //                 RTO and RPO against the pair's policy
    if (opts.failback) await drill.failback(failbackSteps(ctx), measured); // back, as pnpm failback makes it
    ctx.settle();
  } catch (e) {
    ctx.settle(e);
  }
  return finish(ctx); //                                              teardown (or --keep), the report, the lock released
}
