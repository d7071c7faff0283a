/**
 * 10. The teardown: keep everything (`--keep`), stop the drill's own emulator (which removes
 * everything made there), or destroy on a running endpoint or real AWS what the drill applied,
 * newest first, then its snapshots.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clients, deleteSnapshot } from '@parity/dr/aws';
import { placedResources } from '@parity/model/terraform';
import { type DrillContext, message } from '../../context.js';
import { stateResources } from '../../target/terraform.js';
import type { WorkCopy } from '../../context.js';

/** The environments applied so far, newest first (the DR environment before the primary). */
function applied(ctx: DrillContext): WorkCopy[] {
  const { created, pair } = ctx;
  return [pair.dr.name, pair.primary.name]
    .map((n) => created.workCopies.get(n))
    .filter((w): w is WorkCopy => !!w && stateResources(w.dir).length > 0);
}

export async function tearDown(ctx: DrillContext): Promise<void> {
  const r = ctx.rec('teardown');
  r.startedAt = ctx.now().toISOString();
  const t0 = performance.now();
  ctx.progress.start(r.title, ctx.report.steps.length, ctx.report.steps.length);
  const done = (ok: boolean, action: string): void => {
    ctx.report.teardown = { action, ok };
    r.status = ok ? 'passed' : 'failed';
    r.detail = action;
    r.durationSeconds = Math.round((performance.now() - t0) / 10) / 100;
    if (ok) ctx.progress.succeed(r.title, r.durationSeconds, action);
    else ctx.progress.fail(r.title, r.durationSeconds, action);
  };
  if (ctx.opts.keep) return done(true, keep(ctx));
  if (ctx.opts.target.kind === 'emulator') return done(true, await stopEmulator(ctx));
  const { ok, lines } = await destroyApplied(ctx);
  done(ok, lines.join('; '));
}

/** --keep: leave everything, and say how to remove it. */
function keep(ctx: DrillContext): string {
  const envs = applied(ctx).map((w) => w.env);
  const { report } = ctx;
  const moto = ctx.created.emulator;
  if (moto) {
    moto.detach();
    report.target = { ...report.target, description: report.target.description.replace('stopped afterwards', 'left running (--keep)') };
    const state = `Terraform state in ${ctx.rel(ctx.work)}/<env>/terraform.tfstate`;
    return `kept (--keep): moto_server is still running at ${moto.url} (pid ${moto.pid}) with ${envs.join(' and ') || 'nothing applied'}; ${state}. Stop it with: kill -TERM -- -${moto.pid}`;
  }
  const snaps = ctx.created.snapshots.map((x) => x.id);
  const how = envs.length ? `; destroy with: cd ${ctx.rel(ctx.work)}/<env> && terraform destroy` : '';
  return `kept (--keep): ${envs.length ? envs.join(' and ') : 'nothing was applied'}${how}${snaps.length ? `; drill snapshots ${snaps.join(', ')} kept` : ''}`;
}

/** The drill's own emulator: stopping it removes everything the drill created. */
async function stopEmulator(ctx: DrillContext): Promise<string> {
  const moto = ctx.created.emulator;
  if (!moto) return 'nothing to tear down: the emulator never started';
  const envs = applied(ctx).map((w) => w.env);
  const died = moto.hasExited && !moto.stopping && !ctx.forced;
  await moto.stop();
  if (ctx.forced) {
    return `stopped at once on a second interrupt: the emulator (moto_server pid ${moto.pid}) and every terraform process were killed; nothing the drill created outlives the emulator`;
  }
  if (died)
    return `the emulator had already exited; nothing the drill created outlives it (${envs.join(' and ') || 'nothing'} applied there); no process left`;
  const what = envs.length ? `${envs.join(' and ')}, ` : '';
  return `stopped the emulator the drill started (moto_server pid ${moto.pid}): ${what}the drill's snapshots and queue message went with it; terraform destroy was not needed`;
}

/** A running emulator or real AWS: destroy what was applied, newest first, then the drill's snapshots. */
async function destroyApplied(ctx: DrillContext): Promise<{ ok: boolean; lines: string[] }> {
  const lines: string[] = [];
  let ok = true;
  for (const w of applied(ctx)) {
    try {
      lines.push(await destroyOne(ctx, w));
    } catch (e) {
      ok = false;
      lines.push(`terraform destroy ${w.env} FAILED: ${message(e)}; state kept in ${ctx.rel(w.dir)}/terraform.tfstate`);
    }
  }
  for (const snap of ctx.created.snapshots) {
    const c = clients(snap.region, snap.endpoint);
    try {
      const deleted = await deleteSnapshot(c.rds, snap.id);
      lines.push(`snapshot ${snap.id} in ${snap.region}: ${deleted ? 'deleted' : 'already gone'}`);
    } catch (e) {
      ok = false;
      lines.push(`snapshot ${snap.id} in ${snap.region}: NOT deleted (${message(e)})`);
    } finally {
      c.destroy();
    }
  }
  if (lines.length === 0) lines.push('nothing was applied');
  return { ok, lines };
}

/** One environment destroyed, its databases' deletion protection lifted first. */
async function destroyOne(ctx: DrillContext, w: WorkCopy): Promise<string> {
  const tf = ctx.tfCtx(ctx.teardownCtl.signal);
  const onProgress = (t: string) => ctx.progress.update(`${w.env}: ${t}`);
  const protectedDbs = placedResources(w.json, 'aws_db_instance').filter((d) => d.body.deletion_protection === true);
  if (protectedDbs.length) {
    onProgress('lifting deletion protection');
    const lift = Object.fromEntries(
      protectedDbs.map((d) => [d.name, { deletion_protection: false, skip_final_snapshot: true, delete_automated_backups: true }]),
    );
    writeFileSync(join(w.dir, 'zz_teardown_override.tf.json'), `${JSON.stringify({ resource: { aws_db_instance: lift } }, null, 2)}\n`);
    await ctx.terraform.apply(w.dir, tf, `${w.env} teardown`, onProgress);
  }
  const d = await ctx.terraform.destroy(w.dir, tf, w.env, onProgress);
  return `terraform destroy ${w.env}: ${d.destroyed} resources destroyed${protectedDbs.length ? ' (deletion protection lifted first)' : ''}`;
}
