/**
 * The drill figure of `pnpm bench`: the wall time of one pilot-light drill and one backup & restore
 * drill of the example fleet, run as users run them: `parity drill <dr-env> --json` through the
 * launcher, which starts its own moto on a free port and stops it, in a throwaway copy of the
 * workspace holding the example environments. The pairs are the first AWS pair of each strategy
 * that `parity check --json` reports. A benchmark's own run, never a test: a slow drill is a figure,
 * a failed one is reported with the step it failed at.
 */
import { join } from 'node:path';
import { measure, median, type Run, summarize } from './measure.js';
import type { DrillFigure } from './report.js';

/** The strategies the figure covers, in order. */
export const DRILL_STRATEGIES = ['pilot-light', 'backup-restore'] as const;

/** What the figure reads of `parity check --json`. */
interface CheckJson {
  envs: Array<{ name: string; cloud: string }>;
  dr: Array<{ primary: string; strategy: string; dr?: { name: string } }>;
}

/** What the figure reads of a drill's `--json` report. */
interface DrillJson {
  status: string;
  failedStep?: string;
  steps: Array<{ id: string; status: string; durationSeconds?: number }>;
  rto?: { measuredMinutes: number };
}

export interface DrillPair {
  readonly drEnv: string;
  readonly primary: string;
  readonly strategy: string;
}

/** The first AWS dr pair of each strategy of DRILL_STRATEGIES (the emulator is AWS's). */
export function drillPairs(check: CheckJson): DrillPair[] {
  const aws = new Set(check.envs.filter((e) => e.cloud === 'aws').map((e) => e.name));
  return DRILL_STRATEGIES.flatMap((strategy) => {
    const p = check.dr.find((x) => x.strategy === strategy && x.dr && aws.has(x.dr.name) && aws.has(x.primary));
    return p?.dr ? [{ drEnv: p.dr.name, primary: p.primary, strategy }] : [];
  });
}

/** One drill's figure from its runs: the median wall time, and the last run's report. */
export function drillFigure(pair: DrillPair, samples: readonly Run[]): DrillFigure {
  const reports = samples.map((r) => {
    try {
      return JSON.parse(r.stdout) as DrillJson;
    } catch {
      return undefined;
    }
  });
  const last = reports.at(-1);
  const f = summarize(samples);
  return {
    ...pair,
    runs: samples.length,
    wallMs: f.wallMs,
    wallsMs: f.wallsMs,
    cpuMs: f.cpuMs,
    treeRssMiB: f.treeRssMiB,
    status: last?.status ?? `no report (exit ${samples.at(-1)?.code ?? '?'})`,
    ...(last?.failedStep ? { failedStep: last.failedStep } : {}),
    steps: (last?.steps ?? []).filter((s) => s.durationSeconds !== undefined).map((s) => ({ id: s.id, seconds: s.durationSeconds! })),
    ...(last?.rto ? { rtoMinutes: median(reports.flatMap((r) => (r?.rto ? [r.rto.measuredMinutes] : []))) } : {}),
  };
}

export interface DrillBench {
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  readonly runs: number;
  readonly log: (line: string) => void;
}

/** The drill figure: each pair's drill `runs` times, one after the other (never two drills at once: the figure is one drill's time). */
export async function benchDrills({ root, env, runs, log }: DrillBench): Promise<DrillFigure[]> {
  const bin = join(root, 'packages', 'cli', 'bin', 'parity.js');
  const check = await measure(process.execPath, [bin, 'check', '--json'], { cwd: root, env });
  const pairs = drillPairs(JSON.parse(check.stdout) as CheckJson);
  const missing = DRILL_STRATEGIES.filter((s) => !pairs.some((p) => p.strategy === s));
  if (missing.length) log(`  no AWS dr pair of ${missing.join(', ')} in the example fleet: not measured`);
  const out: DrillFigure[] = [];
  for (const pair of pairs) {
    const samples: Run[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await measure(process.execPath, [bin, 'drill', pair.drEnv, '--json'], { cwd: root, env, timeoutMs: 60 * 60_000 });
      samples.push(r);
      log(
        `  drill ${pair.drEnv} (${pair.strategy}, recovers ${pair.primary}), run ${i + 1}: exit ${r.code}, ${(r.wallMs / 1000).toFixed(0)} s`,
      );
    }
    out.push(drillFigure(pair, samples));
  }
  return out;
}
