/**
 * A failback as reviewable manifest changes, after the primary region returns and the dr
 * environment runs as the primary (its failover done).
 *
 * Pilot light and warm standby:
 *  1. reprotect: the production manifest's `failback: step: reprotect`: its database becomes a read
 *     replica of the dr environment's (AWS cannot turn a standalone instance into a replica, so the
 *     old, diverged one is replaced), its compute at standby size;
 *  2. promote: at a fenced moment (writes stopped in the DR region, replica lag 0), the replica is
 *     promoted and compute scales up;
 *  3. complete: the full primary configuration, in place;
 *  4. restore: both sections removed (the dr environment a replica of the primary again, at its
 *     strategy's capacity).
 *
 * Backup & restore:
 *  1. reprotect: `failback: step: reprotect`: the dr environment's backups are also copied into the
 *     production region (a copy vault with its own key there, copy actions, replicated automated
 *     backups); the production environment itself is unchanged;
 *  2. restore: at a fenced moment (writes stopped in the DR region), a snapshot of the dr database
 *     is taken, copied into the production region, and the production database re-created from it:
 *     nothing written before the fence is lost;
 *  3. complete: both sections removed: the original roles.
 *
 * Either way the last step leaves the manifests exactly as before the failover, apart from the
 * history comment, which moves above `overrides`. `pnpm failback` writes the texts; a drill
 * resolves the same texts in memory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  failbackState,
  completedFailoverStep,
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
import { currentFailover } from '../failover/section.js';
import { removeSection, setSection } from '../manifest-section.js';
import { strategyOf, type Pair as EnvPair } from '../pair.js';

/** The steps of a failback: `failback.step` values, and the last step, which removes the sections (`restore` for a replica, `complete` under backup & restore). */
export type FailbackStep = 'reprotect' | 'promote' | 'complete' | 'restore';

/** The steps of a failback of a replica pair, in order. */
export const FAILBACK_STEPS: readonly FailbackStep[] = ['reprotect', 'promote', 'complete', 'restore'];

/** The steps of a failback of a backup & restore pair, in order. */
export const BACKUP_FAILBACK_STEPS: readonly FailbackStep[] = ['reprotect', 'restore', 'complete'];

/** The steps of this pair's failback, in order. */
export function failbackSteps(pair: EnvPair): readonly FailbackStep[] {
  return strategyOf(pair.dr) === 'backup-restore' ? BACKUP_FAILBACK_STEPS : FAILBACK_STEPS;
}

/** Whether `step` is the last one of this pair's failback: both sections removed, the original roles. */
export function restoresRoles(pair: EnvPair, step: FailbackStep): boolean {
  const steps = failbackSteps(pair);
  return steps[steps.length - 1] === step;
}

/** The production manifest's `failback:` section. */
export interface FailbackSection {
  readonly step: FailbackStep;
  readonly at: string;
  readonly reason: string;
  readonly from: string;
  /** Backup & restore, step restore: the snapshot in the production region the database is re-created from. */
  readonly snapshot?: string;
}

/** The refusals of a failback: the model's factories, thrown as refusals. */
export const refuseFailback = {
  state: (...a: Parameters<typeof failbackState>): never => refuseOne(failbackState(...a)),
  reverseCopyBehind: (...a: Parameters<typeof reverseCopyBehind>): never => refuseOne(reverseCopyBehind(...a)),
};

/** The failback section of the production manifest as it stands, if any. */
export function currentFailback(pair: EnvPair) {
  return pair.ws.manifests.get(pair.primary.name)?.data.failback;
}

/** The step a failback takes next; refused before the failover is done. */
export function nextFailbackStep(pair: EnvPair): FailbackStep {
  const { dr, primary } = pair;
  const failover = currentFailover(pair);
  if (!failover) {
    return refuseFailback.state(
      dr.name,
      'failover',
      undefined,
      `${dr.name} has not failed over: there is nothing to fail back`,
      `failover.step: ${completedFailoverStep(dr.dr.strategy)}`,
      `a failback returns after a completed failover (pnpm failover ${dr.name})`,
    );
  }
  const done = completedFailoverStep(dr.dr.strategy);
  if (failover.step !== done) {
    return refuseFailback.state(
      dr.name,
      'failover.step',
      failover.step,
      `${dr.name}'s failover is not complete (failover.step: ${failover.step}): ${primary.name} can only become its DR once it runs as a full primary`,
      done,
      `complete the failover first: pnpm failover ${dr.name} (writes failover.step: ${done}), then apply ${dr.name}`,
    );
  }
  const steps = failbackSteps(pair);
  const current = currentFailback(pair);
  if (!current) return 'reprotect';
  const at = steps.indexOf(current.step);
  const next = at >= 0 ? steps[at + 1] : undefined;
  if (!next || restoresRoles(pair, current.step)) {
    return refuseFailback.state(
      primary.name,
      'failback.step',
      current.step,
      `failback.step ${current.step} is not a step of ${strategyOf(dr)}`,
      steps.slice(0, -1).join(', '),
      'correct the failback section, or remove it',
    );
  }
  return next;
}

