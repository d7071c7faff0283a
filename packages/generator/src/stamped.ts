/**
 * What `gen env` stamped from the model into an existing environment, kept true when the model
 * changes: its README.md, whole, and the comments of its manifest that say what the model gives
 * (the summary line, the region's name and jurisdiction, the DR policy's figures, the region it
 * recovers, where its state is kept). The manifest's values and hand edits are never touched.
 *
 * A dr environment's README says what runs in its region under the policy of the environment it
 * recovers ("Do not apply this environment now" under backup & restore): when that policy changes,
 * `gen env` of the production environment restamps it, `gen env <name> --refresh` restamps one by
 * hand, and `pnpm check` names a stale one.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { MANIFEST_FILE, readWorkspaceFileIfExists, resolveEnvironment, type Issue, type Workspace } from '@parity/model';
import { renderEnvironment, templateView, type EnvView } from './generate.js';

const README = 'README.md';

/** One stamped file of an environment: what the model gives now, and what the file holds (undefined: missing). */
export interface StampedFile {
  /** Relative to the workspace root. */
  readonly file: string;
  readonly text: string;
  readonly current: string | undefined;
}

/**
 * The stamped files of environment `name` as the model gives them now (the README, and the manifest
 * with its stamped comments refreshed). Nothing when it does not resolve (its own problems come
 * first) or when the workspace has no `templates/env`.
 */
export function stampedFiles(ws: Workspace, name: string): { files: StampedFile[]; issues: Issue[] } {
  const src = ws.manifests.get(name);
  // a preview is derived on every load from its record, never stamped: it has no files of its own
  const role = src?.data.role;
  if (role === 'preview') return { files: [], issues: [] };
  const resolved = resolveEnvironment(ws, name);
  const errors = resolved.issues.filter((i) => i.severity === 'error');
  if (!src || !resolved.env || errors.length > 0 || !existsSync(join(ws.root, 'templates', 'env', `${README}.hbs`)))
    return { files: [], issues: errors };
  const manifest = { ...src.data, role: role! };
  const recoversRegion = manifest.recovers ? ws.manifests.get(manifest.recovers)?.data.region : undefined;
  const view = templateView(ws.definition.data, manifest, resolved.env, name, recoversRegion);
  const rendered = renderEnvironment(ws.root, { view });
  // through the guarded reader: a stamped file that is a link, or too large, is refused naming it
  const read = (file: string) =>
    readWorkspaceFileIfExists(ws.root, file, file === src.file ? { kind: 'manifest' } : { kind: 'generated', what: 'environment README' });
  const readme = relative(ws.root, join(ws.environmentsDir, name, README));
  const files: StampedFile[] = [{ file: readme, text: rendered.get(README) ?? '', current: read(readme) }];
  const manifestText = read(src.file);
  const stampedManifest = rendered.get(MANIFEST_FILE);
  if (manifestText !== undefined && stampedManifest !== undefined)
    files.push({ file: src.file, text: refreshComments(manifestText, stampedManifest, view), current: manifestText });
  return { files, issues: [] };
}

/** The stamped files of `name` that exist and no longer match the model (a missing README is not stale). */
export function staleStampedFiles(ws: Workspace, name: string): string[] {
  return stampedFiles(ws, name)
    .files.filter((f) => f.current !== undefined && f.current !== f.text)
    .map((f) => f.file);
}

/** The environments whose stamped files follow `name`'s: the dr environments that recover it. */
export function stampedDependents(ws: Workspace, name: string): string[] {
  return [...ws.manifests.values()].filter((s) => s.data.recovers === name).map((s) => s.data.name);
}

/** A line `key: value # comment` (its key and value, then the comment). */
const COMMENTED_VALUE = /^(\s*[\w-]+: [^#\n]*?) # .*$/;

/**
 * `text` (a manifest as it is) with the comments the template stamps set to what `stamped` (the
 * template rendered from the model now) says: the summary line (`# <name>: …`), the comment after
 * each value the template comments (`region: eu-west-1 # …`, only where the value is the same), and
 * the note above the state region. Every other line is left as written.
 */
export function refreshComments(text: string, stamped: string, view: Pick<EnvView, 'name'>): string {
  const fresh = stamped.split('\n');
  const byValue = new Map<string, string>();
  for (const l of fresh) {
    const m = COMMENTED_VALUE.exec(l);
    if (m) byValue.set(m[1]!, l);
  }
  const summary = fresh.find((l) => l.startsWith(`# ${view.name}: `));
  const stateNote = fresh.findIndex((l, i) => l.startsWith('  # ') && fresh[i - 1] === 'state:');
  const lines = text.split('\n');
  const out = lines.map((l, i) => {
    if (summary && l.startsWith(`# ${view.name}: `)) return summary;
    const m = COMMENTED_VALUE.exec(l);
    if (m && byValue.has(m[1]!)) return byValue.get(m[1]!)!;
    if (stateNote >= 0 && l.startsWith('  # ') && lines[i - 1] === 'state:' && lines[i + 1] === fresh[stateNote + 1])
      return fresh[stateNote]!;
    return l;
  });
  return out.join('\n');
}
