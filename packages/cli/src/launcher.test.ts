/**
 * The command line's launcher (bin/parity.js, bin/compile.js): compiles a workspace's TypeScript
 * to JavaScript, incrementally, and the compiled code runs on plain node.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runnableFile } from '@parity/model';
import { COMPILED_DIR, ensureCompiled as ensure, resolveExport as resolveExp } from '../bin/compile.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function write(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** Two packages: @x/app imports @x/lib (by its exports) and a file of its own; @x/lib reads data beside src. */
function workspace(): string {
  const root = mkdtempSync(join(tmpdir(), 'parity-launcher-'));
  roots.push(root);
  write(join(root, 'pnpm-workspace.yaml'), "packages:\n  - 'packages/*'\n");
  write(
    join(root, 'packages/lib/package.json'),
    JSON.stringify({
      name: '@x/lib',
      type: 'module',
      exports: { '.': './src/index.ts', './extra': { types: './src/extra.d.ts', import: './src/extra.ts' } },
    }),
  );
  write(
    join(root, 'packages/lib/src/index.ts'),
    "import { readFileSync } from 'node:fs';\nexport interface Thing { n: number }\nexport const data: string = readFileSync(new URL('../data/x.txt', import.meta.url), 'utf8').trim();\n",
  );
  write(join(root, 'packages/lib/src/extra.ts'), 'export const extra = (t: number): number => t * 2;\n');
  write(join(root, 'packages/lib/data/x.txt'), 'from-data\n');
  write(join(root, 'packages/app/package.json'), JSON.stringify({ name: '@x/app', type: 'module', exports: { '.': './src/main.ts' } }));
  write(
    join(root, 'packages/app/src/main.ts'),
    "import { data, type Thing } from '@x/lib';\nimport { extra } from '@x/lib/extra';\nimport { twice } from './util/twice.js';\nconst t: Thing = { n: 21 };\nconsole.log(data, extra(t.n), twice('ab'));\n",
  );
  write(join(root, 'packages/app/src/util/twice.ts'), 'export function twice(s: string): string { return s + s; }\n');
  write(join(root, 'packages/app/src/main.test.ts'), "throw new Error('tests are not compiled');\n");
  // @x/lib is reachable through node_modules, as pnpm links it; the compiled import must not need that.
  mkdirSync(join(root, 'packages/app/node_modules/@x'), { recursive: true });
  symlinkSync(join(root, 'packages/lib'), join(root, 'packages/app/node_modules/@x/lib'));
  return root;
}

const run = (root: string) => spawnSync(process.execPath, [join(root, 'packages/app', COMPILED_DIR, 'main.js')], { encoding: 'utf8' });

