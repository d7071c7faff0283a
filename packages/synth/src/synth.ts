/**
 * Synthesis of many environments in one process, incrementally: an environment whose inputs
 * (resolved manifest, versions and contents of its bundles, the lockfile, Parity's own code)
 * are unchanged is not synthesized again.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { App, Testing } from 'cdktf';
import type { ResolvedEnvironment } from '@parity/model';
import { loadImplementations } from './load.js';
import { EnvironmentStack } from './stack.js';

export const OUT_DIR = 'cdktf.out';
const MARKER = '.parity-inputs.json';

/** Where an environment's Terraform JSON is written. */
export function stackFile(root: string, env: string): string {
  return join(root, 'environments', env, OUT_DIR, 'stacks', env, 'cdk.tf.json');
}

/** Synthesize in memory and return the parsed Terraform JSON (tests, diffs). */
export async function synthToJson(root: string, env: ResolvedEnvironment): Promise<TerraformJson> {
  const impls = await loadImplementations(root, env);
  const app = Testing.app();
  const stack = new EnvironmentStack(app, env, impls);
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

export interface TerraformJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  provider?: Record<string, Array<Record<string, unknown>>>;
  output?: Record<string, Record<string, unknown>>;
  terraform?: Record<string, unknown>;
  [key: string]: unknown;
}

function hashFiles(dir: string, h = createHash('sha256'), base = dir): ReturnType<typeof createHash> {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.') || entry.name.endsWith('.test.ts')) continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) hashFiles(p, h, base);
    else {
      h.update(p.slice(base.length));
      h.update(readFileSync(p));
    }
  }
  return h;
}

/** Content hashes of packages, computed once per run. */
export class InputHasher {
  private readonly packages = new Map<string, string>();
  private readonly require: NodeRequire;
  private readonly base: string;

  constructor(private readonly root: string) {
    this.require = createRequire(join(root, 'package.json'));
    const lock = join(root, 'pnpm-lock.yaml');
    const h = createHash('sha256');
    h.update(existsSync(lock) ? readFileSync(lock) : '');
    // Parity's own code shapes the output too: the model (naming) and this module.
    h.update(this.packageHash(join(dirname(new URL(import.meta.url).pathname), '..')));
    h.update(this.packageHash(dirname(dirname(this.require.resolve('@parity/model')))));
    this.base = h.digest('hex');
  }

  packageHash(dir: string): string {
    let v = this.packages.get(dir);
    if (!v) {
      v = statSync(dir).isDirectory() ? hashFiles(dir).digest('hex') : '';
      this.packages.set(dir, v);
    }
    return v;
  }

  bundleHash(pkg: string): string {
    const entry = this.require.resolve(pkg);
    let dir = dirname(entry);
    while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
    return this.packageHash(dir);
  }

  envHash(env: ResolvedEnvironment): string {
    const h = createHash('sha256');
    h.update(this.base);
    h.update(JSON.stringify(env));
    for (const b of env.bundles) h.update(`${b.package}@${b.version}:${this.bundleHash(b.package)}`);
    return h.digest('hex');
  }
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
  opts: { force?: boolean; onResult?: (r: SynthResult) => void } = {},
): Promise<SynthResult[]> {
  const hasher = new InputHasher(root);
  const results: SynthResult[] = [];
  for (const env of envs) {
    const start = performance.now();
    const outdir = join(root, 'environments', env.name, OUT_DIR);
    const hash = hasher.envHash(env);
    const markerPath = join(outdir, MARKER);
    const file = stackFile(root, env.name);
    if (!opts.force && existsSync(markerPath) && existsSync(file)) {
      const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as { hash?: string };
      if (marker.hash === hash) {
        const r: SynthResult = { env: env.name, file, status: 'unchanged', ms: performance.now() - start };
        results.push(r);
        opts.onResult?.(r);
        continue;
      }
    }
    const impls = await loadImplementations(root, env);
    const tmp = `${outdir}.tmp-${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    try {
      const app = new App({ outdir: tmp, skipValidation: false });
      new EnvironmentStack(app, env, impls);
      app.synth();
      writeFileSync(join(tmp, MARKER), `${JSON.stringify({ hash, bundles: env.bundles.map((b) => `${b.package}@${b.version}`) }, null, 2)}\n`);
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
