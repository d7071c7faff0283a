/**
 * The end of every drill, whatever happened: tear down what was applied (or keep it, `--keep`),
 * list what the drill did not exercise, write the report and the runbook, release the lock.
 */
import { existsSync, readFileSync } from 'node:fs';
import { runbookText, writeRunbook } from '@parity/dr/runbook';
import type { DrillReport } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { type DrillContext, message } from '../../context.js';
import { writeReport } from '../../report/report.js';
import { notExercised } from './not-exercised.js';
import { tearDown } from './teardown.js';

/** Tear down, list what was not exercised, write the report, release everything. */
export async function finish(ctx: DrillContext): Promise<DrillReport> {
  try {
    regionsBack(ctx);
    await ctx.plane?.stop();
    try {
      await tearDown(ctx);
    } catch (e) {
      const r = ctx.rec('teardown');
      r.status = 'failed';
      r.error = `teardown failed: ${message(e)}`;
      ctx.report.teardown = { action: r.error, ok: false };
      ctx.progress.fail(r.title, 0, r.error);
    }
    ctx.report.notExercised.push(...notExercised(ctx));
    ctx.report.finishedAt = ctx.now().toISOString();
    writeReport(ctx.root, ctx.report);
    await refreshRunbook(ctx);
  } finally {
    // never leave the emulator behind (--keep has detached it on purpose)
    await ctx.release();
  }
  return ctx.report;
}

/** The teardown runs with every region back: the fence lets everything through again, its counts kept for the report. */
function regionsBack(ctx: DrillContext): void {
  ctx.registryBack?.();
  const { fence } = ctx;
  const record = ctx.report.fence;
  if (!fence || !record) return;
  for (const region of fence.lost) fence.lift(region);
  if (record.fencedAt && !record.liftedAt) record.liftedAt = ctx.now().toISOString();
  record.forwarded = fence.forwarded;
}

/** The runbook shows the last drill's durations: written again from the model with this report in place. */
async function refreshRunbook(ctx: DrillContext): Promise<void> {
  const check = ctx.observed.check;
  if (!check) return;
  const { primary, dr } = ctx.pair;
  try {
    const out = await ctx.deps.synth([primary.name, dr.name], ctx.root);
    const jsonOf = (env: string) => {
      const file = out.find((o) => o.env === env)?.file;
      return file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TerraformJson) : undefined;
    };
    const text = runbookText(ctx.pair.ws, dr.name, check, jsonOf);
    if (text !== undefined) ctx.progress.info(`runbook: ${writeRunbook(ctx.root, dr.name, text)} (with this drill's durations)`);
  } catch (e) {
    ctx.progress.info(`runbook not written: ${message(e)}`);
  }
}
