/**
 * Policy rules over the synthesized Terraform JSON of every environment: they see exactly what
 * will be applied, transforms included. Each violation becomes a finding of the `policy` check,
 * unless an exception in force waives it.
 */
import type { Cloud, ResolvedEnvironment, Workspace } from '@parity/model';
import type { Finding } from '../findings.js';
import { TfDoc, type TerraformJson } from '../tf.js';
import { bootstrapState, type BootstrapStack } from './bootstrap.js';
import { declaredExceptions, unusedExceptions, waiverFor, type DeclaredException } from './exceptions.js';
import { RESILIENCE_RULES } from './resilience.js';
import { SECURITY_RULES } from './security.js';
import type { CheckovMapping, PolicyContext, Rule, RuleSeverity, StackContext, Violation } from './types.js';

export * from './bootstrap.js';
export * from './exceptions.js';
export * from './types.js';

/** Every rule, in ID order. */
export const RULES: readonly Rule[] = [...SECURITY_RULES, ...RESILIENCE_RULES];
/** The rule the bootstrap's state buckets answer to. */
const STATE_RULE = 'PAR-RES-004';

export interface RuleSummary {
  readonly id: string;
  readonly title: string;
  readonly category: Rule['category'];
  readonly severity: RuleSeverity;
  /** The Checkov IDs the rule corresponds to. */
  readonly checkov: readonly string[];
  /** Each of those IDs compared with the rule: equivalent or stricter, and what differs. */
  readonly checkovComparison: readonly CheckovMapping[];
  readonly covers: string;
  readonly violations: number;
  /** Findings of an expected, time-bound state (a failover in progress): warnings. */
  readonly expected: number;
  readonly waived: number;
}

export interface PolicyReport {
  readonly rules: readonly RuleSummary[];
  /** Every exception declared, valid or not, with what it waived. */
  readonly exceptions: readonly DeclaredException[];
  /** Environments whose Terraform could not be read (not judged). */
  readonly unjudged: readonly string[];
  /** The bootstrap stacks judged (`pnpm synth --bootstrap`); empty when `check` names environments. */
  readonly bootstrap: ReadonlyArray<{ readonly cloud: Cloud; readonly stack: string; readonly file: string }>;
}

export interface PolicyOptions {
  /** The clock exceptions expire against (tests pass a fixed date). */
  readonly now?: Date;
  /**
   * The bootstrap stacks to judge too (the caller synthesizes them; the checks read nothing from
   * disk). Unset: the bootstrap was not judged, so no exception is reported unused.
   */
  readonly bootstrap?: readonly BootstrapStack[];
}

/** The stack file a policy finding points at. */
function stackPath(env: string): string {
  return `environments/${env}/cdktf.out/stacks/${env}/cdk.tf.json`;
}

/** Where a transform set an attribute of the violating resource, to name it in the finding. */
function transformNote(env: ResolvedEnvironment, construct: string | undefined): string {
  if (!construct) return '';
  const [bundle, ...rest] = construct.split('/');
  const ts = env.bundles.find((b) => b.name === bundle)?.transforms?.filter((t) => t.resource === rest.join('/')) ?? [];
  return ts.length ? ` (transformed by ${ts.map((t) => `${t.file}${t.line ? `:${t.line}` : ''} ${t.attribute}`).join(', ')})` : '';
}

/** Counts per rule, as the report shows them. */
type Counts = Map<string, { violations: number; expected: number; waived: number }>;

/** One stack judged: an environment's, or a bootstrap stack (`env` absent). */
interface Judged {
  readonly name: string;
  readonly file: string;
  readonly env?: ResolvedEnvironment;
}

