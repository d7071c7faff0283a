/**
 * The one editor of a manifest's DR sections (`failover:` in a dr manifest, `failback:` in a
 * production one): the YAML document edited in place, every other byte and comment kept. A
 * section is set before `overrides`, with a history comment above it that grows with each step;
 * removing it moves that history above the key that followed, so the file reads exactly as before
 * the section was written, plus the history.
 */
import { notYamlMapping, refuseOne } from '@parity/model';
import { type Document, isMap, isScalar, isSeq, Pair, parseDocument, Scalar, YAMLMap } from 'yaml';

/** The document's top-level mapping; refused when the manifest (`file`) is anything else. */
function mappingOf(doc: Document, file: string): YAMLMap<unknown, unknown> {
  const c = doc.contents;
  if (isMap(c)) return c as YAMLMap<unknown, unknown>;
  return refuseOne(notYamlMapping(file, c === null ? 'empty' : isSeq(c) ? 'a list' : 'a single value'));
}

/** The text with `key:` set to `section` (before `overrides`), its history comment above it; everything else kept. */
export function setSection(text: string, key: string, section: object, comment: string, file = '(manifest)'): string {
  const doc = parseDocument(text);
  const root = mappingOf(doc, file);
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
export function removeSection(text: string, key: string, closing: string, file = '(manifest)'): string {
  const doc = parseDocument(text);
  const root = mappingOf(doc, file);
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
