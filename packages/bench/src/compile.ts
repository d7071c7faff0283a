/**
 * What-if support: turn a benchmark workspace into plain JavaScript, as a build step would
 * (`tsc` to dist, or esbuild): every src/**\/*.ts of every package and bundle is transpiled to
 * .js beside it and package.json `exports` point at the .js files. Then `node bin.js` runs
 * without tsx: no launcher process, no loader hooks, no source-map-aware stack formatting.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync } from 'esbuild';

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'node_modules' ? [] : walk(join(dir, e.name))) : [join(dir, e.name)]));
}

const toJs = (v: unknown): unknown =>
  typeof v === 'string' ? v.replace(/\.ts$/, '.js') : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJs(x)])) : v;

/** Transpile every package and bundle of `root` in place; returns the number of files. */
export function compileWorkspace(root: string): number {
  let n = 0;
  for (const group of ['packages', 'bundles']) {
    for (const p of readdirSync(join(root, group))) {
      const dir = join(root, group, p);
      let files: string[];
      try {
        files = walk(join(dir, 'src'));
      } catch {
        continue;
      }
      for (const f of files.filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts') && !x.endsWith('.d.ts'))) {
        const out = transformSync(readFileSync(f, 'utf8'), { loader: 'ts', format: 'esm', target: 'node20', sourcefile: f });
        writeFileSync(f.replace(/\.ts$/, '.js'), out.code);
        n++;
      }
      const pj = join(dir, 'package.json');
      const json = JSON.parse(readFileSync(pj, 'utf8')) as { exports?: unknown };
      if (json.exports) json.exports = toJs(json.exports);
      writeFileSync(pj, `${JSON.stringify(json, null, 2)}\n`);
    }
  }
  return n;
}
