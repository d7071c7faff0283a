/**
 * The two kinds of configuration file and how they are read:
 * - the platform definition (`environments/platform.yaml`): bundles at semver ranges, their
 *   defaults, which parameters may differ, tiers, DR targets and state backends;
 * - an environment manifest (`environments/<name>/environment.yaml`): only what differs.
 *
 * Parse, then validate against the schema, reporting every problem with file, field and line.
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Role } from './envname.js';
import { fileMissing, fileTooLarge, issue, type Issue } from './errors.js';
import { INPUT_LIMITS, inspectWorkspaceFile } from './files.js';
import { nameIssues, syntaxIssues, topLevelIssue } from './yaml-checks.js';

const identifier = z.string().regex(/^[a-z][a-zA-Z0-9]*$/, 'must start with a lower-case letter and hold only letters and digits');

export const CloudSchema = z.enum(['aws', 'gcp']).describe('The cloud the environment runs in.');
export const RoleSchema = z
  .enum(['staging', 'production', 'dr'])
  .describe('staging: pre-production; production: serves users; dr: recovers a production environment.');
export const StrategySchema = z
  .enum(['backup-restore', 'pilot-light', 'warm-standby', 'active-active'])
  .describe(
    'DR strategy (AWS Well-Architected): what already runs in the DR region before a failover. backup-restore: only the backup plane; pilot-light: a database replica, compute at zero; warm-standby: a replica and compute at standbyCapacityPercent. active-active is refused: Parity does not generate a multi-primary PostgreSQL.',
  );

/**
 * A named DR policy (the shape of an AWS Resilience Hub policy): a strategy and its targets. The
 * RPO is checked per data store (the worst store is the pair's RPO): `rpoMinutes` for every store,
 * `storeRpoMinutes` where one store has a target of its own (tighter, or looser where its mechanism
 * cannot meet the overall one). Nothing here refuses a short RPO: `pnpm check` reads how each store
 * reaches the DR region and names the store, and the lever, that cannot meet it.
 */
export const DrPolicySchema = z
  .object({
    strategy: StrategySchema,
    rpoMinutes: z
      .number()
      .int()
      .positive()
      .describe(
        'Recovery point objective: the most data, in minutes, a regional loss may cost, for every data store without a target of its own.',
      ),
    storeRpoMinutes: z
      .record(identifier, z.number().int().positive())
      .optional()
      .describe(
        'Per data store (bundle name), an RPO target of its own in minutes, e.g. `{ database: 5 }` (tighter than rpoMinutes) or `{ bucket: 15 }` (where its mechanism cannot meet rpoMinutes). Naming `queue` asks for a replay archive on every queue (queue.replay: archive). @default - rpoMinutes for every store',
      ),
    rtoMinutes: z.number().int().positive().describe('Recovery time objective: how long, in minutes, recovery may take.'),
    copyDelayMinutes: z
      .number()
      .int()
      .nonnegative()
      .default(60)
      .describe(
        'Budget for a cross-region backup copy (AWS Backup copy job, Backup for GKE, scheduled Cloud SQL backup) to land in the DR region. @default 60',
      ),
    replicaLagSeconds: z
      .number()
      .int()
      .min(1)
      .max(86400)
      .optional()
      .describe(
        "pilot-light and warm-standby: the database replica's lag budget in seconds, which is the database's RPO; its lag alarm (ReplicaLag, Cloud SQL replica_lag) fires above it. @default - copyDelayMinutes × 60",
      ),
    standbyCapacityPercent: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .describe("warm-standby only: DR compute at this share of the primary's node counts, at least one node."),
  })
  .strict();

export type DrPolicy = z.output<typeof DrPolicySchema>;

/** The failover step a dr manifest records (see docs/dr-strategies.md, "Failing over"). */
export const FailoverSchema = z
  .object({
    step: z
      .enum(['promote', 'complete', 'restore'])
      .describe(
        'promote: the replica becomes a standalone instance and compute scales up (apply 1); complete: the full primary configuration (apply 2); restore: backup & restore from `snapshot`.',
      ),
    at: z.string().optional().describe('When the failover was declared (ISO 8601).'),
    reason: z.string().optional().describe('Why: which region was lost, who declared it.'),
    from: z.string().optional().describe("What the data comes from (the replica's source, or the snapshot)."),
    snapshot: z.string().optional().describe('step restore only: the DB snapshot (identifier or ARN) to restore from.'),
  })
  .strict();