/** A finding per violation that no exception waives; waived and expected ones counted. */
function judge(
  rule: Pick<Rule, 'id' | 'severity' | 'checkov'>,
  violations: readonly Violation[],
  at: Judged,
  exceptions: DeclaredException[],
  counts: Counts,
): Finding[] {
  const out: Finding[] = [];
  const c = counts.get(rule.id)!;
  for (const v of violations) {
    if (waiverFor(exceptions, rule.id, at.name, v)) {
      c.waived++;
      continue;
    }
    if (v.expected) c.expected++;
    else c.violations++;
    const comparison = rule.checkov.find((m) => m.id === v.checkov)?.parity;
    const note = at.env ? transformNote(at.env, v.construct) : '';
    out.push({
      check: 'policy',
      kind: v.expected ? 'policy-expected' : 'policy-violation',
      severity: v.expected || rule.severity === 'low' ? 'warning' : 'error',
      env: at.name,
      file: at.file,
      path: v.address,
      message: `${rule.id} ${v.construct ? `${v.construct}: ` : ''}${v.message}${note}${v.expected ? ` (expected: ${v.expected})` : ''}`,
      fix: v.fix,
      rule: rule.id,
      ruleSeverity: rule.severity,
      address: v.address,
      ...(v.checkov ? { checkov: v.checkov } : {}),
      ...(comparison ? { checkovComparison: comparison } : {}),
    });
  }
  return out;
}

/** The bootstrap stacks: the security rules, and PAR-RES-004 in its bootstrap form. */
function judgeBootstrap(
  ws: Workspace,
  envs: readonly ResolvedEnvironment[],
  stacks: readonly BootstrapStack[],
  exceptions: DeclaredException[],
  counts: Counts,
  now: Date,
): Finding[] {
  const state = RULES.find((r) => r.id === STATE_RULE)!;
  return stacks.flatMap((s) => {
    // The stack's providers name their regions; this only stands in for one that does not.
    const region = ws.definition.data.defaults.region[s.cloud] ?? '';
    const ctx: StackContext = { json: s.json, doc: new TfDoc(s.json, s.cloud, region), definition: ws.definition.data, now };
    const at = { name: s.stack, file: s.file };
    return [
      ...SECURITY_RULES.flatMap((rule) => judge(rule, rule.check(ctx), at, exceptions, counts)),
      ...judge(state, bootstrapState(ctx, s.cloud, s.envs ? envs.filter((e) => s.envs!.includes(e.name)) : envs), at, exceptions, counts),
    ];
  });
}

export function runPolicy(
  ws: Workspace,
  envs: readonly ResolvedEnvironment[],
  jsonOf: (env: string) => TerraformJson | undefined,
  opts: PolicyOptions = {},
): { report: PolicyReport; findings: Finding[] } {
  const now = opts.now ?? new Date();
  const { exceptions, findings } = declaredExceptions(
    ws,
    RULES.map((r) => r.id),
    now,
  );
  const counts: Counts = new Map(RULES.map((r) => [r.id, { violations: 0, expected: 0, waived: 0 }]));
  const unjudged: string[] = [];
  for (const env of envs) {
    const json = jsonOf(env.name);
    if (!json || !ws.definition) {
      unjudged.push(env.name);
      continue;
    }
    const ctx: PolicyContext = {
      env,
      json,
      doc: new TfDoc(json, env.cloud, env.region),
      definition: ws.definition.data,
      // production data lives in production and dr environments; staging and previews hold none
      production: env.role === 'production' || env.role === 'dr',
      now,
    };
    const at = { name: env.name, file: stackPath(env.name), env };
    for (const rule of RULES) findings.push(...judge(rule, rule.check(ctx), at, exceptions, counts));
  }
  const bootstrap = opts.bootstrap ?? [];
  if (ws.definition) findings.push(...judgeBootstrap(ws, envs, bootstrap, exceptions, counts, now));
  // Unused only means something when every environment, and the bootstrap, was judged.
  if (unjudged.length === 0 && envs.length === ws.manifests.size && opts.bootstrap) findings.push(...unusedExceptions(exceptions));
  const rules = RULES.map((r) => ({
    id: r.id,
    title: r.title,
    category: r.category,
    severity: r.severity,
    checkov: r.checkov.map((m) => m.id),
    checkovComparison: r.checkov,
    covers: r.covers,
    ...counts.get(r.id)!,
  }));
  return {
    report: { rules, exceptions, unjudged, bootstrap: bootstrap.map((b) => ({ cloud: b.cloud, stack: b.stack, file: b.file })) },
    findings,
  };
}
