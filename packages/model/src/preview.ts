/**
 * Preview environments: one per pull request, derived from a base environment, gone when the pull
 * request closes or its time is up (`pnpm preview <id> --from <base>`).
 *
 * A preview is never committed. What is written is a small record, `environments/preview-<id>/
 * preview.yaml` (gitignored): the base, the lifetime, the expiry, and a region if asked for. The
 * environment itself is derived from that record and the base's manifest every time a command
 * loads the workspace (`previewManifest`): the base's cloud, region, bundles, pins, overrides and
 * transforms, the preview tier (`tiers.preview`, else the tier staging gets: the definition's
 * smallest), role `preview`, no DR pair, its state under `previews/<name>/` in the base's state
 * bucket. So a preview cannot drift from its base: change the base in a pull request and that
 * pull request's preview changes with it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { z } from 'zod';
import { readYaml, TTL_PATTERN, type Definition, type Manifest, type SourceFile } from './config.js';
import {
  previewBaseInvalid,
  previewBaseMissing,
  previewRecordBroken,
  previewRecordFile,
  previewTtlInvalid,
  refuse,
  type Issue,
} from './errors.js';
import { own } from './own.js';

/** A preview's name is this prefix and its id: `preview-pr-1234`. No environment name starts with it (no role is called `preview`). */
export const PREVIEW_PREFIX = 'preview-';

/** The longest id: `preview-<id>` stays a valid GCP label value (63 characters) with room to spare. */
export const PREVIEW_ID_MAX = 40;

const PREVIEW_ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** The longest lifetime a preview may be given. */
export const PREVIEW_TTL_MAX_HOURS = 30 * 24;

/** What `pnpm preview` writes: everything about a preview that cannot be derived from its base. */
export const PreviewRecordSchema = z
  .object({
    id: z.string().describe('The preview id (the pull request: pr-1234).'),
    from: z.string().describe('The base environment the preview derives from.'),
    ttl: z.string().regex(TTL_PATTERN, 'must be whole hours or days, e.g. 72h').describe('How long it lives after it was made.'),
    created: z.string().datetime().describe('When it was made (or made again), UTC.'),
    expires: z.string().datetime().describe('When it may be destroyed: created + ttl, rounded up to the hour, UTC.'),
    region: z.string().optional().describe("A region other than the base's. @default - the base's region"),
  })
  .strict();

export type PreviewRecord = z.output<typeof PreviewRecordSchema>;

/** The environment name of a preview. */
export function previewName(id: string): string {
  return `${PREVIEW_PREFIX}${id}`;
}

/** Whether an id can name a preview (and so be part of every physical name). */
export function validPreviewId(id: string): boolean {
  return id.length <= PREVIEW_ID_MAX && PREVIEW_ID.test(id);
}

/** Whether an environment is a preview. */
export function isPreview(env: { readonly role: string }): boolean {
  return env.role === 'preview';
}

/** The prefix of every preview's state in a state bucket: what the preview identity may reach. */
export const PREVIEW_STATE_ROOT = 'previews';

/**
 * What a bundle sets on a store that must go with its content: a preview is destroyed whole when
 * its pull request closes or it expires, and a vault holding recovery points or a bucket holding
 * objects would stop that destroy. Nothing for any other environment.
 */
export function destroyedWithContent(env: { readonly role: string }): { forceDestroy?: true } {
  return isPreview(env) ? { forceDestroy: true } : {};
}

/** Where a preview keeps its state (and CI its record) in the base's bucket: `previews/<name>/`. */
export function previewStatePrefix(name: string): string {
  return `${PREVIEW_STATE_ROOT}/${name}`;
}

/** A lifetime in hours (`72h`, `3d`), or undefined when it is not one or exceeds the maximum. */
export function ttlHours(ttl: string): number | undefined {
  const m = TTL_PATTERN.exec(ttl);
  if (!m) return undefined;
  const hours = Number(m[1]) * (m[2] === 'd' ? 24 : 1);
  return hours <= PREVIEW_TTL_MAX_HOURS ? hours : undefined;
}

/** The expiry of a preview made at `now` to live `hours`: rounded up to the hour, so pushes within an hour change nothing. */
export function expiryOf(now: Date, hours: number): Date {
  const t = new Date(now.getTime() + hours * 3_600_000);
  if (t.getUTCMinutes() || t.getUTCSeconds() || t.getUTCMilliseconds()) t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
  return t;
}