export type Failover = z.output<typeof FailoverSchema>;

/**
 * The failback step a production manifest records once its region is back and its dr environment
 * runs as the primary (see docs/dr-strategies.md, "Failing back"): the roles of the pair reversed, step by step.
 */
export const FailbackSchema = z
  .object({
    step: z
      .enum(['reprotect', 'promote', 'complete', 'restore'])
      .describe(
        "Pilot light and warm standby: reprotect (this environment becomes the DR of its promoted dr environment: its database a read replica of that one, re-created; compute at standby size), promote (the replica becomes standalone and compute scales up, at a fenced moment), complete (the full primary configuration). Backup & restore: reprotect (the dr environment's backups are copied into this region), restore (this environment's database re-created from `snapshot`, a copy of the fenced dr database). Then remove the section (and the dr manifest's failover section): the original roles.",
      ),
    at: z.string().optional().describe('When the step was written (ISO 8601).'),
    reason: z.string().optional().describe('Why, and who decided.'),
    from: z.string().optional().describe('What the data comes back from (the promoted dr environment).'),
    snapshot: z
      .string()
      .optional()
      .describe(
        "backup & restore, step restore only: the DB snapshot in this region (identifier or ARN) to re-create this environment's database from.",
      ),
  })
  .strict();

export type Failback = z.output<typeof FailbackSchema>;

const ParamValues = z.record(z.string(), z.unknown());

/** A policy rule ID of `pnpm check` (packages/checks/src/policy), e.g. `PAR-SEC-002`. */
export const RULE_ID = /^PAR-(SEC|RES)-\d{3}$/;

export const PolicyExceptionSchema = z
  .object({
    rule: z
      .string()
      .regex(RULE_ID, 'must be a policy rule ID such as PAR-SEC-002 (pnpm check lists them)')
      .describe('The policy rule this exception waives.'),
    addresses: z
      .array(z.string().min(1))
      .min(1)
      .describe(
        'What it covers: Terraform addresses (`aws_db_instance.database_instance_D7FC2283`) or construct paths (`database/instance`); `*` matches any characters.',
      ),
    reason: z
      .string()
      .trim()
      .min(1, 'an exception needs a reason a reviewer can judge')
      .describe('Why the rule does not apply, or why it cannot be met yet.'),
    expires: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
      .describe('The last day the exception holds (UTC); after it, `pnpm check` fails until it is renewed or removed.'),
  })
  .strict();

export type PolicyException = z.output<typeof PolicyExceptionSchema>;

/**
 * A bundle-level escape hatch (sst `transform`, cdktf `addOverride`): raw Terraform attributes of
 * one resource of a bundle, set after the bundle has built it. The policy rules see the result.
 */
export const TransformSchema = z
  .object({
    resource: z
      .string()
      .regex(/^[A-Za-z0-9_-]+(\/[A-Za-z0-9_-]+)*$/, 'must be a construct ID inside the bundle, e.g. instance or orders/topic')
      .describe(
        'The resource, by its construct ID inside the bundle (the path `pnpm check` shows after the bundle name, e.g. `instance` for `database/instance`).',
      ),
    set: z
      .record(
        z
          .string()
          .regex(
            /^[a-z0-9_]+(\.[a-z0-9_]+)*$/,
            'must be a Terraform attribute path in snake_case, e.g. deletion_protection or ingress.0.cidr_blocks',
          ),
        z.unknown(),
      )
      .refine((v) => Object.keys(v).length > 0, 'must set at least one attribute')
      .describe('Terraform attributes (snake_case, dotted for nested blocks) and their values, as cdktf `addOverride` takes them.'),
    reason: z
      .string()
      .trim()
      .min(1, 'a transform needs a reason a reviewer can judge')
      .describe("Why the bundle's own parameters do not cover this."),
    cloud: CloudSchema.optional().describe(
      'Only environments on this cloud (a bundle builds different resources per cloud). @default - every environment',
    ),
  })
  .strict();

