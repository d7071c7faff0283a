/**
 * One error model (issue 22 §4): every refusal a user can trigger is a ParityError made by a
 * factory in packages/model/src/errors.ts, with the file, the field, the value, what is allowed
 * and the fix. This lint fails on what escapes it in shipped code (packages/*\/src and
 * bundles/*\/src, tests and test support excluded):
 *
 * - a `throw new Error(…)` (or `throw Error(…)`) that the allow-list does not name: an internal
 *   invariant is allowed, each with the reason it cannot be reached by a user;
 * - a class extending Error outside errors.ts.
 *
 * An allow-list entry that matches nothing fails too, so the list stays true. The syntax is read
 * with the TypeScript compiler (comments and strings holding the words do not count). `pnpm lint`
 * runs it after Biome: `tsx packages/lint/src/throws.ts`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/** One allowed `throw new Error(`: in `file`, the throw whose text contains `contains`, and why it is allowed. */
export interface Allowed {
  readonly file: string;
  readonly contains: string;
  readonly reason: string;
}

/** The allow-list file: entries grouped in titled sections, and folders not scanned at all, each with a reason. */
export interface AllowList {
  readonly excluded: ReadonlyArray<{ readonly path: string; readonly reason: string }>;
  readonly sections: ReadonlyArray<{ readonly title: string; readonly entries: readonly Allowed[] }>;
}

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** Where shipped code lives, relative to the root. */
const SHIPPED = ['packages', 'bundles'];
/** The one file that may define Error subclasses. */
const ERROR_MODEL = 'packages/model/src/errors.ts';

function isTest(file: string): boolean {
  return /\.test\.ts$/.test(file) || /(^|\/)__(tests|fixtures)__\//.test(file);
}

/** Every shipped TypeScript file under `root`: `<group>/<pkg>/src/**\/*.ts`, tests and excluded paths left out. */
export function shippedFiles(root: string, excluded: readonly string[] = []): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const rel = relative(root, p).split(sep).join('/');
      if (excluded.some((x) => rel === x || rel.startsWith(`${x}/`))) continue;
      if (e.isDirectory() && e.name !== 'node_modules' && !e.name.startsWith('.')) walk(p);
      else if (e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !isTest(rel)) out.push(rel);
    }
  };
  for (const group of SHIPPED) {
    let pkgs: string[];
    try {
      pkgs = readdirSync(join(root, group));
    } catch {
      continue;
    }
    for (const pkg of pkgs.sort()) {
      const src = join(root, group, pkg, 'src');
      const rel = relative(root, src).split(sep).join('/');
      if (excluded.some((x) => rel === x || rel.startsWith(`${x}/`) || `${group}/${pkg}` === x)) continue;
      try {
        walk(src);
      } catch {
        // a package without src/
      }
    }
  }
  return out.sort();
}

/** `Error`, `globalThis.Error`: the built-in, not a subclass of it. */
function isErrorName(e: ts.Expression): boolean {
  if (ts.isIdentifier(e)) return e.text === 'Error';
  return ts.isPropertyAccessExpression(e) && e.name.text === 'Error' && ts.isIdentifier(e.expression) && e.expression.text === 'globalThis';
}

/** The bare throws and Error subclasses of one file's source. */
export function scanSource(file: string, text: string): Array<{ kind: 'throw' | 'subclass'; line: number; text: string }> {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const out: Array<{ kind: 'throw' | 'subclass'; line: number; text: string }> = [];
  const at = (n: ts.Node) => source.getLineAndCharacterOfPosition(n.getStart(source)).line + 1;
  const visit = (n: ts.Node) => {
    if (ts.isThrowStatement(n) && n.expression) {
      const e = n.expression;
      if ((ts.isNewExpression(e) || ts.isCallExpression(e)) && isErrorName(e.expression)) {
        out.push({ kind: 'throw', line: at(n), text: n.getText(source) });
      }
    }
    if (ts.isClassLike(n)) {
      for (const h of n.heritageClauses ?? []) {
        if (h.token === ts.SyntaxKind.ExtendsKeyword && h.types.some((t) => isErrorName(t.expression))) {
          out.push({ kind: 'subclass', line: at(n), text: n.name?.getText(source) ?? '(anonymous class)' });
        }
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(source);
  return out;
}

const THROW_MESSAGE =
  'a bare throw new Error(…): a refusal a user can reach is a factory in packages/model/src/errors.ts (refuse/refuseOne); an internal invariant goes in packages/lint/throws-allowed.json with its reason';

function subclassMessage(name: string): string {
  return `class ${name} extends Error outside ${ERROR_MODEL}: add a factory there (one per kind) and throw a ParityError`;
}

/** Every finding in the workspace at `root` under `list`: unlisted throws, subclasses, and entries that match nothing. */
export function lintThrows(root: string, list: AllowList): Finding[] {
  const findings: Finding[] = [];
  const entries = list.sections.flatMap((s) => s.entries);
  const used = new Set<Allowed>();
  for (const file of shippedFiles(
    root,
    list.excluded.map((x) => x.path),
  )) {
    const text = readFileSync(join(root, file), 'utf8');
    // parsing is the cost: only a file that names Error can hold what this looks for
    if (!text.includes('Error')) continue;
    for (const hit of scanSource(file, text)) {
      if (hit.kind === 'subclass' && file === ERROR_MODEL) continue;
      // the most specific entry: the longest text the throw contains (a class by its name)
      const allowed = entries
        .filter((a) => a.file === file && (hit.kind === 'subclass' ? hit.text === a.contains : hit.text.includes(a.contains)))
        .sort((x, y) => y.contains.length - x.contains.length)[0];
      if (allowed) {
        used.add(allowed);
        continue;
      }
      findings.push({ file, line: hit.line, message: hit.kind === 'subclass' ? subclassMessage(hit.text) : THROW_MESSAGE });
    }
  }
  for (const a of entries) {
    if (!used.has(a)) {
      findings.push({
        file: a.file,
        line: 0,
        message: `the allow-list entry ${JSON.stringify(a.contains)} matches no throw in this file: remove it`,
      });
    }
  }
  for (const s of list.sections) {
    for (const a of s.entries) {
      if (!a.reason.trim())
        findings.push({ file: a.file, line: 0, message: `the allow-list entry ${JSON.stringify(a.contains)} has no reason` });
    }
  }
  return findings;
}

/** This package's allow-list, beside package.json. */
export const ALLOW_LIST = join(dirname(fileURLToPath(import.meta.url)), '..', 'throws-allowed.json');

export function readAllowList(file = ALLOW_LIST): AllowList {
  return JSON.parse(readFileSync(file, 'utf8')) as AllowList;
}

/** `tsx packages/lint/src/throws.ts [--root <dir>] [--allow <file>]`: the repository and this package's allow-list by default. */
function main(argv: readonly string[]): number {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const root = flag('--root') ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const findings = lintThrows(root, readAllowList(flag('--allow')));
  for (const f of findings) process.stderr.write(`${f.file}${f.line ? `:${f.line}` : ''}: ${f.message}\n`);
  if (findings.length) process.stderr.write(`lint/throws: ${findings.length} problem(s)\n`);
  return findings.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = main(process.argv.slice(2));
