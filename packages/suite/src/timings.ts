/**
 * How long each test file took. The reporter writes `<package>/.parity/test-timings/<project>.json`
 * when a vitest run ends, one file per project (`unit`, `e2e`); turbo keeps it as the task's output,
 * so a task replayed from the cache still has its figures. `readTimings` gathers every workspace
 * package's files and `slowest` ranks the test files across them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Reporter, TestModule, Vitest } from 'vitest/node';
import { parse } from 'yaml';

/** Where a package's timings are, relative to the package. */
export const TIMINGS_DIR = join('.parity', 'test-timings');

export interface FileTiming {
  /** Relative to the package. */
  readonly file: string;
  /** Import, setup and every test and hook of the file. */
  readonly seconds: number;
  /** passed, failed, skipped. */
  readonly state: string;
}

export interface ProjectTimings {
  readonly package: string;
  /** The package's folder, relative to the repository. */
  readonly dir: string;
  readonly project: string;
  readonly files: readonly FileTiming[];
}

const round = (s: number) => Math.round(s * 10) / 10;

/** The name in a package's `package.json` (its folder when it has none). */
export function packageName(dir: string): string {
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name ?? dir;
  } catch {
    return dir;
  }
}

/** The vitest reporter: each test file's duration, written per project when the run ends. */
export class Timings implements Reporter {
  private root = process.cwd();
  private readonly byProject = new Map<string, FileTiming[]>();

  onInit(vitest: Vitest): void {
    this.root = vitest.config.root;
  }

  onTestModuleEnd(m: TestModule): void {
    const d = m.diagnostic();
    const ms = d.environmentSetupDuration + d.prepareDuration + d.collectDuration + d.setupDuration + d.duration;
    const files = this.byProject.get(m.project.name) ?? [];
    files.push({ file: relative(this.root, m.moduleId), seconds: round(ms / 1000), state: m.state() });
    this.byProject.set(m.project.name, files);
  }

  onTestRunEnd(): void {
    const dir = join(this.root, TIMINGS_DIR);
    const pkg = packageName(this.root);
    for (const [project, files] of this.byProject) {
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${project}.json`);
      const body: Omit<ProjectTimings, 'dir'> = { package: pkg, project, files };
      // a temporary name, then a rename, as @parity/io's writeFileAtomic does (a vitest config cannot
      // load the workspace's packages: every package's configuration imports this file)
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify(body, null, 2)}\n`);
      renameSync(tmp, file);
    }
  }
}

/** The workspace's package folders (`pnpm-workspace.yaml`, `<dir>/*` patterns), relative to `root`. */
export function workspaceDirs(root: string): string[] {
  const spec = parse(readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8')) as { packages?: string[] };
  const dirs: string[] = [];
  for (const pattern of spec.packages ?? []) {
    if (!pattern.endsWith('/*')) {
      dirs.push(pattern);
      continue;
    }
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(root, parent))) continue;
    for (const d of readdirSync(join(root, parent), { withFileTypes: true }))
      if (d.isDirectory() && existsSync(join(root, parent, d.name, 'package.json'))) dirs.push(`${parent}/${d.name}`);
  }
  return dirs.sort();
}

/** Every package's timings written (or restored from turbo's cache) at `since` (ms since the epoch) or later. */
export function readTimings(root: string, since = 0): ProjectTimings[] {
  const out: ProjectTimings[] = [];
  for (const dir of workspaceDirs(root)) {
    const folder = join(root, dir, TIMINGS_DIR);
    if (!existsSync(folder)) continue;
    for (const name of readdirSync(folder)
      .filter((f) => f.endsWith('.json'))
      .sort()) {
      const file = join(folder, name);
      if (statSync(file).mtimeMs < since) continue;
      try {
        const t = JSON.parse(readFileSync(file, 'utf8')) as Omit<ProjectTimings, 'dir'>;
        out.push({ ...t, dir, files: t.files ?? [] });
      } catch {
        // unreadable: a run stopped while writing; its figures are left out
      }
    }
  }
  return out;
}

export interface RankedFile extends FileTiming {
  readonly package: string;
  readonly project: string;
  /** Relative to the repository. */
  readonly path: string;
}

/** The `n` slowest test files across every package and project, slowest first. */
export function slowest(timings: readonly ProjectTimings[], n = 10): RankedFile[] {
  return timings
    .flatMap((t) => t.files.map((f) => ({ ...f, package: t.package, project: t.project, path: `${t.dir}/${f.file}` })))
    .sort((a, b) => b.seconds - a.seconds || a.path.localeCompare(b.path))
    .slice(0, n);
}

/** `3 min 12 s`, `42.5 s`. */
export function formatSeconds(s: number): string {
  if (round(s) < 60) return `${round(s)} s`;
  // whole seconds first: 719.6 s is 12 min 0 s, not 11 min 60 s
  const whole = Math.round(s);
  const m = Math.floor(whole / 60);
  return `${m} min ${whole - m * 60} s`;
}

/** The table `pnpm test` prints at its end. */
export function formatSlowest(rows: readonly RankedFile[]): string {
  if (rows.length === 0) return 'no test timings were recorded';
  const width = Math.max(...rows.map((r) => r.path.length));
  const lines = rows.map(
    (r, i) =>
      `${String(i + 1).padStart(2)}. ${r.path.padEnd(width)}  ${formatSeconds(r.seconds).padStart(12)}  ${r.project}${r.state === 'passed' ? '' : `, ${r.state}`}`,
  );
  return [`the ${rows.length} slowest test files:`, ...lines].join('\n');
}