export type Transform = z.output<typeof TransformSchema>;

/** `guardrails:` in the definition (fleet-wide) or a manifest (one environment). */
export const GuardrailsSchema = z
  .object({
    exceptions: z
      .array(PolicyExceptionSchema)
      .default([])
      .describe('Policy rules waived, each with the addresses it covers, a reason and an expiry date.'),
  })
  .strict();

/** How long a preview lives: whole hours or days, `72h`, `3d`. */
export const TTL_PATTERN = /^([1-9]\d{0,3})([hd])$/;

/** `previews:` in the definition: what CI's preview environments derive from, how long they live, the label that asks for one. */
export const PreviewsSchema = z
  .object({
    from: z
      .string()
      .describe(
        'The staging environment previews derive from (`pnpm preview <id>` without --from, and CI): they run its bundles, pins and overrides, in its account or project, with their state in its bucket.',
      ),
    ttl: z
      .string()
      .regex(TTL_PATTERN, 'must be whole hours or days, e.g. 72h or 3d')
      .default('72h')
      .describe('How long a preview lives after it was last created or updated (each push), at most 30 days. @default 72h'),
    label: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,49}$/, 'must be a GitHub label name: letters, digits, spaces and . _ : -')
      .default('preview')
      .describe('The pull-request label that asks CI for a preview. @default preview'),
  })
  .strict();

export type PreviewsSettings = z.output<typeof PreviewsSchema>;

export const BundleEntrySchema = z
  .object({
    package: z.string().optional().describe('npm package of the bundle. @default - `@parity/bundle-<name>`'),
    version: z.string().describe('semver range every environment must satisfy, e.g. `^1.0.0`.'),
    defaults: ParamValues.default({}).describe('Parameter values for every environment, over the bundle defaults.'),
    mayDiffer: z
      .array(z.string())
      .default([])
      .describe(
        'Parameters that may differ between environments (set by tiers or manifest overrides). All others must match. `transform:<resource>.<attribute>` lets a manifest transform set that attribute.',
      ),
    transforms: z
      .array(TransformSchema)
      .default([])
      .describe(
        "Escape hatch: raw Terraform attributes set on this bundle's resources in every environment. The policy rules still apply.",
      ),
  })
  .strict();

