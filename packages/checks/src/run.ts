/**
 * `pnpm check`: resolve every environment leniently (so that a broken one still shows in the
 * matrix), then run the four checks over the whole fleet at once.
 */
import { resolveEnvironment, type Issue, type Problem, type ResolvedEnvironment, type Workspace } from '@parity/model';
import { drReport, type DrPair } from './dr.js';
import type { DrillSummary } from './drills.js';
import { fromIssue, type CheckName, type Finding } from './findings.js';
import { parityMatrix, type ParityMatrix } from './parity.js';
import { runPolicy, type PolicyOptions, type PolicyReport } from './policy/index.js';
import { previewReport, type PreviewSummary } from './preview.js';
import { residencyFindings } from './residency.js';
import type { TerraformJson } from './tf.js';

export interface EnvSummary {
  readonly name: string;
  readonly cloud: string;
  readonly region: string;
  readonly jurisdiction: string;
  readonly role: string;
  readonly tier: string;
  readonly recovers?: string;
  /** Whether it resolves without errors (only such environments are synthesized to disk). */
  readonly valid: boolean;
}

export interface CheckReport {
  readonly definitionFile: string;
  readonly envs: readonly EnvSummary[];
  readonly matrix: ParityMatrix;
  readonly dr: readonly DrPair[];
  /** Each preview against its base (`pnpm preview`); empty when there is none. */
  readonly previews: readonly PreviewSummary[];
  /** Policy rules and the exceptions declared (see policy/). */
  readonly policy: PolicyReport;
  readonly findings: readonly Finding[];
  readonly summary: {
    readonly errors: number;
    readonly warnings: number;
    readonly promotionsPending: number;
    readonly byCheck: Readonly<Record<CheckName, number>>;
  };
}

export interface Resolved {
  readonly envs: ResolvedEnvironment[];
  /** Per environment, whether it resolved strictly (no errors). */
  readonly valid: ReadonlySet<string>;
  readonly findings: Finding[];
}

/** Resolve every environment leniently; report every problem as a finding of its check. */
export function resolveForCheck(ws: Workspace, names: readonly string[] = []): Resolved {
  const findings: Finding[] = ws.issues.map((i) => fromIssue(i));
  const envs: ResolvedEnvironment[] = [];
  const valid = new Set<string>();
  for (const name of names.length ? names : [...ws.manifests.keys()]) {
    const r = resolveEnvironment(ws, name, { lenient: true });
    // A manifest that could not be read is named by the environments that refer to it too; report it once.
    findings.push(...r.issues.filter((i) => !ws.issues.includes(i)).map((i) => fromIssue(i, name)));
    if (!r.env) continue;
    envs.push(r.env);
    if (!r.issues.some((i) => i.severity === 'error')) valid.add(name);
  }
  return { envs, valid, findings };
}

/**
 * Run every check. `drills` gives the newest drill report of a dr environment (the command line
 * reads them with `lastDrill`); the checks read nothing from disk.
 */
export function runChecks(
  ws: Workspace,
  resolved: Resolved,
  jsonOf: (env: string) => TerraformJson | undefined,
  drills: (env: string) => DrillSummary | undefined = () => undefined,
  opts: PolicyOptions = {},
): CheckReport {
  const definitionFile = ws.definition.file;
  const findings: Finding[] = [...resolved.findings];
  const envs = resolved.envs;
  const { matrix, findings: parity } = parityMatrix(ws.definition.data, envs, definitionFile);
  // A must-match override is already reported by resolution, with its line: keep that one.
  const reported = new Set(findings.filter((f) => f.kind === 'not-overridable').map((f) => `${f.env}|${f.path}`));
  findings.push(...parity.filter((f) => !(f.kind === 'parity-mismatch' && reported.has(`${f.env}|${f.path}`))));
  for (const e of envs) {
    const json = jsonOf(e.name);
    if (json) findings.push(...residencyFindings(e, json));
  }
  const dr = drReport(ws.definition.data, envs, jsonOf, definitionFile, drills);
  // A dr manifest that names the environment but does not resolve (or was not asked for) has its
  // own findings: the production environment it recovers is not "without DR" because of them.
  const recoveredBy = new Map<string, string[]>();
  for (const [name, m] of ws.manifests)
    if (m.data.recovers) recoveredBy.set(m.data.recovers, [...(recoveredBy.get(m.data.recovers) ?? []), name]);
  findings.push(...dr.findings.filter((f) => !(f.kind === 'dr-missing' && f.env && recoveredBy.has(f.env))));
  // a pair without its dr environment names the ones not checked here, for `pnpm check <prod> <dr>`
  const checked = new Set(envs.map((e) => e.name));
  const pairs = dr.pairs.map((p) => {
    const unchecked = p.dr ? [] : (recoveredBy.get(p.primary) ?? []).filter((n) => !checked.has(n)).sort();
    return unchecked.length ? { ...p, uncheckedDr: unchecked } : p;
  });
  const previews = previewReport(ws.definition.data, envs, jsonOf, opts.now ?? new Date());
  findings.push(...previews.findings);
  const policy = runPolicy(ws, envs, jsonOf, opts);
  findings.push(...policy.findings);
  return report(
    definitionFile,
    envs.map((e) => summaryOf(e, resolved.valid.has(e.name))),
    matrix,
    { pairs, previews: previews.previews },
    policy.report,
    findings,
  );
}

/** The report when the definition itself cannot be read: its problems, and nothing else can be judged. */
export function unreadableDefinitionReport(definitionFile: string, issues: readonly Problem[]): CheckReport {
  const findings = issues.map((i) => fromIssue(i as Issue));
  return report(
    definitionFile,
    [],
    { envs: [], bundles: [], cells: {}, differences: [] },
    { pairs: [], previews: [] },
    { rules: [], exceptions: [], unjudged: [], bootstrap: [] },
    findings,
  );
}

function summaryOf(e: ResolvedEnvironment, valid: boolean): EnvSummary {
  return {
    name: e.name,
    cloud: e.cloud,
    region: e.region,
    jurisdiction: e.jurisdiction,
    role: e.role,
    tier: e.tier,
    ...(e.recovers ? { recovers: e.recovers.name } : {}),
    valid,
  };
}

/** One finding per problem, ordered by check, environment and path, with the counts. */
function report(
  definitionFile: string,
  envs: EnvSummary[],
  matrix: ParityMatrix,
  { pairs: dr, previews }: { pairs: readonly DrPair[]; previews: readonly PreviewSummary[] },
  policy: PolicyReport,
  findings: readonly Finding[],
): CheckReport {
  const seen = new Set<string>();
  const unique = findings.filter((f) => {
    const k = `${f.check}|${f.kind}|${f.env ?? ''}|${f.file}|${f.path}|${f.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const order: CheckName[] = ['config', 'parity', 'regions', 'residency', 'dr', 'policy'];
  unique.sort(
    (a, b) => order.indexOf(a.check) - order.indexOf(b.check) || (a.env ?? '').localeCompare(b.env ?? '') || a.path.localeCompare(b.path),
  );
  const byCheck = Object.fromEntries(order.map((c) => [c, unique.filter((f) => f.check === c && f.severity === 'error').length])) as Record<
    CheckName,
    number
  >;
  return {
    definitionFile,
    envs,
    matrix,
    dr,
    previews,
    policy,
    findings: unique,
    summary: {
      errors: unique.filter((f) => f.severity === 'error').length,
      warnings: unique.filter((f) => f.severity === 'warning' && f.kind !== 'promotion-pending').length,
      promotionsPending: unique.filter((f) => f.kind === 'promotion-pending').length,
      byCheck,
    },
  };
}
