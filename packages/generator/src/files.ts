/**
 * Reading the generator's templates: the `*.hbs` files of a template folder, rendered in
 * handlebars strict mode. (Writing goes through `@parity/io`'s atomic writes.)
 */
import { lstatSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import Handlebars from 'handlebars';
import { readWorkspaceFile } from '@parity/model';

/** Every `*.hbs` file under `dir`, as paths relative to it, sorted; a link is listed whatever its name, for `render` to refuse. */
export function templateFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      const s = lstatSync(p);
      if (s.isDirectory()) walk(p);
      else if (e.endsWith('.hbs') || s.isSymbolicLink()) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/**
 * Render a template with a typed view in handlebars strict mode: a name the view lacks is an
 * error at render time, never an empty string in generated code.
 */
export function render<View extends object>(root: string, path: string, view: View): string {
  const text = readWorkspaceFile(root, path, { kind: 'template' });
  return Handlebars.compile(text, { noEscape: true, strict: true })(view);
}
