/**
 * The one guarded reader of the files Parity reads from a workspace: the definition, the
 * manifests, the templates, drill reports, changesets, the registry configuration and the
 * Terraform Parity wrote. A file's content can reach a pull-request comment (`pnpm check
 * --markdown`, which CI posts), `--json` and the HTML report, and a pull request from a fork
 * chooses the files. So a file is read only when it is what it seems:
 *
 * - not a symbolic link (`environment.yaml -> /proc/self/environ` is refused, naming the path);
 * - inside the workspace once every folder on its path is resolved;
 * - a regular file: not a directory, a FIFO (whose read would block), a socket or a device;
 * - readable: opened, not only stat'ed (an access check can differ from the open);
 * - at most the size limit of its kind, judged from its size before a byte is read (a 50 MB
 *   manifest is refused at once, not parsed for 18 s in 2.5 GB).
 *
 * The file is opened with O_NOFOLLOW and O_NONBLOCK and checked again through the open
 * descriptor, so a file swapped for a link or a FIFO between the check and the read is refused
 * too. Refusals are Issues from `errors.ts` that name the path and never the content.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync, type Stats } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { type ParseError, parseTree } from 'jsonc-parser';
import {
  fileIsLink,
  fileMissing,
  fileNotRegular,
  fileOutside,
  fileTooLarge,
  fileUnreadable,
  type Issue,
  jsonInvalid,
  refuseOne,
} from './errors.js';

const MiB = 1024 * 1024;

/**
 * What Parity reads, and the most of each it reads. A person writes and reviews the first four;
 * Parity writes the last two.
 */
export const INPUT_LIMITS = {
  /** The platform definition. */
  definition: MiB,
  /** An environment manifest. */
  manifest: MiB,
  /** A handlebars template (templates/env, ci, runbook, bundle). */
  template: MiB,
  /** A changeset, `.npmrc`, the registry's configuration, a package.json. */
  config: MiB,
  /** A drill report (environments/<dr>/drills/*.json): steps, findings and what was not exercised. */
  'drill report': 16 * MiB,
  /** Terraform JSON and caches Parity wrote itself (cdktf.out, .parity). */
  generated: 256 * MiB,
} as const;

/** The kind of file being read: names it in refusals and sets its size limit. */
export type InputKind = keyof typeof INPUT_LIMITS;

export interface ReadOptions {
  /** What the file is ('manifest', 'template', …): its size limit and how refusals call it. */
  readonly kind: InputKind;
  /** How refusals name it (default: the kind). */
  readonly what?: string;
  /** A different size limit, in bytes. */
  readonly limit?: number;
}

/** The outcome of reading one file: its text, or why it was refused (a missing file is `missing`). */
export type ReadResult = { readonly text: string } | { readonly refused: Issue } | { readonly missing: true };

function typeOf(s: Stats): string {
  if (s.isDirectory()) return 'directory';
  if (s.isFIFO()) return 'FIFO (named pipe)';
  if (s.isSocket()) return 'socket';
  if (s.isCharacterDevice()) return 'character device';
  if (s.isBlockDevice()) return 'block device';
  return 'special file';
}

/** The workspace root with every link resolved, cached per root. */
const realRoots = new Map<string, string>();
function realRoot(root: string): string {
  let r = realRoots.get(root);
  if (r === undefined) {
    r = realpathSync(root);
    realRoots.set(root, r);
  }
  return r;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

/** The problem with the file at `abs` as lstat sees it, if any. */
function judgeStats(s: Stats, shown: string, what: string, limit: number): Issue | undefined {
  if (s.isSymbolicLink()) return fileIsLink(shown, what);
  if (!s.isFile()) return fileNotRegular(shown, what, typeOf(s));
  if (s.size > limit) return fileTooLarge(shown, what, s.size, limit);
  return undefined;
}

/** Read at most `limit + 1` bytes of an open file: one more than allowed says it grew past the limit. */
function readCapped(fd: number, limit: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (;;) {
    const buf = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1 - total));
    const n = readSync(fd, buf, 0, buf.length, null);
    if (n === 0) break;
    chunks.push(buf.subarray(0, n));
    total += n;
    if (total > limit) break;
  }
  return Buffer.concat(chunks, total);
}

/**
 * Read a file of the workspace at `root` (`file` relative to it, or absolute inside it), or say
 * why not. Never throws for the file itself; a missing file is `{ missing: true }`.
 */
