/**
 * Bad input never gets through: a corpus of broken files, values, names and situations, tried
 * against every command as users run it (the launcher). Each must end with a clear message naming
 * the file and the field, a non-zero exit, no stack trace, the tree unchanged and no temporary
 * file left behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, type Dirent, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAUSE_BEFORE_RENAME } from '@parity/io';
import { readTree, REPO_ROOT } from '@parity/model/testing';
import { OUT_DIR } from '@parity/synth/cache';
import { BIN, fleetEnvironmentsAsync, fleetWorkspace, parity as parityIn, runParity, STAMP_TIMEOUT } from '@parity/testkit';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const DEF = 'environments/platform.yaml';
const PROD = 'environments/prod-use1/environment.yaml';
const DR = 'environments/dr-usw2/environment.yaml';
const STACK_TRACE = /\n\s+at .+:\d+:\d+/;
const TEMP_FILE = /\.tmp(-\d+)*$/;

let root: string;
let cleanup: () => void;
let pristine: Map<string, string>;
let deadRegistry: string;
beforeAll(async () => {
  ({ root, cleanup } = fleetWorkspace());
  cpSync(join(REPO_ROOT, 'schemas'), join(root, 'schemas'), { recursive: true });
  pristine = snapshot();
  // A port nothing listens on: the registry is down.
  deadRegistry = await new Promise<string>((done) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(`http://127.0.0.1:${port}/`));
    });
  });
});
afterAll(() => cleanup());

function parity(...args: string[]) {
  return runParity(root, args, { env: { CI: '' }, timeout: 120_000 });
}
/** What a user would see change: every committed file (synth output is not committed). */
function snapshot(): Map<string, string> {
  const tree = readTree(join(root, 'environments'));
  for (const [k, v] of readTree(join(root, 'schemas'))) tree.set(`schemas/${k}`, v);
  return tree;
}
/**
 * Every temporary file or folder under `dir`. The walk races the command it watches: a temporary
 * folder seen in one listing may be renamed into place before it is listed itself, which is no
 * temporary left.
 */
