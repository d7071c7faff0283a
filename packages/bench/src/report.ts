/** The benchmark's result (what results/*.json hold) and its markdown rendering. */
import type { Figures } from './measure.js';

export type Measure = Figures & { label: string; [extra: string]: unknown };

export interface SizeResult {
  size: number;
  environments: number;
  aws: number;
  gcp: number;
  measures: Record<string, Measure>;
  identicalTerraform?: { same: number; of: number; differ: string[] };
  notes: string[];
}

export interface Target {
  name: string;
  measured: boolean;
  met: boolean;
  value: string;
  by: string;
  /** More about it: the same measure another way (e.g. one thread, or against the compiled peer). */
  note?: string;
}

/** phases.ts, median of several processes. */
export interface Phases {
  label: string;
  awsEnv: string;
  gcpEnv: string;
  manifests: number;
  repeat: number;
  stackBytes: number;
  runs: number;
  startup: Record<string, number>;
  first: Record<string, number>;
  firstGcp: Record<string, number>;
  steadyAws: Record<string, number>;
  steadyGcp: Record<string, number>;
}

/** One drill of the drill figure (drill.ts): `parity drill <drEnv> --json` on its own moto, wall time of the whole command. */
export interface DrillFigure {
  readonly drEnv: string;
  readonly primary: string;
  readonly strategy: string;
  readonly runs: number;
  /** Median of the runs. */
  readonly wallMs: number;
  readonly wallsMs: number[];
  readonly cpuMs: number;
  readonly treeRssMiB: number;
  /** The last run's report: passed, failed, aborted (or why there was none). */
  readonly status: string;
  readonly failedStep?: string;
  /** The last run's steps and their durations. */
  readonly steps: ReadonlyArray<{ id: string; seconds: number }>;
  /** The RTO the drills measured on the emulator (median), in minutes. */
  readonly rtoMinutes?: number;
}

export interface BenchResult {
  schema: 2;
  startedAt: string;
  finishedAt: string;
  loadAverageAtEnd?: string;
  source: string;
  commit: string;
  machine: Record<string, unknown> & { cores: number; memoryGiB: number; cpu: string };
  options: Record<string, unknown>;
  sizes: SizeResult[];
  phases?: Phases;
  /** One pilot-light and one backup & restore drill (drill.ts). */
  drills?: DrillFigure[];
  targets: Target[];
}

const s = (ms: number) => (Number.isNaN(ms) ? '—' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${(ms / 1000).toFixed(2)} s`);
const ms = (x: number) => (x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`);
const mib = (x: number) => `${x.toFixed(0)} MiB`;

/** Rows of the main table, in order: key, label. */
const ROWS: Array<[string, string]> = [
  ['compile.first', 'first command after a checkout: compile the TypeScript (`pnpm parity --help`, no `.parity-js/`)'],
  ['gen.fleet', '`gen`, whole fleet, one process (plan, render, write)'],
  ['gen.one.production', '`pnpm gen env prod-use1-bench`, end to end'],
  ['gen.one.dr', '`pnpm gen env dr-usw2-bench --recovers …`, end to end (runs the full check)'],
  ['synth.cold', '**Parity** `synth`, cold (threads as it chooses: a second one from 80 envs on 2 cores)'],
  ['synth.cold.one', 'Parity `synth --jobs 1`, cold (one thread)'],
  ['synth.cold.node22', "Parity `synth`, cold, on cdktn-cli's Node 22 (the runtime it requires)"],
  ['cdktn.cold', '**cdktn-cli** `cdktn synth`, cold (its app run by tsx, as a CDK TypeScript project does)'],
  ['cdktn.cold.js', 'cdktn-cli `cdktn synth`, cold, its app compiled to JS (run by plain node)'],
  ['peer.cold', 'cdktf-cli 0.21 `cdktf synth`, cold (archived: the historical row; the same app, on cdktn)'],
  ['peer.cold.js', 'cdktf-cli 0.21 `cdktf synth`, cold, its app compiled to JS'],
  ['synth.warm', 'Parity `synth`, nothing changed'],
  ['synth.warm.pnpm', '`pnpm synth`, nothing changed (+ pnpm start)'],
  ['cdktn.warm', 'cdktn-cli `cdktn synth` again, nothing changed'],
  ['peer.warm', 'cdktf-cli 0.21 `cdktf synth` again, nothing changed'],
  ['synth.change', "Parity `synth` after a change to the queue bundle's `src/aws.ts` (its AWS envs)"],
  ['check', '`parity check`, whole fleet'],
  ['validate', '`parity validate` cold (the AWS envs as modules of one Terraform root per 50)'],
  ['validate.warm', '`parity validate` again (roots kept)'],
];

