/**
 * Synthesis of many environments in one process, incrementally: an environment whose inputs
 * (resolved manifest, versions and contents of its bundles, the lockfile, Parity's own code)
 * are unchanged is not synthesized again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { writeDirAtomic } from '@parity/io';
import { App, TerraformStack, Testing } from 'cdktf';
import type { ResolvedEnvironment } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';

export type { TerraformJson } from '@parity/model/terraform';
import { InputHasher, isUpToDate, MARKER, OUT_DIR, stackDigest, stackFile } from './cache.js';
import { loadImplementations } from './load.js';
import { EnvironmentStack } from './stack.js';

/**
 * cdktf records, for every token it creates, the stack where it was created (an unlimited
 * `Error.captureStackTrace`, formatted to strings at once), only to name it in an error message
 * should that token fail to resolve. Capturing and formatting those traces is a quarter of
 * synthesis (`pnpm bench` profiles it). The function lives in a private module that cdktf's token
 * classes call through its exports object, so swapping that export off for the duration of a
 * synthesis removes the cost; cdktf is archived at 0.21.0, so the module will not move.
 */
const tokenTraces = createRequire(import.meta.url)('cdktf/lib/tokens/private/stack-trace.js') as {
  captureStackTrace: (below?: unknown) => string[];
};
const captureTokenTrace = tokenTraces.captureStackTrace;
const noTrace = (): string[] => [];

/**
 * Run `fn` without recording where cdktf's tokens were created (above). Errors thrown meanwhile
 * keep their messages and their own stacks; set PARITY_DEBUG=1 to keep token traces too.
 */
export function withoutTokenTraces<T>(fn: () => T): T {
  if (process.env.PARITY_DEBUG) return fn();
  tokenTraces.captureStackTrace = noTrace;
  try {
    return fn();
  } finally {
    tokenTraces.captureStackTrace = captureTokenTrace;
  }
}

/**
 * `App.synth()` for an app that holds one stack, less `prepareStack()`'s extra resolve pass over
 * every element. That pass only finds references between stacks (to wire remote state), and an
 * environment is a single stack, so it finds none; skipping it saves a third of synthesis
 * (`pnpm bench`, which also checks the output is byte-identical to `cdktf synth`'s). The rest is
 * cdktf's own: the stack's synthesizer (aspects, validations, annotations, json-stable-stringify),
 * the app's validations and manifest.json.
 */
export function synthesizeSingleStack(app: App, stack: TerraformStack): void {
  const stacks = app.node.children.filter((c) => TerraformStack.isStack(c));
  if (stacks.length !== 1 || stacks[0] !== stack)
    throw new Error(`synthesizeSingleStack: the app must hold exactly this stack (it holds ${stacks.length})`);
  stack.ensureBackendExists();
  stack.synthesizer.synthesize({ outdir: app.outdir, skipValidation: false, manifest: app.manifest });
  const errors = app.node.validate();
  if (errors.length) throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  app.manifest.writeToFile();
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

export interface SynthResult {
  readonly env: string;
  readonly file: string;
  readonly status: 'synthesized' | 'unchanged';
  readonly ms: number;
}

export interface SynthOptions {
  /** Synthesize even when the output's input hash matches. */
  force?: boolean;
  /** Called as each environment is done. */
  onResult?: (r: SynthResult) => void;
  /** Input hashes (an InputHasher shared with the caller, or precomputed ones). */
  hasher?: Pick<InputHasher, 'envHash'>;
}

/**
 * Synthesize environments into `environments/<name>/cdktf.out`. Output is written to a temporary
 * folder and renamed into place, so a failure never leaves a half-written stack.
 */
export async function synthEnvironments(
  root: string,
  envs: readonly ResolvedEnvironment[],
  opts: SynthOptions = {},
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
    writeDirAtomic(
      outdir,
      (tmp) => {
        withoutTokenTraces(() => {
          const app = new App({ outdir: tmp, skipValidation: false });
          synthesizeSingleStack(app, new EnvironmentStack(app, env, impls));
        });
        const stack = readFileSync(join(tmp, 'stacks', env.name, 'cdk.tf.json'));
        writeFileSync(
          join(tmp, MARKER),
          `${JSON.stringify({ hash, stack: stackDigest(stack), bundles: env.bundles.map((b) => `${b.package}@${b.version}${b.pinned ? ' (pinned)' : ''}`) }, null, 2)}\n`,
        );
      },
      { replace: true },
    );
    const r: SynthResult = { env: env.name, file, status: 'synthesized', ms: performance.now() - start };
    results.push(r);
    opts.onResult?.(r);
  }
  return results;
}