export const DefinitionSchema = z
  .object({
    $schema: z.string().optional(),
    platform: z
      .string()
      .regex(/^[a-z][a-z0-9]{1,11}$/, 'must be 2-12 lower-case letters or digits, starting with a letter')
      .describe('Short platform name; the first part of every physical name.'),
    defaults: z
      .object({
        cloud: CloudSchema.default('aws'),
        region: z
          .object({ aws: z.string().optional(), gcp: z.string().optional() })
          .strict()
          .default({})
          .describe('Region for environment names that carry none (e.g. `staging`).'),
      })
      .strict()
      .default({ cloud: 'aws', region: {} }),
    tiers: z
      .record(
        identifier,
        z
          .object({ drPolicy: z.string().optional().describe('The DR policy of production environments of this tier (reserved key).') })
          .catchall(ParamValues),
      )
      .describe("Named sizes: per bundle, values for parameters listed in `mayDiffer`; `drPolicy` names the tier's DR policy."),
    defaultTier: z
      .object({ staging: z.string(), production: z.string() })
      .strict()
      .describe('Tier given to new environments by role; a dr environment takes the tier of the one it recovers.'),
    dr: z
      .object({
        required: z.boolean().default(true).describe('Every production environment must have a dr environment.'),
        defaultPolicy: z.string().describe('The policy of production environments whose manifest and tier name none.'),
        policies: z
          .record(identifier, DrPolicySchema)
          .refine((r) => Object.keys(r).length > 0, 'define at least one policy')
          .describe('Named DR policies: a strategy, RPO, RTO and copy budget each.'),
        declaration: z
          .object({
            who: z.string().describe('Who may declare a regional disaster, and how to reach them (a role, not a person).'),
            criteria: z.array(z.string()).min(1).describe('When a disaster is declared: each criterion as one sentence.'),
          })
          .strict()
          .optional()
          .describe('Who declares a disaster and on what criteria: written into every runbook (environments/<dr-env>/RUNBOOK.md).'),
      })
      .strict(),
    state: z
      .object({
        aws: z
          .object({
            bucket: z.string().describe('S3 bucket for Terraform state; `{region}` is replaced by the state region.'),
            lockTable: z
              .string()
              .optional()
              .describe(
                "DynamoDB lock table, which must then exist in every state region (a dr environment's included). Terraform 1.11 deprecates it; without it, state is locked with a lock file next to it in the bucket (S3 `use_lockfile`, Terraform 1.10 or later).",
              ),
          })
          .strict(),
        gcp: z
          .object({ bucket: z.string().describe('GCS bucket for Terraform state; `{region}` is replaced by the state region.') })
          .strict(),
      })
      .strict(),
    residency: z
      .object({
        groups: z
          .record(z.string().regex(/^[A-Z][A-Z0-9+_-]*$/, 'upper-case letters, digits, +, _ and -'), z.array(z.string()).min(1))
          .default({})
          .describe('Named jurisdictions made of catalog ones, e.g. `EUROPE: [EU, UK, CH]`.'),
        environments: z
          .record(z.string(), z.string())
          .default({})
          .describe(
            'The jurisdiction of an environment, where its region alone does not say it: a catalog jurisdiction (EU, UK, US, CH, …) or a group. Its own region must be inside it.',
          ),
      })
      .strict()
      .default({ groups: {}, environments: {} })
      .describe("Where data may go. By default an environment's jurisdiction is its region's (EU member states are EU)."),
    gcp: z
      .object({
        project: z
          .string()
          .default('{platform}-{env}')
          .describe('GCP project ID pattern; `{platform}` and `{env}` are replaced. @default `{platform}-{env}`'),
      })
      .strict()
      .default({ project: '{platform}-{env}' }),
    guardrails: GuardrailsSchema.extend({
      minBackupRetentionDays: z
        .number()
        .int()
        .positive()
        .default(7)
        .describe('The shortest backup retention a stateful resource may have (policy rule PAR-RES-002). @default 7'),
    })
      .default({ exceptions: [], minBackupRetentionDays: 7 })
      .describe('Policy rules of `pnpm check`: exceptions for the whole fleet, and the thresholds the rules use.'),
    previews: PreviewsSchema.optional().describe(
      'Preview environments for pull requests: without this section `pnpm gen ci` writes no preview workflow and the bootstrap no preview identity (`pnpm preview` still derives previews locally).',
    ),
    bundles: z.record(identifier, BundleEntrySchema).describe('The bundles every environment runs.'),
  })
  .strict();

export type Definition = z.output<typeof DefinitionSchema>;
export type BundleEntry = z.output<typeof BundleEntrySchema>;

export const StateOverrideSchema = z
  .object({
    region: z.string().describe('Region of the state bucket. A dr environment must not keep state in the region it fails over from.'),
    bucket: z.string().optional().describe('Bucket name. @default - from the definition, with `{region}` replaced'),
  })
  .strict();

/** An exact semver version: what a manifest pins a bundle to. */
export const EXACT_VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export const PinSchema = z
  .string({ error: 'must be an exact version written as a string, e.g. 1.0.0 (quote a value YAML reads as a number: "1.0")' })
  .regex(EXACT_VERSION, 'must be an exact published version such as 1.0.0: a pin, not a range (no ^, ~, x, * or spaces)')
  .describe('An exact published version of the bundle, e.g. `1.0.0`.');

