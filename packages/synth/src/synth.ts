/**
 * Synthesis of many environments in one process, incrementally: an environment whose inputs
 * (resolved manifest, versions and contents of its bundles, the lockfile, Parity's own code)
 * are unchanged is not synthesized again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic } from '@parity/io';
import { App, TerraformStack, Testing } from 'cdktn';
import type { ResolvedEnvironment } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';

export type { TerraformJson } from '@parity/model/terraform';
import { InputHasher, isUpToDate, MARKER, OUT_DIR, stackDigest, stackFile } from './cache.js';
import { loadImplementations } from './load.js';
import { EnvironmentStack } from './stack.js';

/**
 * The CDK core records, for every token it creates, the stack where it was created (an unlimited
 * `Error.captureStackTrace`, formatted to strings at once), only to name it in an error message
 * should that token fail to resolve. Capturing and formatting those traces is a quarter of
 * synthesis (`pnpm bench` profiles it). cdktn reads `CDKTN_DISABLE_CREATION_STACK` each time it
 * would capture one (its `captureCreationStack`), so setting it for the duration of a synthesis
 * removes the cost through the core's own switch. (cdktf 0.21 had none: Parity swapped a private
 * module's export instead.)
 */
const CREATION_STACK_OFF = 'CDKTN_DISABLE_CREATION_STACK';

/**
 * Run `fn` without recording where the core's tokens were created (above). Errors thrown meanwhile
 * keep their messages and their own stacks; set PARITY_DEBUG=1 to keep token traces too.
 */
export function withoutTokenTraces<T>(fn: () => T): T {
  if (process.env.PARITY_DEBUG) return fn();
  const before = process.env[CREATION_STACK_OFF];
  process.env[CREATION_STACK_OFF] = '1';
  try {
    return fn();
  } finally {
    if (before === undefined) delete process.env[CREATION_STACK_OFF];
    else process.env[CREATION_STACK_OFF] = before;
  }
}

/**
 * `App.synth()` for an app that holds one stack, less `prepareStack()`'s extra resolve pass over
 * every element. That pass finds references between stacks (to wire remote state), and an
 * environment is a single stack, so it finds none; skipping it saves a third of synthesis
 * (`pnpm bench`, which also checks the output is byte-identical to `cdktn synth`'s). The session
 * says the stack is prepared (`stacksPrepared`, as `App.synth()` says after its own pass), or
 * cdktn's synthesizer would run the pass itself.
 *
 * What else that pass does in cdktn: it records which Terraform functions and provider features
 * the stack uses, for validations against a project's declared `targetVersions` (cdktf.json).
 * Parity declares none and runs the real `terraform validate` instead (`pnpm validate`), which
 * refuses a function the pinned Terraform does not have. The rest is the core's own: the stack's
 * synthesizer (aspects, validations, annotations, stable JSON), the app's validations and
 * manifest.json.
 */
export function synthesizeSingleStack(app: App, stack: TerraformStack): void {
  const stacks = app.node.children.filter((c) => TerraformStack.isStack(c));
  if (stacks.length !== 1 || stacks[0] !== stack)
    throw new Error(`synthesizeSingleStack: the app must hold exactly this stack (it holds ${stacks.length})`);
  stack.ensureBackendExists();
  stack.synthesizer.synthesize({ outdir: app.outdir, skipValidation: false, manifest: app.manifest, stacksPrepared: true });
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
