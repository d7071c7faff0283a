// @ts-check
/**
 * The workspace's TypeScript, compiled to JavaScript on demand, so that the command line runs on
 * plain node: no tsx launcher process, no module hooks on every import (cdktf and the provider
 * bindings load ~2× faster), no source-map-aware stack formatting (`pnpm bench` measures all three).
 *
 * Every `src/**\/*.ts` of every workspace package (pnpm-workspace.yaml) is transpiled by esbuild
 * to `<package>/.parity-js/**\/*.js`, at the same depth as src, so `import.meta.url`-relative
 * paths (the region catalog's data, a bundle's package.json) still work. Imports of workspace
 * packages are rewritten to relative paths of their compiled files; everything else is left to
 * node. Only files whose size or mtime changed since the last compile are transpiled again
 * (a per-package manifest), so an edit is picked up on the next command at the cost of a few
 * milliseconds. Outputs are written to a temporary name and renamed: two commands compiling at
 * once write the same bytes and never see a half-written file.
 *
 * Tests and `tsc` keep using src directly; this is only the command line's fast path.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where compiled JavaScript goes, inside each package (gitignored; see @parity/model's `runnable`). */
export const COMPILED_DIR = '.parity-js';
const MANIFEST = '.manifest.json';
/** Bumped when the output format changes, so that older outputs are compiled again. */
const FORMAT = 1;

/**
 * @typedef {{ dir: string, name: string, exports: unknown }} WorkspacePackage
 * @typedef {{ key: string, files: Record<string, [number, number]> }} Manifest
 */

/** @param {string} root @returns {WorkspacePackage[]} */
export function workspacePackages(root) {
  const text = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
  /** @type {WorkspacePackage[]} */
  const out = [];
  // The globs this repository uses (`- packages/*`); anything fancier is refused, not guessed.
  for (const m of text.matchAll(/^\s*-\s*['"]?([^'"\s#]+)['"]?\s*$/gm)) {
    const glob = /** @type {string} */ (m[1]);
    if (!/^[\w.-]+(\/[\w.-]+)*\/\*$/.test(glob) && !/^[\w.-]+(\/[\w.-]+)*$/.test(glob)) {
      throw new Error(
        `pnpm-workspace.yaml: package glob "${glob}" is not supported by the command line's compiler (supported: "dir/*" or "dir")`,
      );
    }
    const dirs = glob.endsWith('/*')
      ? existsSync(join(root, glob.slice(0, -2)))
        ? readdirSync(join(root, glob.slice(0, -2))).map((d) => join(root, glob.slice(0, -2), d))
        : []
      : [join(root, glob)];
    for (const dir of dirs.sort()) {
      const pj = join(dir, 'package.json');
      if (!existsSync(pj)) continue;
      const parsed = /** @type {{ name?: string, exports?: unknown }} */ (JSON.parse(readFileSync(pj, 'utf8')));
      if (parsed.name) out.push({ dir, name: parsed.name, exports: parsed.exports });
    }
  }
  return out;
}