function temporaries(dir = root, out: string[] = []): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return out;
    throw e;
  }
  for (const e of entries) {
    if (e.name === 'node_modules' || e.isSymbolicLink()) continue;
    if (TEMP_FILE.test(e.name)) out.push(join(dir, e.name));
    if (e.isDirectory()) temporaries(join(dir, e.name), out);
  }
  return out;
}
/** Change one file for the duration of one case. */
async function withFile(file: string, change: (text: string) => string | Buffer, fn: () => Promise<void>): Promise<void> {
  const path = join(root, file);
  const before = existsSync(path) ? readFileSync(path) : undefined;
  writeFileSync(path, change(before?.toString('utf8') ?? ''));
  try {
    await fn();
  } finally {
    if (before) writeFileSync(path, before);
    else rmSync(path, { force: true });
  }
}
function replace(from: string | RegExp, to: string): (text: string) => string {
  return (text) => {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${String(from)} not found`);
    return next;
  };
}
/** The checks every refusal must pass. */
async function refuses(args: string[], where: RegExp): Promise<void> {
  const before = snapshot();
  const r = await parity(...args);
  const out = `${r.stdout}${r.stderr}`;
  expect(r.signal, out).toBeNull();
  expect(r.status, out).not.toBe(0);
  expect(out).toMatch(where);
  expect(out).not.toMatch(STACK_TRACE);
  expect(snapshot()).toEqual(before);
  expect(temporaries()).toEqual([]);
}

const BOMB = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  ...'bcdefgh'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefgh'[i]}`).join(',')}]`),
].join('\n');

/** Commands that read the definition and manifests. */
const EVERY: string[][] = [
  ['synth'],
  ['check'],
  ['validate', 'prod-use1'],
  ['gen', 'env', 'dr-euw3', '--recovers', 'prod-euw1'],
  ['promote', 'database', '--to', 'prod-use1', '--dry-run'],
  ['drill', 'dr-usw2'],
];

const FILES: Array<[string, string, (text: string) => string | Buffer, RegExp]> = [
  ['malformed YAML in the definition', DEF, replace('bundles:\n', 'bundles: [\n'), /environments\/platform\.yaml:\d+.*not valid YAML/],
  [
    'malformed YAML in a manifest',
    PROD,
    replace('region: us-east-1', 'region: "us-east-1'),
    /environments\/prod-use1\/environment\.yaml:\d+.*not valid YAML/,
  ],
  ['an empty definition', DEF, () => '', /environments\/platform\.yaml: the definition is not a YAML mapping: its top level is empty/],
  [
    'an empty manifest',
    PROD,
    () => '',
    /environments\/prod-use1\/environment\.yaml: the manifest is not a YAML mapping: its top level is empty/,
  ],
  [
    'a binary definition',
    DEF,
    () => Buffer.from([0x00, 0x9f, 0x92, 0x96, 0xff, 0x1b, 0x5b, 0x32, 0x4a, 0x00]),
    /environments\/platform\.yaml/,
  ],
  [
    'a binary manifest',
    PROD,
    () => Buffer.from([0xff, 0xfe, 0x00, 0x00, 0x7f, 0x45, 0x4c, 0x46]),
    /environments\/prod-use1\/environment\.yaml/,
  ],
  [
    'a YAML alias bomb',
    DEF,
    (t) =>
      `${t}\nbomb:\n${BOMB.split('\n')
        .map((l) => `  ${l}`)
        .join('\n')}\n`,
    /environments\/platform\.yaml.*(alias|resource exhaustion)/,
  ],
  [
    'a duplicate key',
    PROD,
    (t) => `${t}\nregion: eu-west-1\n`,
    /environments\/prod-use1\/environment\.yaml:\d+.*the key "region" appears twice/,
  ],
];

describe.each(FILES)('fails on %s', (_name, file, change, where) => {
  it.each(EVERY.map((a) => [a.join(' '), a]))('%s', async (_cmd, args) => {
    await withFile(file, change, () => refuses(args as string[], where));
  });
});

const VALUES: Array<[string, string, (text: string) => string, string[], RegExp]> = [
  [
    'a wrong type in the defaults',
    DEF,
    replace('backupRetentionDays: 14', 'backupRetentionDays: fourteen'),
    ['synth'],
    /environments\/platform\.yaml:\d+ \(bundles\.database\.defaults\.backupRetentionDays\)/,
  ],
  [
    'a default out of range',
    DEF,
    replace('azCount: 3', 'azCount: 40'),
    ['check'],
    /environments\/platform\.yaml:\d+ \(bundles\.network\.defaults\.azCount\)/,
  ],
  [
    'a wrong type in a tier',
    DEF,
    replace('highAvailability: true', 'highAvailability: "yes"'),
    ['synth', 'prod-use1'],
    /environments\/platform\.yaml:\d+ \(tiers\.production\.database\.highAvailability\)/,
  ],
  [
    'an override out of range',
    PROD,
    replace('overrides: {}', 'overrides:\n  database:\n    storageGb: -5'),
    ['synth', 'prod-use1'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(overrides\.database\.storageGb\)/,
  ],
  [
    'an override of the wrong type',
    PROD,
    replace('overrides: {}', 'overrides:\n  cluster:\n    maxNodes: [12]'),
    ['gen', 'env', 'dr-use2', '--recovers', 'prod-use1'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(overrides\.cluster\.maxNodes\)/,
  ],
  [
    'overrides that are not a map',
    PROD,
    replace('overrides: {}', 'overrides: yes'),
    ['check'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(overrides\)/,
  ],
  [
    'an RPO of zero',
    DEF,
    replace('rpoMinutes: 15', 'rpoMinutes: 0'),
    ['check'],
    /environments\/platform\.yaml:\d+ \(dr\.policies\.critical\.rpoMinutes\)/,
  ],
  [
    'an RPO target for a store that is no bundle',
    DEF,
    replace('storeRpoMinutes: { database: 5 }', 'storeRpoMinutes: { databse: 5 }'),
    ['synth'],
    /environments\/platform\.yaml:\d+ \(dr\.policies\.critical\.storeRpoMinutes\.databse\): storeRpoMinutes names "databse"/,
  ],
  [
    'a negative RTO',
    DEF,
    replace('rtoMinutes: 480', 'rtoMinutes: -1'),
    ['drill', 'dr-usw2'],
    /environments\/platform\.yaml:\d+ \(dr\.policies\.standard\.rtoMinutes\)/,
  ],
  [
    'an environment that recovers itself',
    DR,
    replace('recovers: prod-use1', 'recovers: dr-usw2'),
    ['synth', 'dr-usw2'],
    /environments\/dr-usw2\/environment\.yaml:\d+ \(recovers\)/,
  ],
  [
    'a dr environment that recovers staging',
    DR,
    replace('recovers: prod-use1', 'recovers: staging'),
    ['check'],
    /environments\/dr-usw2\/environment\.yaml:\d+ \(recovers\).*staging/,
  ],
  [
    'a dr environment that recovers a missing one',
    DR,
    replace('recovers: prod-use1', 'recovers: prod-use9'),
    ['drill', 'dr-usw2'],
    /environments\/dr-usw2\/environment\.yaml:\d+ \(recovers\)/,
  ],
  [
    'a reserved word as a bundle to override',
    PROD,
    replace('overrides: {}', 'overrides:\n  constructor: {}'),
    ['synth', 'prod-use1'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(overrides\.constructor\): "constructor" is a reserved word/,
  ],
  [
    '__proto__ as a key',
    PROD,
    replace('overrides: {}', 'overrides:\n  __proto__: { database: { size: small } }'),
    ['check'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(overrides\.__proto__\): "__proto__" is a reserved word/,
  ],
  [
    'a reserved word as a tier',
    DEF,
    replace('tiers:\n', 'tiers:\n  toString: {}\n'),
    ['gen', 'env', 'staging-usw2', '--tier', 'toString'],
    /environments\/platform\.yaml:\d+ \(tiers\.toString\): "toString" is a reserved word/,
  ],
  [
    'a reserved word as the tier of a manifest',
    PROD,
    replace('tier: production', 'tier: constructor'),
    ['synth', 'prod-use1'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(tier\): tier "constructor" is not defined/,
  ],
  [
    'a manifest whose name is not its folder',
    PROD,
    replace('name: prod-use1', 'name: ../prod-euw1'),
    ['synth', 'prod-use1'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(name\)/,
  ],
  [
    'an override of a bundle the definition lacks',
    PROD,
    replace('overrides: {}', 'overrides:\n  cache: {}'),
    ['synth', 'prod-use1'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(overrides\.cache\)/,
  ],
  [
    'a pin of a bundle the definition lacks',
    PROD,
    replace('overrides: {}', 'overrides: {}\nbundles:\n  cache: 1.0.0'),
    ['check'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(bundles\.cache\)/,
  ],
  [
    'a transform of a bundle the definition lacks',
    PROD,
    replace('overrides: {}', 'overrides: {}\ntransforms:\n  cache:\n    - { resource: x, set: { a: 1 }, reason: r }'),
    ['check'],
    /environments\/prod-use1\/environment\.yaml:\d+ \(transforms\.cache\)/,
  ],
  [
    'a transform attribute that is not snake_case',
    DEF,
    replace(
      '  database:\n    version: ^1.0.0\n',
      '  database:\n    version: ^1.0.0\n    transforms:\n      - { resource: instance, set: { "../x": 1 }, reason: r }\n',
    ),
    ['check'],
    /environments\/platform\.yaml:\d+ \(bundles\.database\.transforms\.0\.set\.\.\.\/x\)/,
  ],
];

describe('fails on bad values', () => {
  it.each(VALUES)('%s', async (_name, file, change, args, where) => {
    await withFile(file, change, () => refuses(args, where));
  });
});

const NAMES: Array<[string, string[], RegExp]> = [
  ['gen env with a path traversal', ['gen', 'env', '../../etc'], /environments\/\.\.\/\.\.\/etc \(name\): invalid environment name/],
  ['gen env with unicode', ['gen', 'env', 'prod-ü'], /\(name\): invalid environment name.*character 6 is U\+00FC/],
  [
    'gen env with a look-alike hyphen',
    ['gen', 'env', 'prod\u2010use1'],
    /\(name\): invalid environment name.*character 5 is U\+2010 \(HYPHEN/,
  ],
  [
    'synth --bootstrap with environment names',
    ['synth', '--bootstrap', 'staging'],
    // the refusal's message is its headline, said once; the issue line names where
    /pnpm synth --bootstrap takes no environment names[\s\S]*\(command line\) \(--bootstrap\)\n[\s\S]*allowed: pnpm synth --bootstrap \(every environment\)/,
  ],
  ['gen env with a reserved word', ['gen', 'env', '__proto__'], /\(name\): invalid environment name/],
  ['registry on a port out of range', ['registry', '--port', '70000'], /--port.*must be a port number, 1-65535/],
  ['registry on port zero', ['registry', '--port', '0'], /--port.*must be a port number, 1-65535/],
  [
    'registry on an address that is not one',
    ['registry', '--host', '999.1.1.1', '--port', '4999'],
    /\(command line\) \(--host\): cannot listen on 999\.1\.1\.1:4999: host 999\.1\.1\.1 is not an address[\s\S]*allowed: an IPv4 or IPv6 address/,
  ],
  [
    'registry on an address of another machine',
    ['registry', '--host', '192.0.2.1', '--port', '4999'],
    /\(command line\) \(--host\): cannot listen on 192\.0\.2\.1:4999: host 192\.0\.2\.1 is not an address of this machine/,
  ],
  [
    'gen env with a reserved word as the tier',
    ['gen', 'env', 'staging-usw2', '--tier', 'constructor'],
    /\(tier\): tier "constructor" is not defined/,
  ],
  ['gen env with a reserved word as the role', ['gen', 'env', 'constructor-usw2'], /\(name\): invalid environment name/],
  ['gen env of a dr environment recovering a missing one', ['gen', 'env', 'dr-usw1', '--recovers', 'prod-use9'], /\(recovers\)/],
  ['gen env of a dr environment recovering staging', ['gen', 'env', 'dr-usw1', '--recovers', 'staging'], /\(recovers\).*staging/],
  ['gen env of a dr environment recovering itself', ['gen', 'env', 'dr-usw1', '--recovers', 'dr-usw1'], /\(recovers\)/],
  ['gen env of an existing environment', ['gen', 'env', 'prod-use1'], /environments\/prod-use1.*(exists|--force)/],
  [
    'synth of a missing environment',
    ['synth', 'prod-use9'],
    /environments\/prod-use9\/environment\.yaml: environment "prod-use9" does not exist/,
  ],
  [
    'synth of a path traversal',
    ['synth', '../prod-use1'],
    /environments\/\.\.\/prod-use1\/environment\.yaml: environment "\.\.\/prod-use1" does not exist/,
  ],
  ['synth of a reserved word', ['synth', '__proto__'], /environment "__proto__" does not exist/],
  ['check of a missing environment', ['check', 'prod-use9'], /environment "prod-use9" does not exist/],
  ['validate of a missing environment', ['validate', 'staging-x'], /environment "staging-x" does not exist/],
  ['drill of a missing environment', ['drill', 'dr-use9'], /dr-use9/],
  ['drill of an environment that is not dr', ['drill', 'staging'], /staging/],
  ['promote to a missing environment', ['promote', 'database', '--to', 'prod-use9', '--dry-run'], /prod-use9/],
  ['promote of a missing bundle', ['promote', 'cache', '--to', 'prod-use1', '--dry-run'], /cache/],
  ['promote with unicode in the version', ['promote', 'database@1.0.０', '--to', 'prod-use1', '--dry-run'], /database@1\.0\.０|version/],
];

describe('fails on bad names', () => {
  it.each(NAMES)('%s', (_name, args, where) => refuses(args, where));
});

describe('fails on an environment folder made by hand with a name outside the grammar', () => {
  const folders: Array<[string, string[]]> = [
    ['con', ['synth', 'con']],
    ['constructor', ['check']],
    ['prod-use1-x-y', ['validate', 'prod-use1-x-y']],
  ];
  it.each(folders)('%s', async (name, args) => {
    const dir = join(root, 'environments', name);
    mkdirSync(dir);
    try {
      writeFileSync(
        join(dir, 'environment.yaml'),
        readFileSync(join(root, 'environments/staging/environment.yaml'), 'utf8').replace('name: staging', `name: ${name}`),
      );
      await refuses(args, new RegExp(`environments/${name}/environment\\.yaml:\\d+ \\(name\\): invalid environment name`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

it('fails on an environment folder whose name holds a character outside ASCII, naming its code point', async () => {
  const dir = join(root, 'environments', 'staging-ü');
  mkdirSync(dir);
  try {
    writeFileSync(
      join(dir, 'environment.yaml'),
      readFileSync(join(root, 'environments/staging/environment.yaml'), 'utf8').replace('name: staging', 'name: staging-ü'),
    );
    await refuses(['check'], /environments\/staging-ü: the name "staging-ü" has U\+00FC \(a letter outside ASCII "ü"\) at position 9/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

describe('fails on a stale schema', () => {
  it('schemas --check, naming the file', async () => {
    await withFile(
      'schemas/environment.schema.json',
      (t) => t.replace('"title"', '"titel"'),
      () => refuses(['schemas', '--check'], /schemas\/environment\.schema\.json/),
    );
  });
});

describe('fails when the registry is down', () => {
  const npmrc = () => `@parity:registry=${deadRegistry}\n`;
  it('synth of an environment pinned to a version it cannot fetch, naming the pin', async () => {
    await withFile('.npmrc', npmrc, () =>
      withFile(PROD, replace('overrides: {}', 'overrides: {}\nbundles:\n  database: 1.0.99'), () =>
        refuses(['synth', 'prod-use1'], /environments\/prod-use1\/environment\.yaml:\d+ \(bundles\.database\)/),
      ),
    );
  });
  it('promote, naming the registry', async () => {
    await withFile('.npmrc', npmrc, () =>
      refuses(['promote', 'database', '--to', 'prod-use1', '--dry-run'], new RegExp(deadRegistry.replace(/[./]/g, '\\$&'))),
    );
  });
  it('release, naming the registry, before it versions anything', async () => {
    await withFile('.npmrc', npmrc, () => refuses(['release'], new RegExp(deadRegistry.replace(/[./]/g, '\\$&'))));
  });
});

describe('a damaged synth cache is synthesized again', () => {
  const stack = () => join(root, 'environments/staging/cdktf.out/stacks/staging/cdk.tf.json');
  const marker = () => join(root, 'environments/staging/cdktf.out/.parity-inputs.json');
  const cases: Array<[string, () => void]> = [
    ['a truncated stack', () => writeFileSync(stack(), readFileSync(stack(), 'utf8').slice(0, 100))],
    ['a stack replaced by other JSON', () => writeFileSync(stack(), '{"resource":{}}')],
    ['a garbage marker', () => writeFileSync(marker(), '\u0000not json')],
    ['a missing stack', () => rmSync(stack())],
  ];
  it.each(cases)('%s', async (_name, damage) => {
    expect((await parity('synth', 'staging')).status).toBe(0);
    const good = readFileSync(stack(), 'utf8');
    damage();
    const r = await parity('synth', 'staging');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 synthesized, 0 unchanged/);
    expect(readFileSync(stack(), 'utf8')).toBe(good);
    damage();
    const c = await parity('check', '--json');
    expect(c.status, c.stderr).toBe(0);
    expect(c.stderr).not.toMatch(STACK_TRACE);
    expect(readFileSync(stack(), 'utf8')).toBe(good);
    expect(snapshot()).toEqual(pristine);
  });
});

/** `parity` in another workspace, started without waiting for it. */
function start(ws: string, ...args: string[]) {
  return startWith(ws, {}, args);
}
function startWith(ws: string, env: NodeJS.ProcessEnv, args: string[]) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, PARITY_ROOT: ws, NO_COLOR: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal, out })),
  );
  return { child, done, output: () => out };
}
function ownWorkspace(): string {
  const t = fleetWorkspace();
  cleanups.push(t.cleanup);
  return t.root;
}
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const c of cleanups) c();
});

/**
 * Run `args` until writing `name` (a file or folder's base name) pauses before its rename
 * (PAUSE_BEFORE_RENAME), and SIGKILL it there. Returns the temporaries seen at that moment.
 */
async function killPaused(ws: string, args: string[], name: string): Promise<{ temporaries: string[] }> {
  const run = startWith(ws, { [PAUSE_BEFORE_RENAME]: name }, args);
  let exited = false;
  void run.done.then(() => (exited = true));
  while (!exited && !run.output().includes('parity: paused before renaming')) await new Promise((r) => setTimeout(r, 20));
  expect(run.output(), `${args.join(' ')} did not pause before renaming ${name}`).toMatch(/parity: paused before renaming /);
  const seen = temporaries(join(ws, 'environments'));
  run.child.kill('SIGKILL');
  expect((await run.done).signal).toBe('SIGKILL');
  return { temporaries: seen };
}

describe('SIGKILL in the middle of a command', () => {
  it('gen env: the environment is absent or complete, and the next command sweeps what the killed one left', async () => {
    const ws = ownWorkspace();
    const reference = ownWorkspace();
    expect((await parityIn(reference, 'gen', 'env', 'dr-euw3', '--recovers', 'prod-euw1')).status).toBe(0);
    const expected = readTree(join(reference, 'environments/dr-euw3'));
    expect(expected.has('RUNBOOK.md')).toBe(true);
    // killed with the new environment complete under its temporary name, before the rename
    const run = await killPaused(ws, ['gen', 'env', 'dr-euw3', '--recovers', 'prod-euw1'], 'dr-euw3');
    expect(run.temporaries).toEqual([expect.stringMatching(/\.dr-euw3\.tmp-\d+$/)]);
    // its files and its runbook (computed in memory first) were all there, and land in one rename: a
    // kill leaves nothing in place
    const tmp = run.temporaries[0]!;
    expect(readTree(tmp)).toEqual(expected);
    expect(existsSync(join(ws, 'environments/dr-euw3'))).toBe(false);
    const next = await parityIn(ws, 'check', '--json');
    expect(next.stderr).not.toMatch(STACK_TRACE);
    expect(next.stdout).not.toMatch(/pnpm gen runbook dr-euw3/);
    expect(temporaries(ws)).toEqual([]);
  });

  it('synth: every stack is the old one or a complete new one, and the next synth leaves no temporary folder', async () => {
    const ws = ownWorkspace();
    expect((await parityIn(ws, 'synth')).status).toBe(0);
    const stacks = () =>
      new Map(
        ['staging', 'prod-use1', 'dr-usw2', 'prod-gcp-euw1'].map((e) => [
          e,
          readFileSync(join(ws, `environments/${e}/cdktf.out/stacks/${e}/cdk.tf.json`), 'utf8'),
        ]),
      );
    const good = stacks();
    const committed = readTree(join(ws, 'environments'));
    // killed where it matters, whatever the machine's load: its first new output folder complete
    // under its temporary name, not yet renamed over the old one
    const run = await killPaused(ws, ['synth', '--force', '--jobs', '1'], OUT_DIR);
    expect(run.temporaries).toEqual([expect.stringMatching(/\.cdktf\.out\.tmp-\d+$/)]);
    expect(stacks()).toEqual(good);
    // every committed file as it was; the killed synth's temporary folder left beside them
    const inTemporary = /(^|\/)\.[^/]+\.tmp-\d+(\/|$)/;
    const left = readTree(join(ws, 'environments'));
    expect(new Map([...left].filter(([f]) => !inTemporary.test(f)))).toEqual(committed);
    expect([...left.keys()].some((f) => inTemporary.test(f))).toBe(true);
    const next = await parityIn(ws, 'synth');
    expect(next.status, next.stderr).toBe(0);
    expect(temporaries(ws)).toEqual([]);
    expect(readTree(join(ws, 'environments'))).toEqual(committed);
    expect(stacks()).toEqual(good);
  });

  it('promote: the temporary manifest a killed promote leaves is swept by the next command, the manifest untouched', async () => {
    // The real kill, with a registry and published versions, is packages/release/src/promote-kill.e2e.test.ts;
    // here, what it can leave (its temporary manifest, named after a process that no longer runs) is swept.
    const ws = ownWorkspace();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const leftover = join(ws, `environments/prod-use1/environment.yaml.tmp-${dead}`);
    writeFileSync(leftover, 'name: prod-use1\nbundles:\n  datab');
    const before = readTree(join(ws, 'environments'));
    before.delete(`prod-use1/environment.yaml.tmp-${dead}`);
    const r = await parityIn(ws, 'check', 'prod-use1', 'dr-usw2');
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(existsSync(leftover)).toBe(false);
    expect(readTree(join(ws, 'environments'))).toEqual(before);
  });
});

describe('two commands at once', () => {
  it('two synths write the same stacks and leave no temporary folder', async () => {
    const ws = ownWorkspace();
    const [a, b] = await Promise.all([
      start(ws, 'synth', '--force', '--jobs', '1').done,
      start(ws, 'synth', '--force', '--jobs', '1').done,
    ]);
    expect(a.status, a.out).toBe(0);
    expect(b.status, b.out).toBe(0);
    const one = readFileSync(join(ws, 'environments/prod-use1/cdktf.out/stacks/prod-use1/cdk.tf.json'), 'utf8');
    expect((await parityIn(ws, 'synth', '--force', 'prod-use1')).status).toBe(0);
    expect(readFileSync(join(ws, 'environments/prod-use1/cdktf.out/stacks/prod-use1/cdk.tf.json'), 'utf8')).toBe(one);
    expect(temporaries(ws)).toEqual([]);
  });

  it('two gen env of one new environment: one writes it, the other says so and writes nothing, with no stack trace', async () => {
    const ws = ownWorkspace();
    const runs = await Promise.all([0, 1, 2].map(() => start(ws, 'gen', 'env', 'dr-euw3', '--recovers', 'prod-euw1').done));
    expect(runs.filter((r) => r.status === 0)).toHaveLength(1);
    for (const r of runs.filter((x) => x.status !== 0)) {
      expect(r.status).toBe(1);
      expect(r.out).toMatch(/environments\/dr-euw3.*(already exists|created by another command)/);
      expect(r.out).not.toMatch(STACK_TRACE);
    }
    expect(temporaries(ws)).toEqual([]);
  });

  it('check while synth runs: both succeed', async () => {
    const ws = ownWorkspace();
    const [s, c] = await Promise.all([start(ws, 'synth', '--force').done, start(ws, 'check').done]);
    expect(s.status, s.out).toBe(0);
    expect(c.status, c.out).toBe(0);
    expect(temporaries(ws)).toEqual([]);
  });
});