export const ManifestSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().describe('Must equal the folder name.'),
    cloud: CloudSchema,
    region: z.string().describe('Region code, e.g. us-west-2 or europe-west1.'),
    role: RoleSchema,
    tier: z.string().describe('A tier from the definition.'),
    recovers: z.string().optional().describe('dr only: the production environment this one recovers.'),
    drPolicy: z
      .string()
      .optional()
      .describe("production only: the DR policy this environment runs under. @default - the tier's drPolicy, else dr.defaultPolicy"),
    failover: FailoverSchema.optional().describe('dr only: the failover step in progress (written by whoever declares the failover).'),
    failback: FailbackSchema.optional().describe(
      'production only: the failback step in progress, once the dr environment that recovers this one has completed its failover (written by pnpm failback).',
    ),
    state: StateOverrideSchema.describe('Where this environment keeps its Terraform state.'),
    bundles: z
      .record(z.string(), PinSchema)
      .optional()
      .describe(
        'Per bundle, the exact published version this environment runs (a pin), e.g. `database: 1.0.0`; it is installed from the @parity registry, not taken from the workspace. A bundle not listed follows the workspace. `pnpm promote <bundle> --to <env>` moves a pin.',
      ),
    overrides: z
      .record(z.string(), ParamValues)
      .default({})
      .describe('Per bundle, values for parameters the definition lets differ. Explain each one in a comment.'),
    transforms: z
      .record(z.string(), z.array(TransformSchema))
      .optional()
      .describe(
        "Per bundle, raw Terraform attributes set on its resources in this environment only; each attribute must be allowed by `transform:<resource>.<attribute>` in the bundle's mayDiffer.",
      ),
    guardrails: GuardrailsSchema.optional().describe('Policy exceptions for this environment only.'),
  })
  .strict();

/**
 * An environment manifest as the model reads it: a manifest file, or the one `pnpm preview` derives
 * from a base environment (role `preview`, never written in a file: preview.ts).
 */
export type Manifest = Omit<z.output<typeof ManifestSchema>, 'role'> & { role: Role };

/** A parsed YAML file that can map a field path back to its line. */
export interface SourceFile<T> {
  readonly file: string;
  readonly data: T;
  lineOf(path: ReadonlyArray<string | number>): number | undefined;
}

/** Alias expansions a configuration file may make; more is refused as a resource exhaustion attack. */
export const MAX_YAML_ALIASES = 100;

/** Parse YAML and validate it; every problem becomes an Issue. `what` names the file in refusals ('manifest', 'definition'). */
export function parseYaml<S extends z.ZodType>(
  file: string,
  text: string,
  schema: S,
  what = 'manifest',
): { source?: SourceFile<z.output<S>>; issues: Issue[] } {
  // text that did not come through the guarded reader (a git blob) is held to the same limit
  const limit = INPUT_LIMITS.manifest;
  if (text.length > limit) return { issues: [fileTooLarge(file, what, Buffer.byteLength(text), limit)] };
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const lineAt = (offset: number | undefined) => (offset === undefined ? undefined : lineCounter.linePos(offset).line);
  if (doc.errors.length > 0) return { issues: syntaxIssues(file, doc, lineCounter) };
  const top = topLevelIssue(file, doc, what);
  if (top) return { issues: [top] };
  const names = nameIssues(file, doc, lineCounter);
  if (names.length) return { issues: names };
  const lineOf = (path: ReadonlyArray<string | number>): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) return lineAt(node.range[0]);
      // a key whose value is null has no node; fall back to the parent
    }
    return undefined;
  };
  let raw: unknown;
  try {
    // yaml refuses more than maxAliasCount alias expansions (a "billion laughs" file) by throwing.
    raw = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }) ?? {};
  } catch (e) {
    // the library's message can quote the file (an alias name): say which problem, not what it read
    const exhausted = /Excessive alias count/.test((e as Error).message);
    return {
      issues: [
        issue({
          kind: 'yaml',
          file,
          path: '',
          message: exhausted
            ? `not valid YAML: more than ${MAX_YAML_ALIASES} alias expansions`
            : 'not valid YAML: an alias (*name) refers to no anchor (&name) above it',
          ...(exhausted ? { allowed: `at most ${MAX_YAML_ALIASES} alias expansions` } : {}),
          fix: exhausted
            ? 'write the values out instead of nesting aliases (*name) of aliases'
            : 'define the anchor before the alias, or write the value out',
        }),
      ],
    };
  }
  const reserved = reservedKeys(raw);
  if (reserved.length) {
    return {
      issues: reserved.map((path) =>
        issue({
          kind: 'schema',
          file,
          path: path.join('.'),
          line: lineOf(path),
          value: path[path.length - 1],
          message: `"${String(path[path.length - 1])}" is a reserved word (a property of every JavaScript object), not a name`,
          fix: 'rename it',
        }),
      ),
    };
  }
  const parsed = schema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    return { issues: zodIssues(file, parsed.error, lineOf) };
  }
  return { source: { file, data: parsed.data, lineOf }, issues: [] };
}

