/**
 * A failback as reviewable manifest changes, after the primary region returns and the dr
 * environment runs as the primary (its `failover.step: complete`):
 *
 *  1. reprotect: the production manifest's `failback: step: reprotect`: its database becomes a read
 *     replica of the dr environment's (AWS cannot turn a standalone instance into a replica, so the
 *     old, diverged one is replaced), its compute at standby size;
 *  2. promote: at a fenced moment (writes stopped in the DR region, replica lag 0), the replica is
 *     promoted and compute scales up;
 *  3. complete: the full primary configuration, in place;
 *  4. restore: both sections removed (the dr environment a replica of the primary again, at its
 *     strategy's capacity): the manifests exactly as before the failover, apart from the history
 *     comment, which moves above `overrides`.
 *
 * `pnpm failback` writes the texts; a drill resolves the same texts in memory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isMap, isScalar, Pair, parseDocument, Scalar, YAMLMap } from 'yaml';
import {
  failbackState,
  failbackUnsupported,
  ManifestSchema,
  ParityError,
  parseYaml,
  refuseOne,
  type ResolvedEnvironment,
  resolveEnvironment,
  reverseCopyBehind,
} from '@parity/model';
import type { TerraformJson as TerraformDoc } from '@parity/model/terraform';
import { resourceDiff, type ResourceDiff } from '@parity/release';
import { currentFailover } from './failover.js';
import { strategyOf, type Pair as EnvPair } from './pair.js';

/** The steps of a failback, in order; `restore` removes the sections (it is not a value of `failback.step`). */
export type FailbackStep = 'reprotect' | 'promote' | 'complete' | 'restore';

export const FAILBACK_STEPS: readonly FailbackStep[] = ['reprotect', 'promote', 'complete', 'restore'];

/** The production manifest's `failback:` section. */
export interface FailbackSection {
  readonly step: Exclude<FailbackStep, 'restore'>;
  readonly at: string;
  readonly reason: string;
  readonly from: string;
}

/** The refusals of a failback: the model's factories, thrown as refusals. */
export const refuseFailback = {
  state: (...a: Parameters<typeof failbackState>): never => refuseOne(failbackState(...a)),
  unsupported: ({ dr, primary }: EnvPair): never =>
    refuseOne(
      failbackUnsupported({
        dr: dr.name,
        drRegion: dr.region,
        primary: primary.name,
        primaryRegion: primary.region,
        policy: dr.dr.policy,
        strategy: dr.dr.strategy,
      }),
    ),
  reverseCopyBehind: (...a: Parameters<typeof reverseCopyBehind>): never => refuseOne(reverseCopyBehind(...a)),
};

/** The failback section of the production manifest as it stands, if any. */
export function currentFailback(pair: EnvPair) {
  return pair.ws.manifests.get(pair.primary.name)?.data.failback;
}

/** The step a failback takes next; refused before the failover is complete, and under backup & restore. */
export function nextFailbackStep(pair: EnvPair): FailbackStep {
  const { dr, primary } = pair;
  const failover = currentFailover(pair);
  if (!failover) {
    return refuseFailback.state(
      dr.name,
      'failover',
      undefined,
      `${dr.name} has not failed over: there is nothing to fail back`,
      'failover.step: complete',
      `a failback returns after a completed failover (pnpm failover ${dr.name})`,
    );
  }
  if (strategyOf(dr) === 'backup-restore') return refuseFailback.unsupported(pair);
  if (failover.step !== 'complete') {
    return refuseFailback.state(
      dr.name,
      'failover.step',
      failover.step,
      `${dr.name}'s failover is not complete (failover.step: ${failover.step}): ${primary.name} can only become its DR once it runs as a full primary`,
      'complete',
      `complete the failover first: pnpm failover ${dr.name} (writes failover.step: complete), then apply ${dr.name}`,
    );
  }
  const current = currentFailback(pair);
  if (!current) return 'reprotect';
  return FAILBACK_STEPS[FAILBACK_STEPS.indexOf(current.step) + 1]!;
}

const iso = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The `failback:` section of a step (not of `restore`, which removes it). */
export function failbackSection(pair: EnvPair, step: FailbackSection['step'], at: Date, reason: string): FailbackSection {
  const from =
    step === 'reprotect'
      ? `${pair.dr.name} (${pair.dr.region}), replicated into ${pair.primary.region}`
      : `read replica of ${pair.dr.name} in ${pair.primary.region}`;
  return { step, at: iso(at), reason, from };
}

const WHAT: Record<FailbackStep, (p: EnvPair) => string> = {
  reprotect: (p) => `reprotect — ${p.primary.region} back; ${p.primary.name} becomes the DR of ${p.dr.name}`,
  promote: (p) => `promote — planned switchover back to ${p.primary.region}, writes fenced in ${p.dr.region}`,
  complete: (p) => `complete — ${p.primary.name} a full primary again`,
  restore: (p) => `restore — original roles: ${p.dr.name} recovers ${p.primary.name} again; failback done`,
};

/** One history line: when, what, who, and (promote) the lag at the switchover. */
export function failbackComment(pair: EnvPair, step: FailbackStep, at: Date, by: string, note?: string): string {
  const when = at.toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
  return ` ${when}: ${WHAT[step](pair)}, by ${by}${note ? `. ${note}` : ''}.`;
}

