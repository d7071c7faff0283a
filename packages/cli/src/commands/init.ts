/**
 * `pnpm parity init`: adopt the template. Checks the options and a clean git tree, rewrites every
 * file that carries the names, drops the example fleet if asked, then (in fresh processes, since
 * the sources just changed) installs, writes the schemas and stamps the first fleet. Prints the
 * next steps. Run again with the same options, it changes nothing.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pc from 'picocolors';
import { runChecked, writeFileAtomic } from '@parity/io';
import { firstFleet, initProblems, planInit, renamesAdopted, type FleetEnv, type InitOptions, type InitPlan } from '@parity/generator';
import { findRoot, initRenamesAdopted, issue, ParityError, shortCode, type Cloud } from '@parity/model';

export interface InitFlags {
  platform?: string;
  scope?: string;
  registry?: string;
  cloud?: string;
  regions?: string;
  examples?: string;
  install?: boolean;
  /** Rename a workspace that was adopted already. */
  force?: boolean;
}

/** Ask for what the flags leave out, when a person is at a terminal; otherwise the flags must say it. */
async function complete(flags: InitFlags): Promise<InitOptions> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const missing = (['platform', 'scope'] as const).filter((k) => !flags[k]);
  if (missing.length > 0 && !interactive) {
    throw new ParityError(
      missing.map((k) =>
        issue({
          kind: 'init-flag',
          file: '(command line)',
          path: `--${k}`,
          message: `--${k} is required when not at a terminal`,
          fix: k === 'platform' ? '--platform globex' : '--scope @globex',
        }),
      ),
      'cannot init',
    );
  }
  const ask = interactive ? await import('@inquirer/prompts') : undefined;
  const platform = flags.platform ?? (await ask!.input({ message: 'Platform name (starts every resource name)', required: true }));
  const scope = flags.scope ?? (await ask!.input({ message: 'npm scope of the packages', default: `@${platform}`, required: true }));
  const cloud =
    flags.cloud ?? (ask && !flags.regions ? await ask.select({ message: 'Default cloud', choices: ['aws', 'gcp'] }) : undefined);
  const regions =
    flags.regions ?? (ask ? await ask.input({ message: 'Regions of the first fleet (comma-separated; empty for none)' }) : undefined);
  const examples = flags.examples ?? (ask ? await ask.select({ message: 'The example fleet', choices: ['keep', 'drop'] }) : undefined);
  const list = regions
    ?.split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  return {
    platform,
    scope,
    ...(flags.registry ? { registry: flags.registry } : {}),
    ...(cloud ? { cloud: cloud as Cloud } : {}),
    ...(list && list.length > 0 ? { regions: list } : {}),
    examples: (examples ?? 'keep') as 'keep' | 'drop',
  };
}

async function refuseDirty(root: string): Promise<string[]> {
  const problem = (message: string, fix: string) =>
    new ParityError([issue({ kind: 'init-dirty', file: root, path: '', message, fix })], 'cannot init');
  if (!existsSync(join(root, '.git')))
    throw problem(
      'not a git repository: init rewrites many files and needs git to show (and undo) what it changed',
      'git init && git add -A && git commit -m template',
    );
  const dirty = (await runChecked('git', ['status', '--porcelain'], { cwd: root }))
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => l.slice(3));
  if (dirty.length > 0) {
    const shown = dirty.slice(0, 10).join(', ') + (dirty.length > 10 ? `, and ${dirty.length - 10} more` : '');
    throw problem(
      `the git tree has uncommitted changes in ${dirty.length === 1 ? '1 path' : `${dirty.length} paths`} (${shown}); init would mix its changes with yours`,
      'commit or stash them first (git status shows them)',
    );
  }
  return (await runChecked('git', ['ls-files', '-z'], { cwd: root })).split('\0').filter(Boolean);
}

/** The workspace root and every package folder (where pnpm links node_modules). */
function importers(root: string): string[] {
  const groups = ['packages', 'bundles'].map((g) => join(root, g)).filter((d) => existsSync(d));
  return [
    root,
    ...groups.flatMap((g) =>
      readdirSync(g, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => join(g, e.name)),
    ),
  ];
}

function apply(root: string, plan: InitPlan): void {
  for (const dir of plan.removals) rmSync(join(root, dir), { recursive: true, force: true });
  for (const [f, c] of plan.edits) writeFileAtomic(join(root, f), c);
}

