/**
 * A failback step as reviewable manifest changes: the production manifest's `failback:` section
 * set (or, at the last step, both sections removed), each text resolved and synthesized in
 * memory, and the Terraform differences by address, with the environments whose Terraform
 * changes though their manifest does not. `pnpm failback` writes the texts; a drill resolves the
 * same texts in memory.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestSchema, ParityError, parseYaml, type ResolvedEnvironment, resolveEnvironment } from '@parity/model';
import type { TerraformJson as TerraformDoc } from '@parity/model/terraform';
import { resourceDiff, type ResourceDiff } from '@parity/release';
import { removeSection, setSection } from '../manifest-section.js';
import { type Pair as EnvPair, terraformOf } from '../pair.js';
import { type FailbackSection, type FailbackStep, restoresRoles } from './section.js';

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

/** The texts a step writes: the production manifest's (and, to restore, the dr manifest's). */
function newTexts(pair: EnvPair, step: FailbackStep, texts: Record<string, string>, comment: string, section?: FailbackSection) {
  const { ws, primary, dr } = pair;
  const [p, d] = [primary.name, dr.name];
  const fileOf = (env: string) => ws.manifests.get(env)?.file;
  const text = (env: string) => texts[env] ?? '';
  if (section && !restoresRoles(pair, step)) return { [p]: setSection(text(p), 'failback', section, comment, fileOf(p)) };
  return {
    [p]: removeSection(text(p), 'failback', comment, fileOf(p)),
    [d]: removeSection(text(d), 'failover', comment, fileOf(d)),
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
    const json = await terraformOf(ws.root, resolved.get(env)!);
    const diff = resourceDiff(await terraformOf(ws.root, now), json);
    const text = after[env];
    if (text !== undefined) {
      files.push({ env, file: ws.manifests.get(env)!.file, before: texts[env]!, after: text, resolved: resolved.get(env)!, json, diff });
    } else if (diff.added.length + diff.changed.length + diff.removed.length > 0) {
      alsoChanged.push({ env, resolved: resolved.get(env)!, json, diff });
    }
  }
  return { step, files, alsoChanged, pair: { ws: nextWs, primary: resolved.get(primary.name)!, dr: resolved.get(dr.name)! } };
}