/** The tag (AWS, provider default_tags) and label (GCP, default_labels) every resource of a preview carries: its expiry. */
export const PREVIEW_EXPIRY_TAG = { aws: 'parity:expires', gcp: 'parity-expires' } as const;

/** An expiry as a GCP label value (no colon, no capital): `2026-12-10T04:00:00Z` → `2026-12-10t04-00-00z`. */
export function expiryLabel(iso: string): string {
  return iso.toLowerCase().replaceAll(':', '-').replaceAll('.', '-');
}

/** Whether a preview has passed its expiry. */
export function isExpired(record: Pick<PreviewRecord, 'expires'>, now: Date): boolean {
  return Date.parse(record.expires) <= now.getTime();
}

/** The tier a preview runs: `tiers.preview` when the definition has one, else the tier staging gets (the definition's smallest). */
export function previewTier(def: Definition): string {
  return own(def.tiers, 'preview') ? 'preview' : def.defaultTier.staging;
}

/** The environments a preview may derive from: staging and production ones, sorted. */
export function previewBases(manifests: ReadonlyMap<string, SourceFile<Manifest>>): string[] {
  return [...manifests.values()]
    .filter((s) => s.data.role === 'staging' || s.data.role === 'production')
    .map((s) => s.data.name)
    .sort();
}

/**
 * The manifest of a preview, derived from its base: everything the base runs (bundles, pins,
 * overrides, transforms, exceptions) but what makes the base what it is in the fleet: its role,
 * tier and DR policy, a failover or failback under way. Overrides of parameters the preview tier
 * sets are left out: the tier sizes the preview.
 */
export function previewManifest(def: Definition, record: PreviewRecord, base: Manifest): Manifest {
  const tier = previewTier(def);
  const sized = (own(def.tiers, tier) ?? {}) as Record<string, unknown>;
  const overrides = Object.fromEntries(
    Object.entries(base.overrides).map(([bundle, values]) => {
      const set = sized[bundle] && typeof sized[bundle] === 'object' ? Object.keys(sized[bundle] as object) : [];
      return [bundle, Object.fromEntries(Object.entries(values).filter(([k]) => !set.includes(k)))];
    }),
  );
  return {
    name: previewName(record.id),
    cloud: base.cloud,
    region: record.region ?? base.region,
    role: 'preview',
    tier,
    // the base's bucket: the preview's state goes under previews/<name>/ there
    state: { ...base.state },
    ...(base.bundles ? { bundles: { ...base.bundles } } : {}),
    overrides,
    ...(base.transforms ? { transforms: base.transforms } : {}),
    ...(base.guardrails ? { guardrails: base.guardrails } : {}),
  };
}

/** The names of the preview folders under environments/ that hold a record, sorted. */
export function previewNames(environmentsDir: string): string[] {
  if (!existsSync(environmentsDir)) return [];
  return readdirSync(environmentsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name.startsWith(PREVIEW_PREFIX) && existsSync(join(environmentsDir, d.name, 'preview.yaml')))
    .map((d) => d.name)
    .sort();
}

/** The previews of a workspace: each record that can be read, and the manifest derived from those whose base is there. */
export interface LoadedPreviews {
  readonly records: ReadonlyMap<string, SourceFile<PreviewRecord>>;
  readonly manifests: ReadonlyMap<string, SourceFile<Manifest>>;
  readonly issues: readonly Issue[];
}

/** Read every preview record under environments/ and derive its manifest from its base among `manifests`. */
export function loadPreviews(
  root: string,
  environmentsDir: string,
  def: Definition,
  manifests: ReadonlyMap<string, SourceFile<Manifest>>,
): LoadedPreviews {
  const records = new Map<string, SourceFile<PreviewRecord>>();
  const derived = new Map<string, SourceFile<Manifest>>();
  const issues: Issue[] = [];
  for (const name of previewNames(environmentsDir)) {
    const file = previewRecordFile(name);
    const r = readYaml(root, file, PreviewRecordSchema, 'manifest', 'preview record');
    if (!r.source) {
      issues.push(...r.issues);
      continue;
    }
    // listed even when it cannot be derived (its base gone): `pnpm preview --list` names it, the cleanup finds it
    records.set(name, r.source);
    const problem = recordProblem(name, r.source, manifests);
    if (problem) issues.push(problem);
    else derived.set(name, derivedSource(def, r.source, manifests));
  }
  return { records, manifests: derived, issues };
}

