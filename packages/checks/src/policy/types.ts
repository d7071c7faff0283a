/**
 * Policy rules over synthesized Terraform JSON: what each rule is (a stable ID, its Checkov
 * equivalents, a severity) and what it reports (the Terraform address, the problem, the fix).
 */
import type { Definition, ResolvedEnvironment } from '@parity/model';
import { blocks, type TerraformJson, type TfDoc, type TfResource } from '../tf.js';

export type RuleSeverity = 'critical' | 'high' | 'medium' | 'low';

/**
 * How a rule compares with a Checkov check it names, on the resources the rule judges: `equivalent`
 * (the same verdict on every resource shape of the ID's cases), `stricter` (Parity also fails shapes
 * the check passes, never the reverse) or `looser` (Parity passes a shape the check fails). No rule
 * may be looser than an ID it names: `checkov-ids.test.ts` runs every ID's cases and holds each
 * rule to what it says here.
 */
export type CheckovComparison = 'equivalent' | 'stricter' | 'looser';

/** A Checkov check a rule corresponds to (the same resource type and setting, read in bridgecrewio/checkov). */
export interface CheckovMapping {
  readonly id: string;
  readonly parity: CheckovComparison;
  /** What the rule reads as the check does, and what it reads beyond it (stricter). */
  readonly note: string;
  /** The environments the rule judges, when not all of them (the check judges every resource it is given). */
  readonly environments?: string;
}

/** A Checkov check the rule judges the same way. */
export const equivalent = (id: string, note: string, environments?: string): CheckovMapping => ({
  id,
  parity: 'equivalent',
  note,
  ...(environments ? { environments } : {}),
});

/** A Checkov check the rule is stricter than: it fails everything the check fails, and more. */
export const stricter = (id: string, note: string, environments?: string): CheckovMapping => ({
  id,
  parity: 'stricter',
  note,
  ...(environments ? { environments } : {}),
});

/** What a rule that needs no environment looks at: one stack's synthesized Terraform (an environment, or a bootstrap stack). */
export interface StackContext {
  readonly json: TerraformJson;
  readonly doc: TfDoc;
  readonly definition: Definition;
  /** The clock time-bound states are judged against (a failover in progress). */
  readonly now: Date;
}

/** What a rule has to look at: one environment's synthesized Terraform and what the definition asks. */
export interface PolicyContext extends StackContext {
  readonly env: ResolvedEnvironment;
  /** Production and dr environments: the resilience rules that only matter where users are served. */
  readonly production: boolean;
}

/** One resource that breaks a rule. */
export interface Violation {
  /** The Terraform address, e.g. `aws_db_instance.database_instance_D7FC2283`. */
  readonly address: string;
  /** The construct path inside the environment, e.g. `database/instance` (what transforms and exceptions may name). */
  readonly construct?: string;
  readonly message: string;
  readonly fix: string;
  /** The Checkov check that finds the same thing on this resource type, when there is one (one of its rule's `checkov`). */
  readonly checkov?: string;
  /**
   * Set when the state is expected and time-bound (a failover between its two applies): why, and
   * until when. Reported as a warning, not a violation; past that time the rule reports a violation.
   */
  readonly expected?: string;
}

export interface Rule {
  /** Stable: never reused, never renumbered. */
  readonly id: string;
  readonly title: string;
  readonly category: 'security' | 'resilience';
  readonly severity: RuleSeverity;
  /** The Checkov checks it corresponds to, each compared with the rule (read in bridgecrewio/checkov), for teams who know those. */
  readonly checkov: readonly CheckovMapping[];
  /** Resource types the rule reads; a type it does not know is not judged. */
  readonly covers: string;
  readonly check: (ctx: PolicyContext) => Violation[];
}

/** A rule that reads only the stack (the security rules): it also judges the bootstrap stacks. */
export interface StackRule extends Omit<Rule, 'check'> {
  readonly check: (ctx: StackContext) => Violation[];
}

/** The construct path of a synthesized resource relative to its stack (`database/instance`). */
export function constructOf(r: TfResource): string | undefined {
  const path = (r.body['//'] as { metadata?: { path?: string } } | undefined)?.metadata?.path;
  if (typeof path === 'string') return path.split('/').slice(1).join('/');
  // In-memory synthesis (Testing.synth) drops the metadata: the logical ID is the path joined by
  // "_" plus a hash, which gives the path back for construct IDs without "_".
  const parts = r.name.split('_');
  return parts.length >= 2 && /^[0-9A-F]{8}$/.test(parts[parts.length - 1]!) ? parts.slice(0, -1).join('/') : undefined;
}

/** A violation on a resource, with its address and construct path. */
export function on(r: TfResource, v: Omit<Violation, 'address' | 'construct'>): Violation {
  const construct = constructOf(r);
  return { address: r.address, ...(construct ? { construct } : {}), ...v };
}

export { isExpression } from '@parity/model/terraform';

/** A nested block's first object (cdktf writes single blocks as objects, hand-written JSON as lists). */
export function block(v: unknown): Record<string, unknown> | undefined {
  return blocks(v)[0];
}

/** Every resource of the given types. */
export function resourcesOf(doc: TfDoc, ...types: string[]): TfResource[] {
  return types.flatMap((t) => doc.resources(t));
}

/** Whether a resource of `type` references `target` in `attr` (e.g. a lock configuration naming a vault). */
export function referencing(doc: TfDoc, type: string, attr: string, target: TfResource): TfResource[] {
  return doc.resources(type).filter((r) => {
    const v = r.body[attr];
    return typeof v === 'string' && v.startsWith(`\${${target.address}.`);
  });
}

/** A Terraform boolean that is true: `true`, or the string `"true"` (Terraform converts it). */
export const isTrue = (v: unknown): boolean => v === true || v === 'true';

/** A Terraform boolean that is false: `false` or `"false"`. */
export const isFalse = (v: unknown): boolean => v === false || v === 'false';

/** A Terraform number: a number or a numeric string; undefined for anything else (unset, an expression). */
export function numberOf(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : undefined;
}

/** A value or a list of values as a list; unset is empty. */
export const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/**
 * Whether an S3 bucket is versioned: an aws_s3_bucket_versioning referencing it with status Enabled,
 * or its own `versioning { enabled = true }` (deprecated, still read by the provider).
 */
export function s3Versioned(doc: TfDoc, bucket: TfResource): boolean {
  return (
    isTrue(block(bucket.body.versioning)?.enabled) ||
    referencing(doc, 'aws_s3_bucket_versioning', 'bucket', bucket).some((v) => block(v.body.versioning_configuration)?.status === 'Enabled')
  );
}