function cell(m: Measure | undefined): string {
  if (!m) return '—';
  return `${s(m.wallMs)} · ${s(m.cpuMs)} CPU · ${mib(m.treeRssMiB)}${m.runs !== 3 ? ` (${m.runs} run${m.runs === 1 ? '' : 's'})` : ''}`;
}

export function renderMarkdown(r: BenchResult, previous?: BenchResult): string {
  const out: string[] = [];
  const sizes = r.sizes;
  const m = r.machine;
  out.push(`## Parity bench, ${r.startedAt.slice(0, 16).replace('T', ' ')} UTC`, '');
  out.push(
    `Code: ${r.source}. Machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB; load average at start ${String(m.loadAverageAtStart)}, at the end ${r.loadAverageAtEnd ?? '?'} (the machine is shared: figures move with the load); node ${String(m.node)}, pnpm ${String(m.pnpm)}, ${String(m.terraform)}, cdktn-cli ${String(m.cdktnCli ?? '—')}, cdktf-cli ${String(m.cdktfCli)}.`,
    '',
  );
  out.push(...sizesSection(r));
  out.push('', '### Targets', '', '| target | measured | result | note |', '|---|---|---|---|');
  for (const t of r.targets)
    out.push(
      `| ${t.name} | ${t.value} | ${!t.measured ? '— not measured' : t.met ? `✅ met, ${t.by}` : `❌ ${t.by}`} | ${t.note || '—'} |`,
    );

  out.push(...(r.phases ? phasesSection(r.phases) : []), ...drillsSection(r.drills ?? []));

  if (previous && (previous.schema as number) >= 1) {
    const rows: string[] = [];
    for (const x of sizes) {
      const p = previous.sizes.find((y) => y.size === x.size);
      if (!p) continue;
      for (const [key, label] of ROWS) {
        const a = x.measures[key];
        const b = p.measures[key];
        if (a && b)
          rows.push(`| ${x.size} | ${label} | ${s(b.wallMs)} | ${s(a.wallMs)} | ${((a.wallMs / b.wallMs - 1) * 100).toFixed(0)} % |`);
      }
    }
    for (const d of r.drills ?? []) {
      const b = previous.drills?.find((x) => x.drEnv === d.drEnv);
      if (b)
        rows.push(
          `| — | drill \`${d.drEnv}\` (${d.strategy}) | ${s(b.wallMs)} | ${s(d.wallMs)} | ${((d.wallMs / b.wallMs - 1) * 100).toFixed(0)} % |`,
        );
    }
    if (rows.length) {
      out.push(
        '',
        `### Against the previous run (${previous.startedAt.slice(0, 16).replace('T', ' ')} UTC, ${previous.source})`,
        '',
        '| envs | measure | before | now | change |',
        '|---|---|---|---|---|',
        ...rows,
      );
    }
  }
  return `${out.join('\n')}\n`;
}