/** Stamp one environment of the first fleet, trying a dr environment's other candidate regions if `gen env` refuses one. */
async function stamp(root: string, bin: string, env: FleetEnv, cloud: Cloud | undefined): Promise<string | undefined> {
  const existing = (name: string) => existsSync(join(root, 'environments', name));
  const regions = [env.region, ...(env.alternatives ?? [])];
  for (const region of regions) {
    const name = env.role === 'dr' ? `dr-${shortCode(cloud ?? 'aws', region)}` : env.name;
    if (existing(name)) return undefined;
    const args = [
      bin,
      'gen',
      'env',
      name,
      '--region',
      region,
      ...(cloud ? ['--cloud', cloud] : []),
      ...(env.recovers ? ['--recovers', env.recovers] : []),
    ];
    try {
      await runChecked(process.execPath, args, { cwd: root });
      return name;
    } catch (e) {
      if (region === regions[regions.length - 1]) throw e;
    }
  }
  return undefined;
}

/**
 * A new name is longer or shorter than the old one, so a rewritten line may now break the
 * project's formatter (`pnpm lint`, in the test command): format what was rewritten, with the
 * project's own Biome and configuration (files Biome does not handle are left as written).
 */
async function formatRewritten(root: string, files: readonly string[]): Promise<void> {
  const code = files.filter((f) => /\.(?:[cm]?[jt]sx?|json)$/.test(f));
  if (code.length === 0) return;
  await runChecked('pnpm', ['exec', 'biome', 'format', '--write', '--files-ignore-unknown=true', '--no-errors-on-unmatched', ...code], {
    cwd: root,
  });
}

export async function init(flags: InitFlags, root = findRoot()): Promise<void> {
  const opts = await complete(flags);
  const problems = initProblems(opts);
  if (problems.length > 0) throw new ParityError(problems, 'cannot init');
  const files = await refuseDirty(root);
  const plan = planInit(root, files, opts);
  if (renamesAdopted(plan) && !flags.force) {
    const envDir = join(root, 'environments');
    const envs = existsSync(envDir)
      ? readdirSync(envDir, { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => e.name)
      : [];
    throw new ParityError([initRenamesAdopted(plan.from, plan.to, [...plan.edits.keys()].sort(), envs.sort())], 'cannot init');
  }
  apply(root, plan);
  const bin = join(root, 'packages', 'cli', 'bin', 'parity.js');
  if (plan.edits.size > 0 || plan.removals.length > 0) {
    process.stdout.write(
      `${pc.green('✔')} ${plan.from.platform} → ${plan.to.platform}, ${plan.from.scope} → ${plan.to.scope}: ${plan.edits.size} files rewritten${plan.removals.length ? `, example fleet removed (${plan.removals.length} environments)` : ''}\n`,
    );
    if (flags.install !== false) {
      // The rewritten lockfile looks up to date to pnpm, which would then skip linking the packages'
      // node_modules under the new scope: forget what it linked, so it links everything again.
      rmSync(join(root, 'node_modules', '.pnpm', 'lock.yaml'), { force: true });
      // and drop the links under the old scope, which nothing imports any more
      if (plan.from.scope !== plan.to.scope)
        for (const dir of importers(root)) rmSync(join(dir, 'node_modules', plan.from.scope), { recursive: true, force: true });
      await runChecked('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile'], { cwd: root, echo: true });
      await formatRewritten(root, [...plan.edits.keys()]);
    }
    await runChecked(process.execPath, [bin, 'schemas'], { cwd: root });
  } else process.stdout.write(`${pc.green('✔')} already ${plan.to.platform} / ${plan.to.scope}: nothing to rewrite\n`);
  const stamped: string[] = [];
  // one after another: each stamp reads the environments the ones before it wrote
  for (const e of opts.regions ? firstFleet(opts.cloud ?? 'aws', opts.regions) : []) {
    const name = await stamp(root, bin, e, opts.cloud);
    if (name) stamped.push(name);
  }
  if (stamped.length > 0) process.stdout.write(`${pc.green('✔')} stamped ${stamped.join(', ')}\n`);
  // the committed workflows follow the fleet (CI runs gen ci --check)
  if (stamped.length > 0 || plan.removals.length > 0) await runChecked(process.execPath, [bin, 'gen', 'ci'], { cwd: root });
  process.stdout.write(nextSteps(plan, opts));
}

function nextSteps(plan: InitPlan, opts: InitOptions): string {
  const regions = opts.regions?.join(', ') ?? 'each state region';
  return [
    '',
    'Next steps:',
    `  1. Bootstrap: pnpm synth --bootstrap, then apply bootstrap/<cloud> by hand (docs/bootstrap.md): the state buckets ${plan.to.platform}-tfstate-<region> in ${regions} and every dr region, the CI roles. Commit: git add -A && git commit -m "init ${plan.to.platform}"`,
    `  2. First release: point ${plan.to.scope}:registry in .npmrc at your registry (now ${plan.to.registry ?? 'unset'}), log in (npm login --registry <url>), then pnpm release`,
    '  3. CI: push; .github/workflows (pnpm gen ci) plan every pull request and apply on the main branch; .ci/run is the test command (pnpm install --frozen-lockfile && pnpm test)',
    '',
  ].join('\n');
}
