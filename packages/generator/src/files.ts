/**
 * Reading the generator's templates: the `*.hbs` files of a template folder, rendered in
 * handlebars strict mode. (Writing goes through `@parity/io`'s atomic writes.)
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import Handlebars from 'handlebars';

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
