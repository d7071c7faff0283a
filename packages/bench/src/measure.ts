/**
 * Measuring a child process: wall time (hrtime around spawn → exit), CPU time (user + sys of the
 * process and every descendant it waited for, from GNU time), and peak memory two ways: the
 * largest single process (GNU time's %M, ru_maxrss) and the whole process tree, summed, sampled
 * from /proc every 25 ms (cdktf-cli and tsx both run more than one process at once).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Sample {
  readonly wallMs: number;
  readonly userMs: number;
  readonly sysMs: number;
  readonly cpuMs: number;
  /** Peak RSS of the largest single process (ru_maxrss), MiB. */
  readonly maxRssMiB: number;
  /** Peak of the summed RSS of the whole process tree, sampled, MiB (at least maxRssMiB). */
  readonly treeRssMiB: number;
  readonly code: number;
}

export interface Run extends Sample {
  readonly stdout: string;
  readonly stderr: string;
}

const PAGE = 4096;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** Summed RSS (bytes) of every descendant of `pid` (not `pid` itself). */
export function descendantsRss(pid: number): number {
  let total = 0;
  const stack = [pid];
  const seen = new Set<number>();
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    if (p !== pid) {
      const statm = read(`/proc/${p}/statm`);
      if (statm) total += Number(statm.split(' ')[1]) * PAGE;
    }
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of tasks) {
      const kids = read(`/proc/${p}/task/${t}/children`);
      if (kids) for (const k of kids.trim().split(/\s+/).filter(Boolean)) stack.push(Number(k));
    }
  }
  return total;
}

let scratch: string | undefined;

/** Remove the folder GNU time writes its figures to. */
export function cleanupMeasure(): void {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
}

export interface MeasureOptions {
  readonly cwd: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Kill the process after this long. @default 30 min */
  readonly timeoutMs?: number;
}

/** Run `cmd args` under GNU time, sampling the tree's memory, and return the figures and output. */
export function measure(cmd: string, args: readonly string[], opts: MeasureOptions): Promise<Run> {
  scratch ??= mkdtempSync(join(tmpdir(), 'parity-bench-time-'));
  const out = join(scratch, `time-${process.pid}-${Math.random().toString(36).slice(2)}`);
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn('/usr/bin/time', ['-f', '%e %U %S %M', '-o', out, cmd, ...args], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let tree = 0;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const sampler = setInterval(() => {
      if (child.pid) tree = Math.max(tree, descendantsRss(child.pid));
    }, 25);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30 * 60_000);
    child.on('error', (e) => {
      clearInterval(sampler);
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      const wallMs = performance.now() - start;
      clearInterval(sampler);
      clearTimeout(timer);
      const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
      rmSync(out, { force: true });
      // GNU time writes "Command exited with non-zero status N" before the figures.
      const line = text.trim().split('\n').pop() ?? '';
      const [, u, s, m] = line.split(' ').map(Number);
      if (u === undefined || s === undefined || m === undefined || Number.isNaN(u)) {
        reject(new Error(`${cmd} ${args.join(' ')}: no figures from /usr/bin/time (${text.trim() || 'empty'})\n${stderr.slice(-2000)}`));
        return;
      }
      const maxRssMiB = m / 1024;
      resolve({
        wallMs,
        userMs: u * 1000,
        sysMs: s * 1000,
        cpuMs: (u + s) * 1000,
        maxRssMiB,
        treeRssMiB: Math.max(tree / 2 ** 20, maxRssMiB),
        code: code ?? 1,
        stdout,
        stderr,
      });
    });
  });
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Figures {
  /** Medians, each figure on its own. */
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly userMs: number;
  readonly sysMs: number;
  readonly maxRssMiB: number;
  readonly treeRssMiB: number;
  readonly runs: number;
  /** Every run's wall time, for spread. */
  readonly wallsMs: number[];
}

export function summarize(samples: readonly Sample[]): Figures {
  const m = (k: keyof Sample) => median(samples.map((s) => s[k] as number));
  return {
    wallMs: m('wallMs'),
    cpuMs: m('cpuMs'),
    userMs: m('userMs'),
    sysMs: m('sysMs'),
    maxRssMiB: m('maxRssMiB'),
    treeRssMiB: m('treeRssMiB'),
    runs: samples.length,
    wallsMs: samples.map((s) => Math.round(s.wallMs)),
  };
}

/** Least-squares line through (x, y): y = intercept + slope · x. */
export function fitLine(points: ReadonlyArray<readonly [number, number]>): { slope: number; intercept: number } {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const slope = sxx === 0 ? Number.NaN : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}