export function inspectWorkspaceFile(workspace: string, file: string, opts: ReadOptions): ReadResult {
  const what = opts.what ?? opts.kind;
  const limit = opts.limit ?? INPUT_LIMITS[opts.kind];
  const root = resolve(workspace);
  const abs = isAbsolute(file) ? file : resolve(root, file);
  const shown = inside(root, abs) ? relative(root, abs) : abs;
  if (!inside(root, abs)) return { refused: fileOutside(shown, what, root) };
  let s: Stats;
  try {
    s = lstatSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ENOENT' || code === 'ENOTDIR') return { missing: true };
    return { refused: fileUnreadable(shown, what, code) };
  }
  const bad = judgeStats(s, shown, what, limit);
  if (bad) return { refused: bad };
  // a folder on the way that is a link (environments/staging -> /etc) leaves the workspace
  if (!inside(realRoot(root), realpathSync(abs))) return { refused: fileOutside(shown, what, root) };
  let fd: number;
  try {
    fd = openSync(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
    if (code === 'ELOOP') return { refused: fileIsLink(shown, what) };
    if (code === 'ENOENT') return { missing: true };
    return { refused: fileUnreadable(shown, what, code) };
  }
  try {
    // what was opened, which may not be what was stat'ed a moment ago
    const opened = fstatSync(fd);
    const swapped = opened.ino !== s.ino || opened.dev !== s.dev;
    const badOpened = judgeStats(opened, shown, what, limit);
    if (badOpened) return { refused: badOpened };
    if (swapped) return { refused: fileOutside(shown, what, root) };
    const bytes = readCapped(fd, limit);
    if (bytes.length > limit) return { refused: fileTooLarge(shown, what, bytes.length, limit) };
    return { text: bytes.toString('utf8') };
  } catch (e) {
    return { refused: fileUnreadable(shown, what, (e as NodeJS.ErrnoException).code ?? 'EIO') };
  } finally {
    closeSync(fd);
  }
}

/** Read a file of the workspace, or refuse it (a ParityError naming the path and why). */
export function readWorkspaceFile(root: string, file: string, opts: ReadOptions): string {
  const r = inspectWorkspaceFile(root, file, opts);
  if ('text' in r) return r.text;
  if ('refused' in r) refuseOne(r.refused);
  const abs = isAbsolute(file) ? file : resolve(root, file);
  return refuseOne(fileMissing(relative(root, abs), opts.what ?? opts.kind));
}

/** Read a file of the workspace that may be absent: undefined when it is, refused when it is not what it seems. */
export function readWorkspaceFileIfExists(root: string, file: string, opts: ReadOptions): string | undefined {
  const r = inspectWorkspaceFile(root, file, opts);
  if ('text' in r) return r.text;
  if ('refused' in r) refuseOne(r.refused);
  return undefined;
}

/** Line and column (1-based) of a character offset in a text. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, column: offset - start + 1 };
}

/**
 * Parse JSON read from `file`; a parse error is refused naming the file, line and column, never
 * echoing the text (V8's message quotes it). jsonc-parser finds where, in strict JSON mode.
 */
export function parseJsonFile<T = unknown>(file: string, text: string, what: string): { value?: T; refused?: Issue } {
  try {
    return { value: JSON.parse(text) as T };
  } catch {
    const errors: ParseError[] = [];
    parseTree(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const offset = errors[0]?.offset ?? 0;
    return { refused: jsonInvalid(file, what, lineColumn(text, offset)) };
  }
}

/** Read and parse a JSON file of the workspace, or refuse it (the reader's refusals, or where it does not parse). */
export function readWorkspaceJson<T = unknown>(root: string, file: string, opts: ReadOptions): T {
  const text = readWorkspaceFile(root, file, opts);
  const shown = isAbsolute(file) ? relative(root, file) : file;
  const r = parseJsonFile<T>(shown, text, opts.what ?? opts.kind);
  if (r.refused) refuseOne(r.refused);
  return r.value as T;
}

/** Read and parse a JSON file of the workspace that may be absent (a cache, a stack not synthesized yet). */
export function readWorkspaceJsonIfExists<T = unknown>(root: string, file: string, opts: ReadOptions): T | undefined {
  const text = readWorkspaceFileIfExists(root, file, opts);
  if (text === undefined) return undefined;
  const r = parseJsonFile<T>(isAbsolute(file) ? relative(root, file) : file, text, opts.what ?? opts.kind);
  if (r.refused) refuseOne(r.refused);
  return r.value as T;
}

/**
 * Whether a committed generated file (a workflow, a schema, a runbook) holds exactly `content`:
 * false when it is missing, differs in size (judged before reading), or is not a regular file
 * of the workspace (a link is stale, and writing the file replaces it).
 */
export function holdsExactly(root: string, file: string, content: string): boolean {
  const want = Buffer.byteLength(content);
  const r = inspectWorkspaceFile(root, file, { kind: 'generated', limit: want });
  return 'text' in r && r.text === content;
}
