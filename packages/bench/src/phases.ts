/**
 * Child process of the benchmark: where the time of synthesizing one environment goes, with
 * performance.now() around each phase, in the order the command line runs them
 * (packages/cli/bin/parity.js, commands/synth.ts, packages/synth synth.ts; the steps are
 * repeated here, so keep them in step). It runs compiled, as `pnpm synth` does: the benchmark
 * starts it as `node packages/bench/.parity-js/phases.js` once the launcher has compiled the
 * workspace. Nothing heavy is imported statically, so the process start is what precedes line one.
 *
 * cdktn's synthesis is split by wrapping its methods for this process only: runAllValidations,
 * toTerraform (token resolution, producing the JSON), fs.writeFileSync (the stack and manifest
 * files) and App-level validation; the rest of synthesizeSingleStack() is aspects, annotations
 * and the stable JSON writer (safe-stable-stringify in cdktn).
 *
 * Then the steady state: the same environments synthesized again, `repeat` times each, in the
 * same process (what every environment after the first costs in a fleet).
 *
 * Usage: PARITY_ROOT=<ws> BENCH_SPAWN_EPOCH_MS=<Date.now() at spawn> node phases.js <aws-env> <gcp-env> [repeat]
 */
const top = performance.now();
const spawnEpoch = Number(process.env.BENCH_SPAWN_EPOCH_MS);

type Phases = Record<string, number>;
const startup: Phases = {};
if (Number.isFinite(spawnEpoch)) {
  startup['process start: spawn until node starts'] = performance.timeOrigin - spawnEpoch;
  startup['process start: node boot, load this module'] = top;
}

async function timed<T>(into: Phases, name: string, fn: () => T | Promise<T>): Promise<T> {
  const s = performance.now();
  try {
    return await fn();
  } finally {
    into[name] = (into[name] ?? 0) + performance.now() - s;
  }
}

const [awsName, gcpName, repeatArg] = process.argv.slice(2);
const repeat = Number(repeatArg ?? 10);
const root = process.env.PARITY_ROOT;
if (!root || !awsName || !gcpName) throw new Error('usage: PARITY_ROOT=<ws> node phases.js <aws-env> <gcp-env> [repeat]');

const { createRequire } = await import('node:module');
const fs = await import('node:fs');
const { join } = await import('node:path');
const { pathToFileURL } = await import('node:url');
const nodeRequire = createRequire(import.meta.url);
const cjsFs = nodeRequire('fs') as typeof import('node:fs');

const first: Phases = {};
// What bin/parity.js does before anything else: check the compiled output is current.
const compilePath = join(root, 'packages', 'cli', 'bin', 'compile.js');
await timed(first, 'launcher: compiled JavaScript up to date? (stat every source)', async () => {
  const { ensureCompiled } = (await import(pathToFileURL(compilePath).href)) as {
    ensureCompiled(root: string): Promise<{ compiled: number }>;
  };
  const r = await ensureCompiled(root);
  if (r.compiled) throw new Error(`phases: the workspace was not compiled beforehand (${r.compiled} files compiled now)`);
});
const model = await timed(first, 'import @parity/model (zod, yaml, region catalog)', () => import('@parity/model'));
const ws = await timed(first, `load workspace (definition, manifests, bundle contracts)`, () => model.loadWorkspace(root));
const manifests = ws.manifests.size;

const fromSynth = createRequire(import.meta.resolve('@parity/synth'));
/** The part of cdktn used here (the bench does not depend on cdktn itself: it uses @parity/synth's copy). */
interface Core {
  App: new (o: { outdir: string; skipValidation: boolean }) => { node: { validate(): string[] } };
  TerraformStack: { prototype: { runAllValidations(): void; toTerraform(): unknown } };
}
const core = await timed(first, 'import cdktn + constructs', async () => {
  await import(pathToFileURL(fromSynth.resolve('constructs')).href);
  return (await import(pathToFileURL(fromSynth.resolve('cdktn')).href)) as Core;
});
const synth = await timed(first, 'import @parity/synth (AWS and Google provider classes)', () => import('@parity/synth'));
const cache = await import('@parity/synth/cache');

