/**
 * Writing generated files without ever leaving one half-written: each file goes to a temporary
 * name beside its target (with the process id) and is renamed into place; a new folder is filled
 * under a temporary name and renamed as a whole.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import Handlebars from 'handlebars';

/** Write `content` to `path` through a temporary file and a rename. */
export function writeAtomic(path: string, content: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.tmp-${process.pid}`);
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** Create folder `target` with `files` (relative path → content), all at once: filled under a temporary name, then renamed. */
export function writeNewFolder(target: string, files: ReadonlyMap<string, string>): void {
  const tmp = join(dirname(target), `.${basename(target)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    for (const [file, content] of files) {
      mkdirSync(dirname(join(tmp, file)), { recursive: true });
      writeFileSync(join(tmp, file), content);
    }
    renameSync(tmp, target);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/** Every `*.hbs` file under `dir`, as paths relative to it, sorted. */
export function templateFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.hbs')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/**
 * Render a template with a typed view in handlebars strict mode: a name the view lacks is an
 * error at render time, never an empty string in generated code.
 */
export function render<View extends object>(path: string, view: View): string {
  return Handlebars.compile(readFileSync(path, 'utf8'), { noEscape: true, strict: true })(view);
}