/** The figures of the synthetic fleets: one column per size, then per environment at the largest (nothing without a size). */
function sizesSection(r: BenchResult): string[] {
  const sizes = r.sizes;
  if (sizes.length === 0) return [];
  const out: string[] = [];
  out.push(
    `Each cell: wall time · CPU time (user+sys, all child processes) · peak RSS (the whole process tree, sampled), median of ${String(r.options.runs)} runs unless noted.`,
    '',
  );
  out.push(
    `| measure | ${sizes.map((x) => `${x.size} envs (${x.aws} AWS, ${x.gcp} GCP)`).join(' | ')} |`,
    `|---|${sizes.map(() => '---').join('|')}|`,
  );
  for (const [key, label] of ROWS) {
    if (!sizes.some((x) => x.measures[key])) continue;
    out.push(`| ${label} | ${sizes.map((x) => cell(x.measures[key])).join(' | ')} |`);
  }
  out.push(...ratioRows(sizes));
  const extras = notesOf(sizes);
  if (extras.length) out.push('', ...extras.map((e) => `- ${e}`));

  // Per environment, at the largest size.
  const big = sizes[sizes.length - 1];
  if (big) {
    out.push('', `### Per environment, at ${big.size} environments`, '', '| measure | wall / env | CPU / env |', '|---|---|---|');
    const per = (key: string, label: string, n = big.size) => {
      const f = big.measures[key];
      if (f) out.push(`| ${label} | ${ms(f.wallMs / n)} | ${ms(f.cpuMs / n)} |`);
    };
    per('gen.fleet', 'gen (whole process / envs)');
    per('synth.cold', 'Parity synth, cold (whole process / envs)');
    const inproc = big.measures['synth.cold']?.inProcessPerEnvMs as number | undefined;
    if (inproc !== undefined)
      out.push(`| Parity synth, cold, each env after the first of its cloud (in-process median) | ${ms(inproc)} | |`);
    per('cdktn.cold', 'cdktn-cli synth, cold (whole process / envs)');
    per('peer.cold', 'cdktf-cli 0.21 synth, cold (whole process / envs)');
    per('synth.change', 'Parity synth after a bundle change');
    per('check', 'check');
    per('validate', 'validate (per AWS env)', Math.max(1, big.aws));
  }

  return out;
}

/** Parity against each peer, cold: cdktn-cli first (the peer), cdktf-cli 0.21 last (the historical row). */
function ratioRows(sizes: BenchResult['sizes']): string[] {
  const rows: string[] = [];
  const ratio = (label: string, key: string, all: boolean) => {
    if (!sizes.some((x) => x.measures['synth.cold'] && x.measures[key])) return;
    const cellOf = (x: SizeResult) => {
      const p = x.measures['synth.cold'];
      const c = x.measures[key];
      if (!p || !c) return '—';
      const wall = `${(p.wallMs / c.wallMs).toFixed(2)} ×`;
      return all ? `**${wall}** · ${(p.cpuMs / c.cpuMs).toFixed(2)} × · ${(p.treeRssMiB / c.treeRssMiB).toFixed(2)} ×` : wall;
    };
    rows.push(`| ${label} | ${sizes.map(cellOf).join(' | ')} |`);
  };
  ratio('**Parity / cdktn-cli**, cold: wall · CPU · peak RSS', 'cdktn.cold', true);
  ratio('Parity / cdktn-cli with its app compiled to JS, cold: wall', 'cdktn.cold.js', false);
  if (sizes.some((x) => x.measures['synth.cold.node22'] && x.measures['cdktn.cold']))
    rows.push(
      `| Parity on Node 22 / cdktn-cli (both on Node 22), cold: wall | ${sizes.map((x) => (x.measures['synth.cold.node22'] && x.measures['cdktn.cold'] ? `${(x.measures['synth.cold.node22']!.wallMs / x.measures['cdktn.cold']!.wallMs).toFixed(2)} ×` : '—')).join(' | ')} |`,
    );
  ratio('Parity / cdktf-cli 0.21 (historical), cold: wall · CPU · peak RSS', 'peer.cold', true);
  ratio('Parity / cdktf-cli 0.21 with its app compiled to JS, cold: wall', 'peer.cold.js', false);
  if (sizes.some((x) => x.identicalTerraform))
    rows.push(
      `| identical cdk.tf.json (Parity, cdktn-cli, cdktf-cli) | ${sizes.map((x) => (x.identicalTerraform ? `${x.identicalTerraform.same}/${x.identicalTerraform.of}` : '—')).join(' | ')} |`,
    );
  return rows;
}

