/**
 * Importing a module that a package's `exports` resolved to. Tests and tsx run the workspace's
 * TypeScript sources directly. The command line runs on plain node instead: its launcher
 * (packages/cli/bin/compile.js) compiles every package's `src/**\/*.ts` to `.parity-js/**\/*.js`
 * and rewrites static imports, but an entry found at run time (`require.resolve` of a bundle
 * through its package.json) still names the .ts source, which plain node cannot load; this maps
 * it to the compiled file. Published packages (pinned bundle versions) name .js files already.
 */
import { existsSync } from 'node:fs';
import { sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { moduleUncompiled, refuseOne } from './errors.js';

/** Where the command line's launcher puts compiled JavaScript, beside each package's src. */
export const COMPILED_DIR = '.parity-js';

/** Whether this module itself is running compiled (true under the command line, false under tsx and vitest). */
const RUNNING_COMPILED = !import.meta.url.endsWith('.ts');

/** The file to import for `file`: its compiled JavaScript when running compiled and `file` is a workspace TypeScript source. */
export function runnableFile(file: string, compiled = RUNNING_COMPILED): string {
  if (!compiled || !file.endsWith('.ts') || file.endsWith('.d.ts')) return file;
  const marker = `${sep}src${sep}`;
  const i = file.lastIndexOf(marker);
  if (i < 0) return file;
  return `${file.slice(0, i)}${sep}${COMPILED_DIR}${sep}${file.slice(i + marker.length, -'.ts'.length)}.js`;
}

/** `import()` of a resolved entry file, through runnableFile. */
export async function importFile<T>(file: string): Promise<T> {
  const target = runnableFile(file);
  if (target.endsWith('.ts') || !existsSync(target)) {
    if (RUNNING_COMPILED && file.endsWith('.ts')) {
      refuseOne(moduleUncompiled(file, COMPILED_DIR));
    }
  }
  return import(pathToFileURL(target).href) as Promise<T>;
}