/** The text with `key:` set to `section` (before `overrides`), its history comment above it; everything else kept. */
export function setSection(text: string, key: string, section: object, comment: string): string {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) throw new Error('the manifest is not a YAML mapping');
  const root = doc.contents as YAMLMap<unknown, unknown>;
  const value = new YAMLMap<unknown, unknown>();
  for (const [k, v] of Object.entries(section)) {
    if (v === undefined) continue;
    const s = new Scalar(v);
    // a timestamp stays a string for every YAML reader
    if (k === 'at') s.type = Scalar.QUOTE_DOUBLE;
    value.set(k, s);
  }
  const name = new Scalar(key);
  const idx = root.items.findIndex((p) => isScalar(p.key) && p.key.value === key);
  if (idx >= 0) {
    const old = root.items[idx]!.key;
    const before = isScalar(old) ? old.commentBefore : undefined;
    name.commentBefore = before ? `${before}\n${comment}` : comment;
    root.items[idx] = new Pair(name, value);
  } else {
    name.commentBefore = comment;
    const at = root.items.findIndex((p) => isScalar(p.key) && p.key.value === 'overrides');
    root.items.splice(at >= 0 ? at : root.items.length, 0, new Pair(name, value));
  }
  return doc.toString();
}

/**
 * The text without `key:`; its history comment (and `closing`) moves above the key that followed
 * it, so the rest of the file is byte for byte what it was before the section was written.
 */
export function removeSection(text: string, key: string, closing: string): string {
  const doc = parseDocument(text);
  if (!isMap(doc.contents)) throw new Error('the manifest is not a YAML mapping');
  const root = doc.contents as YAMLMap<unknown, unknown>;
  const idx = root.items.findIndex((p) => isScalar(p.key) && p.key.value === key);
  if (idx < 0) return text;
  const old = root.items[idx]!.key;
  const history = [isScalar(old) ? old.commentBefore : undefined, closing].filter(Boolean).join('\n');
  root.items.splice(idx, 1);
  const next = root.items[idx]?.key;
  if (isScalar(next)) next.commentBefore = next.commentBefore ? `${history}\n${next.commentBefore}` : history;
  else doc.comment = doc.comment ? `${doc.comment}\n${history}` : history;
  return doc.toString();
}

/** One manifest's change: its texts, the environment resolved from the new one, its Terraform and the difference. */
export interface ManifestChange {
  readonly env: string;
  readonly file: string;
  readonly before: string;
  readonly after: string;
  readonly resolved: ResolvedEnvironment;
  readonly json: TerraformDoc;
  readonly diff: ResourceDiff;
}

export interface FailbackChange {
  readonly step: FailbackStep;
  /** The production manifest's change, then (step restore) the dr manifest's. */
  readonly files: readonly ManifestChange[];
  /** The pair with the changed manifests. */
  readonly pair: EnvPair;
}

async function synth(root: string, env: ResolvedEnvironment): Promise<TerraformDoc> {
  const { synthToJson } = await import('@parity/synth');
  return (await synthToJson(root, env)) as TerraformDoc;
}

/** The texts a step writes: the production manifest's (and, to restore, the dr manifest's). */
function newTexts(pair: EnvPair, step: FailbackStep, texts: Record<string, string>, comment: string, section?: FailbackSection) {
  const { primary, dr } = pair;
  if (step !== 'restore') return { [primary.name]: setSection(texts[primary.name]!, 'failback', section!, comment) };
  return {
    [primary.name]: removeSection(texts[primary.name]!, 'failback', comment),
    [dr.name]: removeSection(texts[dr.name]!, 'failover', comment),
  };
}

/**
 * The change of one step in full: the texts, resolved and synthesized in memory, and the
 * differences by address. `before`: the manifest texts to change (default: the files; a drill
 * passes the texts its earlier steps made, which it never writes).
 */
export async function failbackChange(
  pair: EnvPair,
  step: FailbackStep,
  comment: string,
  section?: FailbackSection,
  before: Readonly<Record<string, string>> = {},
): Promise<FailbackChange> {
  const { ws, primary, dr } = pair;
  const texts: Record<string, string> = {};
  for (const env of [primary.name, dr.name]) {
    texts[env] = before[env] ?? readFileSync(join(ws.root, ws.manifests.get(env)!.file), 'utf8');
  }
  const after = newTexts(pair, step, texts, comment, section);
  const manifests = new Map(ws.manifests);
  for (const [env, text] of Object.entries(after)) {
    const file = ws.manifests.get(env)!.file;
    const parsed = parseYaml(file, text, ManifestSchema);
    if (!parsed.source) throw new ParityError(parsed.issues, `failback step ${step} would leave ${file} invalid; nothing was written`);
    manifests.set(env, parsed.source);
  }
  const nextWs = { ...ws, manifests };
  const resolved = new Map<string, ResolvedEnvironment>();
  for (const env of [primary.name, dr.name]) {
    const r = resolveEnvironment(nextWs, env);
    if (!r.env) throw new ParityError(r.issues, `${env} would not resolve after failback step ${step}; nothing was written`);
    resolved.set(env, r.env);
  }
  const files: ManifestChange[] = [];
  for (const [env, text] of Object.entries(after)) {
    const now = env === primary.name ? primary : dr;
    const json = await synth(ws.root, resolved.get(env)!);
    const diff = resourceDiff(await synth(ws.root, now), json);
    files.push({ env, file: ws.manifests.get(env)!.file, before: texts[env]!, after: text, resolved: resolved.get(env)!, json, diff });
  }
  return { step, files, pair: { ws: nextWs, primary: resolved.get(primary.name)!, dr: resolved.get(dr.name)! } };
}