/** @param {string} dir @returns {string[]} */
function sources(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** The compiled file of a workspace source file. @param {string} pkgDir @param {string} file */
export function compiledPath(pkgDir, file) {
  return join(pkgDir, COMPILED_DIR, relative(join(pkgDir, 'src'), file)).replace(/\.ts$/, '.js');
}

/**
 * Resolve `subpath` ("." or "./x") through a package's `exports`, as node would with the
 * "import" condition. Returns a path relative to the package, or undefined.
 * @param {unknown} exports @param {string} subpath @returns {string | undefined}
 */
export function resolveExport(exports, subpath) {
  /** @param {unknown} target @returns {string | undefined} */
  const pick = (target) => {
    if (typeof target === 'string') return target;
    if (target && typeof target === 'object' && !Array.isArray(target)) {
      const t = /** @type {Record<string, unknown>} */ (target);
      for (const c of ['import', 'node', 'default']) if (c in t) return pick(t[c]);
    }
    return undefined;
  };
  if (exports === undefined) return undefined;
  const map =
    typeof exports === 'string' || (exports && typeof exports === 'object' && !Object.keys(exports).some((k) => k.startsWith('.')))
      ? { '.': exports }
      : /** @type {Record<string, unknown>} */ (exports);
  if (subpath in map) return pick(map[subpath]);
  for (const [key, target] of Object.entries(map)) {
    const star = key.indexOf('*');
    if (star < 0) continue;
    const [pre, post] = [key.slice(0, star), key.slice(star + 1)];
    if (subpath.startsWith(pre) && subpath.endsWith(post) && subpath.length >= key.length - 1) {
      const t = pick(target);
      return t?.replace('*', subpath.slice(pre.length, subpath.length - post.length));
    }
  }
  return undefined;
}

/** @param {string} file @returns {Manifest | undefined} */
function readManifest(file) {
  try {
    return /** @type {Manifest} */ (JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

/** @param {string} file @param {string | Uint8Array} data */
function writeAtomic(file, data) {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/**
 * Bring every package's compiled JavaScript up to date with its sources.
 * @param {string} root the workspace root (the folder with pnpm-workspace.yaml)
 * @returns {Promise<{ compiled: number, removed: number, packages: number }>}
 */
export async function ensureCompiled(root) {
  const packages = workspacePackages(root);
  const byName = new Map(packages.map((p) => [p.name, p]));
  // Anything that changes how imports are rewritten changes the key: every package's name and
  // exports, this file, and the output format.
  const key = createHash('sha256')
    .update(String(FORMAT))
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(JSON.stringify(packages.map((p) => [p.name, p.exports])))
    .digest('hex');
  const { work, removed } = staleWork(packages, key);
  const toCompile = work.flatMap((w) => w.files.map((f) => ({ pkg: w.pkg, file: f })));
  const compiled = toCompile.length > 0 ? await compile(root, toCompile, byName) : 0;
  for (const w of work) writeAtomic(w.manifestFile, `${JSON.stringify({ key, files: w.stats })}\n`);
  return { compiled, removed, packages: packages.length };
}

/**
 * The packages whose compiled output is out of date, with the sources to compile again; outputs of
 * deleted sources are removed here.
 * @param {WorkspacePackage[]} packages
 * @param {string} key
 */
function staleWork(packages, key) {
  /** @type {{ pkg: WorkspacePackage, files: string[], stats: Record<string, [number, number]>, manifestFile: string }[]} */
  const work = [];
  let removed = 0;
  for (const pkg of packages) {
    const srcDir = join(pkg.dir, 'src');
    const files = sources(srcDir);
    if (files.length === 0) continue;
    const manifestFile = join(pkg.dir, COMPILED_DIR, MANIFEST);
    const old = readManifest(manifestFile);
    /** @type {Record<string, [number, number]>} */
    const stats = {};
    const stale = [];
    for (const f of files) {
      const st = statSync(f);
      const rel = relative(pkg.dir, f);
      stats[rel] = [st.mtimeMs, st.size];
      const was = old?.key === key ? old.files[rel] : undefined;
      if (!was || was[0] !== st.mtimeMs || was[1] !== st.size || !existsSync(compiledPath(pkg.dir, f))) stale.push(f);
    }
    // Sources deleted since the last compile: their outputs go too, or a stale import would still work.
    for (const rel of Object.keys(old?.files ?? {})) {
      if (!(rel in stats)) {
        rmSync(compiledPath(pkg.dir, join(pkg.dir, rel)), { force: true });
        rmSync(`${compiledPath(pkg.dir, join(pkg.dir, rel))}.map`, { force: true });
        removed++;
      }
    }
    if (stale.length > 0 || removed > 0 || old?.key !== key) work.push({ pkg, files: stale, stats, manifestFile });
  }
  return { work, removed };
}

/**
 * Compile the given sources with esbuild, each to its compiledPath(); returns how many were written.
 * @param {string} root
 * @param {{ pkg: WorkspacePackage, file: string }[]} toCompile
 * @param {Map<string, WorkspacePackage>} byName
 */
async function compile(root, toCompile, byName) {
  const { build } = await import('esbuild');
  const owner = new Map(toCompile.map((x) => [x.file, x.pkg]));
  const result = await build({
    entryPoints: toCompile.map((x) => x.file),
    bundle: true, // only to have every import pass through the plugin below; each one stays external
    write: false,
    outdir: root, // unused: each output is written to compiledPath() below
    outbase: root,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    sourcesContent: false,
    logLevel: 'silent',
    plugins: [workspaceImports(root, owner, byName)],
  });
  let compiled = 0;
  // esbuild names outputs after the entry points, relative to outbase; map them back.
  for (const out of result.outputFiles) {
    const isMap = out.path.endsWith('.map');
    const srcFile = join(root, relative(root, out.path.replace(/\.map$/, '')).replace(/\.js$/, '.ts'));
    const pkg = owner.get(srcFile);
    if (!pkg) throw new Error(`compile: esbuild wrote ${out.path}, which matches no source file`);
    const target = compiledPath(pkg.dir, srcFile);
    if (isMap) {
      const map = /** @type {{ sources: string[] }} */ (JSON.parse(out.text));
      map.sources = [relative(dirname(target), srcFile).split(sep).join('/')];
      writeAtomic(`${target}.map`, JSON.stringify(map));
      continue;
    }
    // The linked source map is named after the entry point's path; point it at the real one.
    const code = out.text.replace(/\/\/# sourceMappingURL=.*\n?$/, `//# sourceMappingURL=${target.split(sep).pop()}.map\n`);
    writeAtomic(target, code);
    compiled++;
  }
  return compiled;
}

/**
 * The esbuild plugin that keeps every import external: relative ones as written (inside `src`
 * only), workspace packages rewritten to the relative path of their compiled file.
 * @param {string} root
 * @param {Map<string, WorkspacePackage>} owner
 * @param {Map<string, WorkspacePackage>} byName
 * @returns {import('esbuild').Plugin}
 */
function workspaceImports(root, owner, byName) {
  return {
    name: 'parity-workspace-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const from = args.importer;
        const fromPkg = owner.get(from);
        if (!fromPkg) return { path: args.path, external: true };
        const outDir = dirname(compiledPath(fromPkg.dir, from));
        const rel = (/** @type {string} */ target) => {
          const r = relative(outDir, target).split(sep).join('/');
          return r.startsWith('.') ? r : `./${r}`;
        };
        if (args.path.startsWith('.')) {
          const target = resolve(dirname(from), args.path);
          if (!target.startsWith(join(fromPkg.dir, 'src') + sep)) {
            return {
              errors: [
                {
                  text: `${relative(root, from)} imports ${args.path}, outside ${relative(root, join(fromPkg.dir, 'src'))}: import it through its package's exports instead`,
                },
              ],
            };
          }
          return { path: args.path, external: true };
        }
        const m = /^(@[^/]+\/[^/]+|[^@/][^/]*)(\/.*)?$/.exec(args.path);
        const pkg = m && byName.get(/** @type {string} */ (m[1]));
        if (!m || !pkg) return { path: args.path, external: true };
        const target = resolveExport(pkg.exports, `.${m[2] ?? ''}`);
        if (!target) {
          return {
            errors: [
              {
                text: `${relative(root, from)} imports ${args.path}, which ${pkg.name}'s package.json "exports" does not export: add it there`,
              },
            ],
          };
        }
        const abs = join(pkg.dir, target);
        // A TypeScript source is imported from its compiled file; anything else (JSON, data) as is.
        if (abs.endsWith('.ts') && abs.startsWith(join(pkg.dir, 'src') + sep))
          return { path: rel(compiledPath(pkg.dir, abs)), external: true };
        return { path: args.path, external: true };
      });
    },
  };
}