/** The notes under the table: what gen, check and validate found, and what the bundle change re-synthesized. */
function notesOf(sizes: BenchResult['sizes']): string[] {
  const extras: string[] = [];
  for (const x of sizes) {
    const g = x.measures['gen.fleet'];
    if (g) extras.push(`gen at ${x.size}: ${ms(g.genOnlyMs as number)} inside the process (${ms(g.genPerEnvMs as number)}/env)`);
  }
  for (const x of sizes) {
    const c = x.measures['check'];
    if (c)
      extras.push(
        `check at ${x.size}: exit ${String(c.exitCode)}, ${String((c.findings as { errors: number }).errors)} errors, ${String((c.findings as { warnings: number }).warnings)} warnings`,
      );
  }
  for (const x of sizes) {
    const v = x.measures['validate'];
    if (v) extras.push(`validate at ${x.size}: ${String(v.valid)} valid, ${s(v.perAwsEnvWallMs as number)} per AWS env`);
  }
  const changed = sizes.filter((x) => x.measures['synth.change']);
  if (changed.length)
    extras.push(
      `after the change to the queue bundle's AWS implementation, the AWS environments are synthesized again (${changed.map((x) => `${String(x.measures['synth.change']!.resynthesized)}/${x.size}`).join(', ')}), the GCP ones are not: an environment's inputs leave out the other cloud's implementation`,
    );
  for (const x of sizes) for (const n of x.notes) extras.push(`${x.size} envs: ${n}`);
  return extras;
}

/** Where the time goes for one environment, phase by phase. */
function phasesSection(ph: NonNullable<BenchResult['phases']>): string[] {
  const lines: string[] = [];
  const isSub = (k: string) => k.startsWith('synth: ') && !k.endsWith(' total');
  const total = (o: Record<string, number>) =>
    Object.entries(o)
      .filter(([k]) => !isSub(k))
      .reduce((a, [, v]) => a + v, 0);
  const cols: Array<[string, Record<string, number>]> = [
    ['first AWS env in a process', { ...ph.startup, ...ph.first }],
    ['first GCP env', ph.firstGcp],
    ['each further AWS env', ph.steadyAws],
    ['each further GCP env', ph.steadyGcp],
  ];
  lines.push('', '### Where the time goes: one environment', '');
  lines.push(
    `\`${ph.awsEnv}\` synthesized first in a fresh process (workspace of ${ph.manifests} manifests), then \`${ph.gcpEnv}\` (loads the GCP side), then each again ${ph.repeat} times (what each further environment costs; median). Median of ${ph.runs} processes; ${ph.label}. Stack JSON ${(ph.stackBytes / 1024).toFixed(0)} KiB.`,
    '',
  );
  lines.push(`| phase | ${cols.map(([c]) => c).join(' | ')} |`, `|---|${cols.map(() => '---').join('|')}|`);
  const keys = [...new Set(cols.flatMap(([, o]) => Object.keys(o)))];
  for (const k of keys)
    lines.push(`| ${isSub(k) ? `  ↳ ${k.slice(7)}` : k} | ${cols.map(([, o]) => (o[k] === undefined ? '' : ms(o[k]!))).join(' | ')} |`);
  lines.push(`| **total** | ${cols.map(([, o]) => `**${ms(total(o))}**`).join(' | ')} |`);
  return lines;
}

/** The drill figure: each drill's wall time, and where it went. */
function drillsSection(drills: readonly DrillFigure[]): string[] {
  if (drills.length === 0) return [];
  const lines = ['', '### Drills on the emulator', ''];
  lines.push(
    "`parity drill <dr-env> --json` through the launcher, on a moto it starts and stops; wall time of the whole command (the steps are the last run's).",
    '',
    '| drill | strategy | wall | CPU | peak RSS | result | RTO on the emulator | steps |',
    '|---|---|---|---|---|---|---|---|',
  );
  for (const d of drills) {
    const steps = d.steps
      .filter((x) => x.seconds >= 1)
      .map((x) => `${x.id} ${x.seconds.toFixed(0)} s`)
      .join(', ');
    lines.push(
      `| \`${d.drEnv}\` (recovers \`${d.primary}\`) | ${d.strategy} | ${s(d.wallMs)}${d.runs > 1 ? ` (runs ${d.wallsMs.map((w) => s(w)).join(', ')})` : ''} | ${s(d.cpuMs)} | ${mib(d.treeRssMiB)} | ${d.status}${d.failedStep ? ` at ${d.failedStep}` : ''} | ${d.rtoMinutes === undefined ? '—' : `${d.rtoMinutes} min`} | ${steps} |`,
    );
  }
  return lines;
}
