/**
 * What the drill did not exercise: the resources left out for the emulator and the inert ones
 * (harness-wide), then what the pair's strategy says its drill stands in for or cannot show on
 * the emulator, and the cut-over, which no drill does.
 */
import type { NotExercised } from '@parity/model';
import { placedResources } from '@parity/model/terraform';
import type { DrillContext } from '../../context.js';
import { ignoredDriftGap, MOTO_INERT, MOTO_UNSUPPORTED } from '../../target/emulator.js';

export function notExercised(ctx: DrillContext): NotExercised[] {
  const out: NotExercised[] = [];
  const leftOutTypes = new Set<string>();
  for (const [env, w] of ctx.created.workCopies) {
    for (const rm of w.filter?.removed ?? []) {
      const type = rm.address.split('.')[0] ?? rm.address;
      const u = MOTO_UNSUPPORTED[type];
      out.push({
        what: rm.address,
        env,
        why: u ? `left out of the apply: ${u.reason}. Not exercised: ${u.consequence}` : `left out of the apply: ${rm.reason}`,
      });
      if (u) leftOutTypes.add(type);
    }
    if (!ctx.emulated) continue;
    for (const [type, why] of Object.entries(MOTO_INERT)) {
      for (const r of placedResources(w.json, type)) out.push({ what: r.address, env, why });
    }
  }
  const { observed } = ctx;
  const primaryJson = ctx.created.workCopies.get(ctx.pair.primary.name)?.json;
  out.push(
    ...ctx.strategy.drill.notExercised({
      pair: ctx.pair,
      emulated: ctx.emulated,
      ...(primaryJson ? { primaryJson } : {}),
      leftOutTypes,
      replicaSubnetGroups: observed.replicaSubnetGroups,
      emulatorQuirks: observed.emulatorQuirks,
      ...(observed.pending ? { pending: observed.pending } : {}),
      ...(ctx.report.failback ? { failback: ctx.report.failback } : {}),
    }),
  );
  out.push(...ignoredDriftGap(observed.driftIgnored));
  out.push({
    what: 'cut-over',
    why: 'DNS, traffic and application smoke tests are outside the drill; the measured RTO stops when the infrastructure is verified',
  });
  return out;
}