/** Keys every object already has (`constructor`, `__proto__`, `toString`, …): as names of tiers, bundles or environments they would be found where nothing was written. */
const RESERVED_KEYS = new Set(Object.getOwnPropertyNames(Object.prototype));

/** The paths of keys, at any depth, that are reserved words. */
function reservedKeys(
  v: unknown,
  path: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  if (Array.isArray(v)) {
    for (const [i, x] of v.entries()) reservedKeys(x, [...path, i], out);
  } else if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      if (RESERVED_KEYS.has(k)) out.push([...path, k]);
      else reservedKeys((v as Record<string, unknown>)[k], [...path, k], out);
    }
  }
  return out;
}

/** Characters of a value a schema problem shows: enough to recognise it, never a file's worth. */
const MAX_SHOWN_VALUE = 80;

/**
 * The value a problem shows: a scalar (a long string shortened), or a small list or mapping; a
 * larger one is left out (its path and the message say where and what is wrong).
 */
export function shownValue(v: unknown): unknown {
  if (typeof v === 'string') return v.length > MAX_SHOWN_VALUE ? `${v.slice(0, MAX_SHOWN_VALUE - 1)}…` : v;
  if (v === null || typeof v !== 'object') return v;
  const json = JSON.stringify(v);
  return json !== undefined && json.length <= MAX_SHOWN_VALUE ? v : undefined;
}

/** Turn zod problems into Issues, with the value found and what is allowed. */
export function zodIssues(
  file: string,
  error: Pick<z.ZodError, 'issues'>,
  lineOf: (path: ReadonlyArray<string | number>) => number | undefined = () => undefined,
  prefix: ReadonlyArray<string | number> = [],
  valueAt?: (path: ReadonlyArray<PropertyKey>) => unknown,
): Issue[] {
  return error.issues.flatMap((z) => {
    const path = [...prefix, ...z.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const details = z as unknown as { values?: unknown[]; keys?: string[]; expected?: string; input?: unknown };
    if (z.code === 'unrecognized_keys' && details.keys) {
      // one issue per unknown field, at the field itself: its path and its line
      return details.keys.map((key) => {
        const at = [...path, key];
        const value = shownValue(valueAt ? valueAt([...z.path, key]) : (details.input as Record<string, unknown> | undefined)?.[key]);
        const fix = 'remove the field or correct its spelling (the JSON Schema in schemas/ lists every field)';
        return issue({
          kind: 'schema',
          file,
          path: at.join('.'),
          line: lineOf(at),
          value,
          message: `unknown field ${JSON.stringify(key)}`,
          fix,
        });
      });
    }
    let allowed: string | undefined;
    if (details.values) allowed = `one of ${details.values.map((v) => JSON.stringify(v)).join(', ')}`;
    else if (details.expected) allowed = `a value of type ${details.expected}`;
    const value = shownValue(valueAt ? valueAt(z.path) : details.input);
    return [
      issue({
        kind: 'schema',
        file,
        path: path.join('.'),
        line: lineOf(path),
        value,
        message: z.message,
        allowed,
        fix: `set ${path.join('.') || 'the file'} to an allowed value`,
      }),
    ];
  });
}

/**
 * Read a YAML file of the workspace through the guarded reader (no link, nothing outside the
 * workspace, a regular file under its size limit), then parse and validate it. A file the reader
 * refuses is one issue naming the path; a missing one is `file-missing`.
 */
export function readYaml<S extends z.ZodType>(
  root: string,
  file: string,
  schema: S,
  kind: 'definition' | 'manifest',
  /** How refusals name the file: a preview's record is read as a manifest ('preview record'). */
  what: string = kind,
): { source?: SourceFile<z.output<S>>; issues: Issue[] } {
  const r = inspectWorkspaceFile(root, file, { kind, what });
  if ('refused' in r) return { issues: [r.refused] };
  if ('missing' in r) return { issues: [fileMissing(file, what)] };
  return parseYaml(file, r.text, schema, what);
}
