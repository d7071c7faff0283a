/**
 * What is judged on a YAML document before its schema: syntax errors, a top level that is not a
 * mapping, and names holding a character outside ASCII. A file that fails here may not be a
 * Parity file at all, so these problems say where (file, line, column) and never echo what the
 * file holds; the one exception is the name a problem is about (a duplicate key, a look-alike
 * character), shortened.
 */
import { type Document, isMap, isScalar, isSeq, type LineCounter, type Node, type Scalar, type YAMLError } from 'yaml';
import { type Issue, issue, nameCharacter, notYamlMapping } from './errors.js';
import { foreignCharacter } from './names.js';

/** What each YAML error code means, written here: the library's messages can quote the file (a tag, an escape, a header). */
const SYNTAX: Readonly<Record<string, string>> = {
  ALIAS_PROPS: 'an alias (*name) cannot carry a tag or an anchor',
  BAD_ALIAS: 'an alias (*name) that is not well formed',
  BAD_DIRECTIVE: 'a directive (%…) that is not well formed',
  BAD_DQ_ESCAPE: 'an escape sequence a double-quoted string does not allow',
  BAD_INDENT: 'indentation that does not line up with the level it belongs to',
  BAD_PROP_ORDER: 'an anchor or tag in the wrong place',
  BAD_SCALAR_START: 'a plain value that starts with a character reserved by YAML (quote it)',
  BLOCK_AS_IMPLICIT_KEY: 'a block used as a key',
  BLOCK_IN_FLOW: 'a block inside a flow collection ([…] or {…})',
  DUPLICATE_KEY: 'a duplicate key',
  IMPOSSIBLE: 'a structure YAML cannot represent',
  KEY_OVER_1024_CHARS: 'a key longer than 1024 characters',
  MISSING_CHAR: 'a missing character (a closing quote or bracket, a comma, a space after a colon)',
  MULTILINE_IMPLICIT_KEY: 'a key that runs over more than one line (a missing colon or quote above?)',
  MULTIPLE_ANCHORS: 'more than one anchor on one value',
  MULTIPLE_DOCS: 'more than one document (---): a Parity file is one document',
  MULTIPLE_TAGS: 'more than one tag on one value',
  NON_STRING_KEY: 'a key that is not a string',
  RESOURCE_EXHAUSTION: 'too many alias expansions',
  TAB_AS_INDENT: 'a tab used as indentation (YAML indents with spaces)',
  TAG_RESOLVE_FAILED: 'a tag (!…) YAML does not know',
  UNEXPECTED_TOKEN: 'a character YAML did not expect here',
  BAD_COLLECTION_TYPE: 'a tag that does not fit its collection',
};

/** At most this many characters of a name from the file are shown. */
const SHOWN = 60;

function shorten(s: string): string {
  const one = s.replace(/[\r\n\t]/g, ' ');
  return one.length > SHOWN ? `${one.slice(0, SHOWN - 1)}…` : one;
}

type Segment = string | number;

/** Every key of the document, with its path (keys and list indices) and its scalar node. */
function* pairs(node: unknown, path: Segment[] = []): Generator<{ path: Segment[]; key: Scalar; value: unknown }> {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isScalar(pair.key)) continue;
      const at = [...path, String(pair.key.value)];
      yield { path: at, key: pair.key, value: pair.value };
      yield* pairs(pair.value, at);
    }
  } else if (isSeq(node)) {
    for (const [i, item] of node.items.entries()) yield* pairs(item, [...path, i]);
  }
}

/** The key path of the node starting at `offset`, for a duplicate key. */
function keyAt(doc: Document, offset: number): { path: Segment[]; key: string } | undefined {
  for (const p of pairs(doc.contents)) if (p.key.range?.[0] === offset) return { path: p.path, key: String(p.key.value) };
  return undefined;
}

