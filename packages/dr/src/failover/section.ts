/**
 * A failover as a reviewable change to the DR manifest (the `failover:` section): which step
 * comes next for the pair's strategy, the section and its history comment, the manifest text
 * with it (the YAML document edited, comments kept), the environment resolved and synthesized
 * from that text, the Terraform difference by address, and the steps Terraform does not do.
 *
 * `pnpm failover` writes the text; a drill resolves the same text in memory, so what is
 * practised is what is run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Failover,
  failoverDone,
  ManifestSchema,
  ParityError,
  parseYaml,
  type ResolvedEnvironment,
  refuseOne,
  resolveEnvironment,
} from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { resourceDiff, type ResourceDiff } from '@parity/release';
import { strategyOf, type Pair as EnvPair } from '../pair.js';
import { setSection } from '../manifest-section.js';
import type { RecoveryPoint } from './recovery-point.js';
import { describePoint } from './recovery-point.js';

export type FailoverStep = Failover['step'];

/** The manifest's `failover:` section (DESIGN-dr §4). */
export interface FailoverSection {
  readonly step: FailoverStep;
  readonly at: string;
  readonly reason: string;
  readonly from: string;
  /** step restore only: what the database is restored from. */
  readonly snapshot?: string;
}

/** The failover section of a DR manifest as it stands, if any (hand-written ones may lack at, reason, from). */
export function currentFailover(pair: EnvPair): Failover | undefined {
  return pair.ws.manifests.get(pair.dr.name)?.data.failover;
}

/** The step a failover takes next: restore (backup & restore), promote then complete (a replica); a finished one is refused. */
export function nextStep(pair: EnvPair): FailoverStep {
  const strategy = strategyOf(pair.dr);
  const current = currentFailover(pair);
  if (strategy === 'backup-restore') return current ? refuseOne(failoverDone(pair.dr.name, current, pair.primary.region)) : 'restore';
  if (!current) return 'promote';
  if (current.step === 'promote') return 'complete';
  return refuseOne(failoverDone(pair.dr.name, current, pair.primary.region));
}

/** The `failover:` section for the next step, from the recovery point found. */
export function failoverSection(pair: EnvPair, step: FailoverStep, point: RecoveryPoint, at: Date, reason: string): FailoverSection {
  const iso = at.toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (point.kind === 'snapshot') {
    return {
      step,
      at: iso,
      reason,
      from: `${point.source === 'backup-vault' ? 'recovery point' : 'snapshot copy'} of ${pair.primary.name} in ${pair.dr.region}`,
      snapshot: point.restoreFrom,
    };
  }
  return { step, at: iso, reason, from: `read replica of ${pair.primary.name} (${point.source ?? 'source unknown'})` };
}

/** The history comment above the section: when, why, who declared, from what and how old it was. */
export function failoverComment(pair: EnvPair, section: FailoverSection, point: RecoveryPoint, at: Date, declaredBy: string): string {
  const when = at.toISOString().replace(/:\d{2}\.\d{3}Z$/, 'Z');
  return ` ${when}: ${section.step} — ${pair.primary.region} lost (${section.reason}), declared by ${declaredBy}. ${describePoint(point, at, pair.dr.dr.rpoMinutes)}.`;
}

export interface FailoverChange {
  readonly file: string;
  readonly before: string;
  readonly after: string;
  readonly section: FailoverSection;
  /** The pair with the changed manifest (for the next step of the same failover). */
  readonly pair: EnvPair;
  /** The DR environment resolved from the changed manifest. */
  readonly env: ResolvedEnvironment;
  /** Its Terraform after the change. */
  readonly json: TerraformJson;
  readonly diff: ResourceDiff;
}

async function synth(root: string, env: ResolvedEnvironment): Promise<TerraformJson> {
  const { synthToJson } = await import('@parity/synth');
  return (await synthToJson(root, env)) as TerraformJson;
}

/**
 * The change in full: the manifest text with the section, resolved and synthesized in memory, and
 * the difference. `before` is the manifest text to change (default: the file; a drill's second
 * step passes the first step's text, which it never writes).
 */
export async function failoverChange(pair: EnvPair, section: FailoverSection, comment: string, before?: string): Promise<FailoverChange> {
  const src = pair.ws.manifests.get(pair.dr.name)!;
  const text = before ?? readFileSync(join(pair.ws.root, src.file), 'utf8');
  const after = setSection(text, 'failover', section, comment);
  const parsed = parseYaml(src.file, after, ManifestSchema);
  if (!parsed.source) throw new ParityError(parsed.issues, `the failover would leave ${src.file} invalid; nothing was written`);
  const ws = { ...pair.ws, manifests: new Map(pair.ws.manifests).set(pair.dr.name, parsed.source) };
  const r = resolveEnvironment(ws, pair.dr.name);
  if (!r.env) throw new ParityError(r.issues, `${pair.dr.name} would not resolve with failover.step ${section.step}; nothing was written`);
  const json = await synth(pair.ws.root, r.env);
  const diff = resourceDiff(await synth(pair.ws.root, pair.dr), json);
  return { file: src.file, before: text, after, section, pair: { ...pair, ws, dr: r.env }, env: r.env, json, diff };
}
