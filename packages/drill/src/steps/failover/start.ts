/**
 * 0-1. The target and the pair: start moto (or reach the given endpoint, or nothing on real AWS),
 * then `pnpm check` of the pair, which must report no error.
 */
import { join } from 'node:path';
import type { CheckReport, DrPair } from '@parity/checks';
import { blockingFindings, findingLines, type Pair } from '@parity/dr';
import { emulatorDied, endpointUnreachable, pairNotReady, ParityError, refuseOne } from '@parity/model';
import type { DrillContext, StepHandle } from '../../context.js';
import { startFence } from '../../fence/index.js';
import { answers, MOTO_VERSION, motoVersion, startMoto } from '../../target/moto.js';
import { terraformVersion } from '../../target/terraform.js';
import type { Checked, Target } from '../values.js';

/** 0. The target: start moto, reach the given endpoint, or (real AWS) nothing. */
export async function reachTarget(ctx: DrillContext): Promise<Target> {
  const t = ctx.opts.target;
  let target: Target = {};
  if (t.kind === 'emulator') target = await ctx.step('emulator', async (s) => fenced(ctx, s, await startEmulator(ctx, s)));
  else if (t.kind === 'endpoint') {
    const endpoint = t.url.replace(/\/$/, '');
    target = await ctx.step('emulator', async (s) => {
      if (!(await answers(endpoint, 5000))) refuseOne(endpointUnreachable(endpoint));
      s.note(`${endpoint} answers`);
      return fenced(ctx, s, { endpoint });
    });
  } else {
    const r = ctx.rec('emulator');
    r.detail = 'real AWS: no emulator';
    ctx.progress.skip(r.title, 'real AWS', 1);
  }
  ctx.report.tools.terraform = (await terraformVersion(ctx.deps.terraformEnv())) ?? 'unknown';
  return target;
}

/**
 * The region fence in front of the target: every client of the drill (Terraform's provider, the SDK
 * clients, the verification) is given its URL; the loss fences the primary region there.
 */
async function fenced(ctx: DrillContext, s: StepHandle, target: { endpoint: string }): Promise<Target> {
  const fence = await startFence({
    upstream: target.endpoint,
    log: join(ctx.work, 'fenced.jsonl'),
    defaultCaller: 'a client without a caller token',
  });
  ctx.guard(fence, ctx.pair.primary.region);
  const r = ctx.rec('emulator');
  s.note(`${r.detail ?? target.endpoint}; region fence at ${fence.url} in front of it`);
  return { endpoint: fence.url };
}

async function startEmulator(ctx: DrillContext, s: StepHandle): Promise<{ endpoint: string }> {
  const m = await startMoto({ log: join(ctx.work, 'moto.log'), children: ctx.children, signal: s.signal });
  ctx.created.emulator = m;
  void m.exited.then((x) => {
    const died = emulatorDied(m.pid, x.signal ?? `code ${x.code}`, ctx.rel(m.log));
    if (!m.stopping) ctx.ctl.abort(new ParityError([died], died.message));
  });
  const v = await motoVersion();
  ctx.report.tools.moto = v ?? 'unknown';
  ctx.report.target = {
    kind: 'emulator',
    endpoint: m.url,
    description: `moto ${v ?? ''} started by the drill at ${m.url} (pid ${m.pid}), stopped afterwards`.replace('  ', ' '),
  };
  s.note(`moto ${v ?? '(version unknown)'} at ${m.url}, pid ${m.pid}`);
  if (v && v !== MOTO_VERSION)
    ctx.progress.info(`note: moto ${v}; the table of unsupported resources was established with moto ${MOTO_VERSION}`);
  return { endpoint: m.url };
}

/** The DR pair of a check report. */
export function pairOf(check: CheckReport, pair: Pair): DrPair | undefined {
  return check.dr.find((p) => p.primary === pair.primary.name && p.dr?.name === pair.dr.name);
}

/** 1. `pnpm check` of the pair: no error about either environment. */
export async function checkPair(ctx: DrillContext, target: Target): Promise<Checked> {
  const { primary, dr } = ctx.pair;
  return ctx.step('check', async (s) => {
    const check = await ctx.deps.runCheck([primary.name, dr.name], ctx.root);
    ctx.observed.check = check;
    const blocking = blockingFindings(check, [primary.name, dr.name]);
    if (blocking.length) refuseOne(pairNotReady(dr.name, findingLines(blocking)));
    const p = pairOf(check, ctx.pair);
    s.note(
      `no errors; estimated RPO ${p?.rpo?.minutes ?? '?'} min, RTO ${p?.rto?.minutes ?? '?'} min (targets ${dr.dr.rpoMinutes} / ${dr.dr.rtoMinutes} min)`,
    );
    return { ...target, check };
  });
}