/** A preview's manifest as a source file: the record's file, whose own fields (id, region) have their lines there. */
function derivedSource(
  def: Definition,
  rec: SourceFile<PreviewRecord>,
  manifests: ReadonlyMap<string, SourceFile<Manifest>>,
): SourceFile<Manifest> {
  return {
    file: rec.file,
    data: previewManifest(def, rec.data, manifests.get(rec.data.from)!.data),
    // the rest comes from the base and the definition
    lineOf: (path) => (path[0] === 'region' || path[0] === 'name' ? rec.lineOf(path[0] === 'name' ? ['id'] : path) : undefined),
  };
}

/** What a workspace holds of previews; `withPreview` adds one in memory (to resolve it before its record is written). */
interface PreviewInput {
  readonly definition: SourceFile<Definition>;
  readonly manifests: ReadonlyMap<string, SourceFile<Manifest>>;
  readonly previews?: ReadonlyMap<string, SourceFile<PreviewRecord>>;
}

/** The workspace with one more preview, made from `record` (its base among the manifests), nothing written. */
export function withPreview<W extends PreviewInput>(ws: W, record: PreviewRecord): W {
  const name = previewName(record.id);
  const file = previewRecordFile(name);
  const rec: SourceFile<PreviewRecord> = { file, data: record, lineOf: () => undefined };
  const problem = recordProblem(name, rec, ws.manifests);
  if (problem) refuse(`cannot derive ${name}`, problem);
  return {
    ...ws,
    manifests: new Map([...ws.manifests, [name, derivedSource(ws.definition.data, rec, ws.manifests)]]),
    previews: new Map([...(ws.previews ?? []), [name, rec]]),
  };
}

/** The record's file: what it is, and the fields, in a fixed order (the same record gives the same bytes). */
export function previewRecordText(record: PreviewRecord): string {
  const { id, from, ttl, created, expires, region } = record;
  const head = [
    `# The preview ${previewName(id)}, made by \`pnpm preview\` (gitignored, never committed). The environment is`,
    `# derived from ${from} on every command; \`pnpm preview ${id} --remove\` removes it here (destroy it first).`,
  ].join('\n');
  return `${head}\n${stringify({ id, from, ttl, created, expires, ...(region ? { region } : {}) })}`;
}

/** What keeps a record from making a preview: a name that is not its id's, a bad lifetime, a base that is gone or cannot be one. */
function recordProblem(
  name: string,
  rec: SourceFile<PreviewRecord>,
  manifests: ReadonlyMap<string, SourceFile<Manifest>>,
): Issue | undefined {
  const { id, from, ttl } = rec.data;
  const at = (path: string) => ({ file: rec.file, path, line: rec.lineOf([path]) });
  if (previewName(id) !== name || !validPreviewId(id)) return previewRecordBroken(name, `its id "${id}" does not name the folder ${name}`);
  if (ttlHours(ttl) === undefined) return previewTtlInvalid(at('ttl'), ttl, PREVIEW_TTL_MAX_HOURS);
  const base = manifests.get(from);
  if (!base) return previewBaseMissing(at('from'), from, previewBases(manifests), id);
  if (base.data.role !== 'staging' && base.data.role !== 'production')
    return previewBaseInvalid(at('from'), from, base.data.role, previewBases(manifests));
  return undefined;
}

/**
 * `previews.from` in the definition names the staging environment CI derives previews from: an
 * environment of the workspace, and a staging one (the preview identity is given that
 * environment's account or project, never a production one's).
 */
export function previewsSettingIssues(defSrc: SourceFile<Definition>, manifests: ReadonlyMap<string, SourceFile<Manifest>>): Issue[] {
  const from = defSrc.data.previews?.from;
  if (from === undefined) return [];
  const path = ['previews', 'from'];
  const at = { file: defSrc.file, path: path.join('.'), line: defSrc.lineOf(path) };
  const stagings = [...manifests.values()]
    .filter((s) => s.data.role === 'staging')
    .map((s) => s.data.name)
    .sort();
  const base = manifests.get(from);
  // not yet, while a fleet is being stamped: what needs it (pnpm gen ci) refuses it then
  if (!base) return [{ ...previewBaseMissing(at, from, stagings), severity: 'warning' }];
  if (base.data.role !== 'staging') return [previewBaseInvalid(at, from, base.data.role, stagings, 'a staging environment')];
  return [];
}