describe('the command line compiler', () => {
  it('compiles every source but tests, rewrites workspace imports to compiled files, and the result runs on plain node', async () => {
    const root = workspace();
    const r = await ensure(root);
    expect(r).toEqual({ compiled: 4, removed: 0, packages: 2 });
    expect(existsSync(join(root, 'packages/app', COMPILED_DIR, 'main.test.js'))).toBe(false);
    const main = readFileSync(join(root, 'packages/app', COMPILED_DIR, 'main.js'), 'utf8');
    expect(main).toContain('"../../lib/.parity-js/index.js"');
    expect(main).toContain('"../../lib/.parity-js/extra.js"');
    expect(main).toContain('"./util/twice.js"');
    const out = run(root);
    expect(out.stderr).toBe('');
    expect(out.stdout).toBe('from-data 42 abab\n');
  });

  it('compiles again only what changed, and drops the output of a deleted source', async () => {
    const root = workspace();
    await ensure(root);
    expect(await ensure(root)).toEqual({ compiled: 0, removed: 0, packages: 2 });
    const twice = join(root, 'packages/app/src/util/twice.ts');
    writeFileSync(twice, 'export function twice(s: string): string { return `${s}|${s}`; }\n');
    expect((await ensure(root)).compiled).toBe(1);
    expect(run(root).stdout).toBe('from-data 42 ab|ab\n');
    // Same size, older mtime (a restored file): still noticed, since the recorded mtime differs.
    const before = statSync(twice).mtime;
    writeFileSync(twice, 'export function twice(s: string): string { return `${s}+${s}`; }\n');
    utimesSync(twice, new Date(before.getTime() - 60_000), new Date(before.getTime() - 60_000));
    expect((await ensure(root)).compiled).toBe(1);
    expect(run(root).stdout).toBe('from-data 42 ab+ab\n');
    rmSync(join(root, 'packages/lib/src/extra.ts'));
    const r = await ensure(root);
    expect(r.removed).toBe(1);
    expect(existsSync(join(root, 'packages/lib', COMPILED_DIR, 'extra.js'))).toBe(false);
  });

  it('is safe to run from several processes at once: every output complete, no temporary file left', async () => {
    const root = workspace();
    const compiler = new URL('../bin/compile.js', import.meta.url).href;
    const code = `import(${JSON.stringify(compiler)}).then((m) => m.ensureCompiled(${JSON.stringify(root)})).then((r) => console.log(r.compiled))`;
    const outs = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<string>((resolve, reject) => {
            const c = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
            let out = '';
            c.stdout.on('data', (d: Buffer) => (out += d.toString()));
            c.on('error', reject);
            c.on('close', (status) => (status === 0 ? resolve(out.trim()) : reject(new Error(`exit ${status}`))));
          }),
      ),
    );
    expect(outs.every((o) => o === '4' || o === '0')).toBe(true);
    expect(run(root).stdout).toBe('from-data 42 abab\n');
    expect(spawnSync('find', [root, '-name', '*.tmp-*'], { encoding: 'utf8' }).stdout).toBe('');
    expect((await ensure(root)).compiled).toBe(0);
  });

  it('compiles everything again when a package.json exports change', async () => {
    const root = workspace();
    await ensure(root);
    const pj = join(root, 'packages/lib/package.json');
    writeFileSync(pj, readFileSync(pj, 'utf8').replace('./src/extra.ts', './src/index.ts'));
    expect((await ensure(root)).compiled).toBe(4);
  });

  it('names the file and line of a syntax error, and the fix for an import it cannot map', async () => {
    const root = workspace();
    write(join(root, 'packages/app/src/util/twice.ts'), 'export function twice(s: string: string {}\n');
    await expect(ensure(root)).rejects.toThrow(/packages\/app\/src\/util\/twice\.ts:1:\d+/);
    write(join(root, 'packages/app/src/util/twice.ts'), "export { x as twice } from '@x/lib/nope';\n");
    await expect(ensure(root)).rejects.toThrow(
      /packages\/app\/src\/util\/twice\.ts imports @x\/lib\/nope, which @x\/lib's package.json "exports" does not export: add it there/,
    );
    write(join(root, 'packages/app/src/util/twice.ts'), "export { twice } from '../../scripts/twice.js';\n");
    await expect(ensure(root)).rejects.toThrow(/imports \.\.\/\.\.\/scripts\/twice\.js, outside packages\/app\/src/);
  });

  it('resolves exports as node does for import: conditions and patterns', () => {
    expect(resolveExp('./src/index.ts', '.')).toBe('./src/index.ts');
    expect(resolveExp({ '.': { types: './a.d.ts', import: './a.ts' } }, '.')).toBe('./a.ts');
    expect(resolveExp({ './data/*': './data/*' }, './data/x.json')).toBe('./data/x.json');
    expect(resolveExp({ '.': './a.ts' }, './b')).toBeUndefined();
  });
});

describe('runnableFile', () => {
  it('maps a workspace TypeScript source to its compiled file only when running compiled', () => {
    expect(runnableFile('/w/bundles/queue/src/aws.ts', true)).toBe(`/w/bundles/queue/${COMPILED_DIR}/aws.js`);
    expect(runnableFile('/w/bundles/queue/src/x/y.ts', true)).toBe(`/w/bundles/queue/${COMPILED_DIR}/x/y.js`);
    expect(runnableFile('/w/.parity/bundles/q/node_modules/q/dist/aws.js', true)).toBe('/w/.parity/bundles/q/node_modules/q/dist/aws.js');
    expect(runnableFile('/w/bundles/queue/src/aws.ts', false)).toBe('/w/bundles/queue/src/aws.ts');
    // Under vitest this module runs from source, so the default is not to map.
    expect(runnableFile('/w/bundles/queue/src/aws.ts')).toBe('/w/bundles/queue/src/aws.ts');
  });
});

// The real launcher on the real workspace is exercised by cli.test.ts, check.test.ts and
// synth.test.ts, which run `node bin/parity.js` as `pnpm gen` / `pnpm synth` do.