// Wrap cdktn's synth steps (this process only).
let current: Phases = first;
function wrap<O extends object>(obj: O, key: keyof O & string, name: string): void {
  const orig = obj[key] as unknown as (...a: unknown[]) => unknown;
  (obj as Record<string, unknown>)[key] = function (this: unknown, ...args: unknown[]) {
    const s = performance.now();
    try {
      return orig.apply(this, args);
    } finally {
      current[name] = (current[name] ?? 0) + performance.now() - s;
    }
  };
}
const SYNTH = {
  validate: 'synth: runAllValidations (per construct)',
  toTerraform: 'synth: toTerraform (token resolution)',
  write: 'synth: fs.writeFileSync (stack JSON, manifest)',
  appValidate: 'synth: App node.validate()',
  total: 'synth: synthesizeSingleStack() total',
  rest: 'synth: rest (aspects, annotations, stable JSON)',
} as const;
wrap(core.TerraformStack.prototype, 'runAllValidations', SYNTH.validate);
wrap(core.TerraformStack.prototype, 'toTerraform', SYNTH.toTerraform);
wrap(cjsFs, 'writeFileSync', SYNTH.write);

let hasher: InstanceType<typeof cache.InputHasher> | undefined;
const scratch = fs.mkdtempSync(join(root, '.bench-phases-'));
let serial = 0;

type Scope = Parameters<typeof synth.synthesizeSingleStack>[0];
async function synthOne(name: string, into: Phases): Promise<void> {
  current = into;
  const { envs, issues } = await timed(into, 'resolve the environment', () => model.resolveEnvironments(ws, [name]));
  const env = envs[0];
  if (!env) throw new Error(`${name}: ${issues.map((i) => i.message).join('; ')}`);
  await timed(into, 'input hash (incremental cache)', () => {
    hasher ??= new cache.InputHasher(root!);
    return hasher.envHash(env);
  });
  const impls = await timed(into, 'load implementations (bundle modules, provider resource classes)', () =>
    synth.loadImplementations(root!, env),
  );
  const outdir = join(scratch, `${name}-${serial++}`);
  const { app, stack } = await timed(into, 'construct tree (App + EnvironmentStack)', () =>
    synth.withoutTokenTraces(() => {
      const a = new core.App({ outdir, skipValidation: false }) as unknown as Scope;
      return { app: a, stack: new synth.EnvironmentStack(a, env, impls) };
    }),
  );
  wrap((app as unknown as { node: { validate(): string[] } }).node, 'validate', SYNTH.appValidate);
  into[SYNTH.total] ??= 0; // listed before its parts
  const before = { ...into };
  await timed(into, SYNTH.total, () => synth.withoutTokenTraces(() => synth.synthesizeSingleStack(app, stack)));
  const inner = [SYNTH.validate, SYNTH.toTerraform, SYNTH.write, SYNTH.appValidate].reduce(
    (a, k) => a + (into[k] ?? 0) - (before[k] ?? 0),
    0,
  );
  into[SYNTH.rest] = (into[SYNTH.rest] ?? 0) + (into[SYNTH.total]! - (before[SYNTH.total] ?? 0)) - inner;
  await timed(into, 'marker + rename into place', () => {
    fs.writeFileSync(join(outdir, '.parity-inputs.json'), '{}\n');
    fs.renameSync(outdir, `${outdir}.done`);
  });
  current = {};
}

const firstGcp: Phases = {};
try {
  await synthOne(awsName, first);
  await synthOne(gcpName, firstGcp);
  const steady: Record<'aws' | 'gcp', Phases[]> = { aws: [], gcp: [] };
  for (let i = 0; i < repeat; i++) {
    const a: Phases = {};
    await synthOne(awsName, a);
    steady.aws.push(a);
    const g: Phases = {};
    await synthOne(gcpName, g);
    steady.gcp.push(g);
  }
  const median = (xs: number[]) => {
    const s = [...xs].sort((x, y) => x - y);
    const m = Math.floor(s.length / 2);
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const med = (runs: Phases[]): Phases =>
    Object.fromEntries(Object.keys(runs[0] ?? {}).map((k) => [k, median(runs.map((r) => r[k] ?? 0))]));
  const stackBytes = fs.statSync(join(scratch, `${awsName}-0.done`, 'stacks', awsName, 'cdk.tf.json')).size;
  process.stdout.write(
    `${JSON.stringify({ awsEnv: awsName, gcpEnv: gcpName, manifests, repeat, stackBytes, startup, first, firstGcp, steadyAws: med(steady.aws), steadyGcp: med(steady.gcp), totalMs: performance.now() })}\n`,
  );
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