/** YAML syntax errors: the kind of error, the line and column; a duplicate key by name and path. */
export function syntaxIssues(file: string, doc: Document, lines: LineCounter): Issue[] {
  return doc.errors.map((e: YAMLError) => {
    const { line, col } = lines.linePos(e.pos[0]);
    const what = SYNTAX[e.code] ?? 'a syntax error';
    if (e.code === 'DUPLICATE_KEY') {
      const dup = keyAt(doc, e.pos[0]);
      const name = dup ? JSON.stringify(shorten(dup.key)) : 'a key';
      const path = dup ? dup.path.join('.') : '';
      return issue({
        kind: 'yaml',
        file,
        path: shorten(path),
        line,
        column: col,
        ...(dup ? { value: shorten(dup.key) } : {}),
        message: `not valid YAML: the key ${name} appears twice in the same mapping (line ${line}, column ${col})`,
        allowed: 'each key once per mapping',
        fix: `remove one of the two ${name} entries, or merge them`,
      });
    }
    return issue({
      kind: 'yaml',
      file,
      path: '',
      line,
      column: col,
      message: `not valid YAML: ${what} at line ${line}, column ${col}`,
      fix: 'correct the YAML syntax there',
    });
  });
}

/** A document whose top level is not a mapping (a scalar: perhaps not a Parity file at all; a list; nothing). */
export function topLevelIssue(file: string, doc: Document, what: string): Issue | undefined {
  const top = doc.contents as Node | null;
  if (isMap(top)) return undefined;
  const found = top === null ? 'empty' : isSeq(top) ? 'a list' : 'a single value';
  return notYamlMapping(file, found, what);
}

/**
 * Where keys stop being names: below a parameter, a tier's parameter, a bundle default or a
 * transform's attribute, keys are a value's own (tags, labels) and may be anything.
 */
const PAYLOADS = ['overrides.*.*', 'tiers.*.*.*', 'bundles.*.defaults.*', 'transforms.*.*.set.*', 'bundles.*.transforms.*.set.*'];

/** Fields whose value is a name (an environment, a region, a tier, a policy, a version, a rule). */
const NAME_VALUES = [
  'name',
  'cloud',
  'role',
  'region',
  'tier',
  'recovers',
  'drPolicy',
  'state.region',
  'bundles.*',
  'platform',
  'defaults.cloud',
  'defaults.region.*',
  'tiers.*.drPolicy',
  'defaultTier.*',
  'dr.defaultPolicy',
  'residency.groups.*.*',
  'residency.environments.*',
  'bundles.*.package',
  'bundles.*.version',
  'bundles.*.mayDiffer.*',
  'guardrails.exceptions.*.rule',
  'transforms.*.*.resource',
  'bundles.*.transforms.*.resource',
  'failover.step',
  'failback.step',
];

function matches(pattern: string, path: readonly Segment[]): boolean {
  const parts = pattern.split('.');
  return parts.length === path.length && parts.every((p, i) => p === '*' || p === String(path[i]));
}

function inPayload(path: readonly Segment[]): boolean {
  return PAYLOADS.some((p) => {
    const n = p.split('.').length;
    return path.length > n && matches(p, path.slice(0, n));
  });
}

/** Where a scalar's text starts in the file (after its opening quote). */
function textStart(s: Scalar): number | undefined {
  const start = s.range?.[0];
  if (start === undefined) return undefined;
  return s.type === 'QUOTE_DOUBLE' || s.type === 'QUOTE_SINGLE' ? start + 1 : start;
}

/** Every name (a key, or the value of a name field) holding a character outside ASCII, by code point and position. */
export function nameIssues(file: string, doc: Document, lines: LineCounter): Issue[] {
  const out: Issue[] = [];
  const judge = (name: string, path: readonly Segment[], node: Scalar) => {
    const found = foreignCharacter(name);
    if (!found) return;
    const start = textStart(node);
    const pos = start === undefined ? undefined : lines.linePos(start + found.offset);
    out.push(nameCharacter(file, path.join('.'), shorten(name), found, pos ? { line: pos.line, column: pos.col } : {}));
  };
  for (const { path, key, value } of pairs(doc.contents)) {
    if (!inPayload(path)) judge(String(key.value), path, key);
    if (isScalar(value) && typeof value.value === 'string' && NAME_VALUES.some((p) => matches(p, path))) judge(value.value, path, value);
    if (isSeq(value) && NAME_VALUES.some((p) => matches(p, [...path, 0]))) {
      for (const [i, item] of value.items.entries()) {
        if (isScalar(item) && typeof item.value === 'string') judge(item.value, [...path, i], item);
      }
    }
  }
  return out;
}
