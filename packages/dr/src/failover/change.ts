/**
 * A failover as a reviewable change to the DR manifest: the manifest text with the `failover:`
 * section (the YAML document edited, comments kept), the environment resolved and synthesized from
 * that text, and the Terraform difference by address.
 *
 * `pnpm failover` writes the text; a drill resolves the same text in memory, so what is
 * practised is what is run.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ManifestSchema, ParityError, parseYaml, type ResolvedEnvironment, resolveEnvironment } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { resourceDiff, type ResourceDiff } from '@parity/release';
import { setSection } from '../manifest-section.js';
import { type Pair as EnvPair, terraformOf } from '../pair.js';
import type { FailoverSection } from './section.js';

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

/**
 * The change in full: the manifest text with the section, resolved and synthesized in memory, and
 * the difference. `before` is the manifest text to change (default: the file; a drill's second
 * step passes the first step's text, which it never writes).
 */
export async function failoverChange(pair: EnvPair, section: FailoverSection, comment: string, before?: string): Promise<FailoverChange> {
  const src = pair.ws.manifests.get(pair.dr.name)!;
  const text = before ?? readFileSync(join(pair.ws.root, src.file), 'utf8');
  const after = setSection(text, 'failover', section, comment, src.file);
  const parsed = parseYaml(src.file, after, ManifestSchema);
  if (!parsed.source) throw new ParityError(parsed.issues, `the failover would leave ${src.file} invalid; nothing was written`);
  const ws = { ...pair.ws, manifests: new Map(pair.ws.manifests).set(pair.dr.name, parsed.source) };
  const r = resolveEnvironment(ws, pair.dr.name);
  if (!r.env) throw new ParityError(r.issues, `${pair.dr.name} would not resolve with failover.step ${section.step}; nothing was written`);
  const json = await terraformOf(pair.ws.root, r.env);
  const diff = resourceDiff(await terraformOf(pair.ws.root, pair.dr), json);
  return { file: src.file, before: text, after, section, pair: { ...pair, ws, dr: r.env }, env: r.env, json, diff };
}
