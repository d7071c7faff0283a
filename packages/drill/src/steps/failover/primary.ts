/** 2. The primary, applied from the project's own synth output. */
import { existsSync, readFileSync } from 'node:fs';
import { refuseOne, synthFailed } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import type { DrillContext } from '../../context.js';
import { applyWorkCopy, prepare } from '../../target/work-copy.js';
import type { Checked, PrimaryApplied } from '../values.js';
import { startData, WRITES_PER_SECOND } from '../data.js';
import { pairOf } from './start.js';

export async function applyPrimary(ctx: DrillContext, checked: Checked): Promise<PrimaryApplied> {
  const { primary } = ctx.pair;
  return ctx.step('apply-primary', async (s) => {
    s.update('synth');
    const out = await ctx.deps.synth([primary.name], ctx.root);
    const file = out.find((o) => o.env === primary.name)?.file;
    if (!file || !existsSync(file))
      refuseOne(synthFailed(primary.name, file ?? `environments/${primary.name}`, 'no stack file was written'));
    const json = JSON.parse(readFileSync(file, 'utf8')) as TerraformJson;
    // loaded now, so that the recovery clock measures recovery, not module loading
    await import('@parity/synth');
    const providers = json.terraform?.required_providers as Record<string, { version?: string }> | undefined;
    ctx.report.tools['hashicorp/aws'] = String(providers?.aws?.version ?? 'unknown');
    // the data plane first: its writer is under load for the whole drill, the apply's minutes included
    const data = await startData(ctx, s, pairOf(checked.check, ctx.pair));
    const w = prepare(ctx, checked.endpoint, primary, json);
    await applyWorkCopy(ctx, w, s);
    const applied = ctx.rec('apply-primary').detail;
    s.note(
      `${applied}; data plane: ${data.record.engine} primary, ${data.writer.marker} written at ${WRITES_PER_SECOND}/s${data.shipping ? `, ${data.record.mechanism} (${data.record.scale})` : ''}`,
    );
    return { ...checked, value: 'primary', primary: w, data };
  });
}
