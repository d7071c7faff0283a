/**
 * Synthesis of many environments in one process, incrementally: an environment whose inputs
 * (resolved manifest, versions and contents of its bundles, the lockfile, Parity's own code)
 * are unchanged is not synthesized again.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { App, Testing } from 'cdktf';
import type { ResolvedEnvironment } from '@parity/model';
import { InputHasher, isUpToDate, MARKER, OUT_DIR, stackFile } from './cache.js';
import { loadImplementations } from './load.js';
import { EnvironmentStack } from './stack.js';

/**
 * Run `fn` without the stack trace cdktf captures for every token it creates: formatting those
 * traces is most of the cost of building a construct tree (measured by `pnpm bench`). Errors
 * thrown meanwhile keep their messages; set PARITY_DEBUG=1 to keep full traces.
 */
export function withoutTokenTraces<T>(fn: () => T): T {
  if (process.env.PARITY_DEBUG) return fn();
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return fn();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Synthesize in memory and return the parsed Terraform JSON (tests, diffs). */
export async function synthToJson(root: string, env: ResolvedEnvironment): Promise<TerraformJson> {
  const impls = await loadImplementations(root, env);
  return withoutTokenTraces(() => {
    const app = Testing.app();
    const stack = new EnvironmentStack(app, env, impls);
    return JSON.parse(Testing.synth(stack)) as TerraformJson;
  });
}

export interface TerraformJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  provider?: Record<string, Array<Record<string, unknown>>>;
  output?: Record<string, Record<string, unknown>>;
  terraform?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface SynthResult {
  readonly env: string;
  readonly file: string;
  readonly status: 'synthesized' | 'unchanged';
  readonly ms: number;
}

/**
 * Synthesize environments into `environments/<name>/cdktf.out`. Output is written to a temporary
 * folder and renamed into place, so a failure never leaves a half-written stack.
 */
export async function synthEnvironments(
  root: string,
  envs: readonly ResolvedEnvironment[],
  opts: { force?: boolean; onResult?: (r: SynthResult) => void; hasher?: InputHasher } = {},
): Promise<SynthResult[]> {
  const hasher = opts.hasher ?? new InputHasher(root);
  const results: SynthResult[] = [];
  for (const env of envs) {
    const start = performance.now();
    const outdir = join(root, 'environments', env.name, OUT_DIR);
    const hash = hasher.envHash(env);
    const file = stackFile(root, env.name);
    if (!opts.force && isUpToDate(root, env.name, hash)) {
      const r: SynthResult = { env: env.name, file, status: 'unchanged', ms: performance.now() - start };
      results.push(r);
      opts.onResult?.(r);
      continue;
    }
    const impls = await loadImplementations(root, env);
    const tmp = `${outdir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      withoutTokenTraces(() => {
        const app = new App({ outdir: tmp, skipValidation: false });
        new EnvironmentStack(app, env, impls);
        app.synth();
      });
      writeFileSync(join(tmp, MARKER), `${JSON.stringify({ hash, bundles: env.bundles.map((b) => `${b.package}@${b.version}${b.pinned ? ' (pinned)' : ''}`) }, null, 2)}\n`);
      mkdirSync(dirname(outdir), { recursive: true });
      rmSync(outdir, { recursive: true, force: true });
      renameSync(tmp, outdir);
    } catch (e) {
      rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    const r: SynthResult = { env: env.name, file, status: 'synthesized', ms: performance.now() - start };
    results.push(r);
    opts.onResult?.(r);
  }
  return results;
}
