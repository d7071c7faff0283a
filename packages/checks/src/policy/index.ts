/**
 * Policy rules over the synthesized Terraform JSON of every environment: they see exactly what
 * will be applied, transforms included. Each violation becomes a finding of the `policy` check,
 * unless an exception in force waives it.
 */
import type { ResolvedEnvironment, Workspace } from '@parity/model';
import type { Finding } from '../findings.js';
import { TfDoc, type TerraformJson } from '../tf.js';
import { declaredExceptions, unusedExceptions, waiverFor, type DeclaredException } from './exceptions.js';
import { RESILIENCE_RULES } from './resilience.js';
import { SECURITY_RULES } from './security.js';
import type { PolicyContext, Rule, RuleSeverity } from './types.js';

export * from './exceptions.js';
export * from './types.js';

/** Every rule, in ID order. */
export const RULES: readonly Rule[] = [...SECURITY_RULES, ...RESILIENCE_RULES];

export interface RuleSummary {
  readonly id: string;
  readonly title: string;
  readonly category: Rule['category'];
  readonly severity: RuleSeverity;
  readonly checkov: readonly string[];
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
}

export interface PolicyOptions {
  /** The clock exceptions expire against (tests pass a fixed date). */
  readonly now?: Date;
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
  const counts = new Map(RULES.map((r) => [r.id, { violations: 0, expected: 0, waived: 0 }]));
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
      production: env.role !== 'staging',
      now,
    };
    for (const rule of RULES) {
      for (const v of rule.check(ctx)) {
        const c = counts.get(rule.id)!;
        if (waiverFor(exceptions, rule.id, env.name, v)) {
          c.waived++;
          continue;
        }
        if (v.expected) c.expected++;
        else c.violations++;
        findings.push({
          check: 'policy',
          kind: v.expected ? 'policy-expected' : 'policy-violation',
          severity: v.expected || rule.severity === 'low' ? 'warning' : 'error',
          env: env.name,
          file: stackPath(env.name),
          path: v.address,
          message: `${rule.id} ${v.construct ? `${v.construct}: ` : ''}${v.message}${transformNote(env, v.construct)}${v.expected ? ` (expected: ${v.expected})` : ''}`,
          fix: v.fix,
          rule: rule.id,
          ruleSeverity: rule.severity,
          address: v.address,
          ...(v.checkov ? { checkov: v.checkov } : {}),
        });
      }
    }
  }
  // Unused only means something when every environment was judged.
  if (unjudged.length === 0 && envs.length === ws.manifests.size) findings.push(...unusedExceptions(exceptions));
  const rules = RULES.map((r) => ({
    id: r.id,
    title: r.title,
    category: r.category,
    severity: r.severity,
    checkov: r.checkov,
    covers: r.covers,
    ...counts.get(r.id)!,
  }));
  return { report: { rules, exceptions, unjudged }, findings };
}