const iso = (at: Date) => at.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The `failback:` section of a step (not of the last, which removes it); `snapshot`: backup & restore's step restore. */
export function failbackSection(
  pair: EnvPair,
  step: FailbackSection['step'],
  at: Date,
  reason: string,
  snapshot?: string,
): FailbackSection {
  const { dr, primary } = pair;
  const backups = strategyOf(dr) === 'backup-restore';
  const from =
    step === 'reprotect'
      ? `${dr.name} (${dr.region}), ${backups ? 'its backups copied' : 'replicated'} into ${primary.region}`
      : backups
        ? `snapshot of ${dr.name}'s database taken after the fence, copied into ${primary.region}`
        : `read replica of ${dr.name} in ${primary.region}`;
  return { step, at: iso(at), reason, from, ...(snapshot ? { snapshot } : {}) };
}

const ROLES = (p: EnvPair) => `original roles: ${p.dr.name} recovers ${p.primary.name} again; failback done`;

const WHAT: Record<FailbackStep, (p: EnvPair) => string> = {
  reprotect: (p) => `reprotect — ${p.primary.region} back; ${p.primary.name} becomes the DR of ${p.dr.name}`,
  promote: (p) => `promote — planned switchover back to ${p.primary.region}, writes fenced in ${p.dr.region}`,
  complete: (p) => (restoresRoles(p, 'complete') ? `complete — ${ROLES(p)}` : `complete — ${p.primary.name} a full primary again`),
  restore: (p) =>
    restoresRoles(p, 'restore')
      ? `restore — ${ROLES(p)}`
      : `restore — planned switchover back to ${p.primary.region}: ${p.primary.name} re-created from a snapshot of ${p.dr.name} taken with writes fenced in ${p.dr.region}`,
};

/** One history line: when, what, who, and (the switchover) what it switched over from. */
export function failbackComment(pair: EnvPair, step: FailbackStep, at: Date, by: string, note?: string): string {
  const when = at.toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
  return ` ${when}: ${WHAT[step](pair)}, by ${by}${note ? `. ${note}` : ''}.`;
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

/** An environment whose Terraform changes with another manifest's section (backup & restore, reprotect: the dr environment's reverse copies). */
export interface TerraformChange {
  readonly env: string;
  readonly resolved: ResolvedEnvironment;
  readonly json: TerraformDoc;
  readonly diff: ResourceDiff;
}

export interface FailbackChange {
  readonly step: FailbackStep;
  /** The production manifest's change, then (the last step) the dr manifest's. */
  readonly files: readonly ManifestChange[];
  /** Environments to apply whose manifest does not change. */
  readonly alsoChanged: readonly TerraformChange[];
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
  if (!restoresRoles(pair, step)) return { [primary.name]: setSection(texts[primary.name]!, 'failback', section!, comment) };
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
  const alsoChanged: TerraformChange[] = [];
  for (const now of [primary, dr]) {
    const env = now.name;
    const json = await synth(ws.root, resolved.get(env)!);
    const diff = resourceDiff(await synth(ws.root, now), json);
    const text = after[env];
    if (text !== undefined) {
      files.push({ env, file: ws.manifests.get(env)!.file, before: texts[env]!, after: text, resolved: resolved.get(env)!, json, diff });
    } else if (diff.added.length + diff.changed.length + diff.removed.length > 0) {
      alsoChanged.push({ env, resolved: resolved.get(env)!, json, diff });
    }
  }
  return { step, files, alsoChanged, pair: { ws: nextWs, primary: resolved.get(primary.name)!, dr: resolved.get(dr.name)! } };
}
