import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParityError } from './errors.js';
import { INPUT_LIMITS, inspectWorkspaceFile, parseJsonFile, readWorkspaceFile, readWorkspaceJson } from './files.js';
import { REPO_ROOT } from './testing.js';

const SECRET = 'AWS_SECRET_ACCESS_KEY: hunter2-TOPSECRET';
let dirs: string[] = [];
afterEach(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** A workspace folder and, beside it, a secret outside it. */
function setup(): { root: string; outside: string } {
  const base = realpathSync(mkdtempSync(join(tmpdir(), 'parity-files-')));
  dirs.push(base);
  const root = join(base, 'ws');
  mkdirSync(join(root, 'environments', 'staging'), { recursive: true });
  const outside = join(base, 'secret.txt');
  writeFileSync(outside, `${SECRET}\n`);
  writeFileSync(join(root, 'environments', 'staging', 'environment.yaml'), 'name: staging\n');
  return { root, outside };
}

function refusedKind(root: string, file: string, kind: 'manifest' | 'definition' | 'drill report' = 'manifest'): string | undefined {
  const r = inspectWorkspaceFile(root, file, { kind });
  return 'refused' in r ? r.refused.kind : undefined;
}

const MANIFEST = 'environments/staging/environment.yaml';

describe('the guarded reader', () => {
  it('reads a regular file inside the workspace', () => {
    const { root } = setup();
    expect(readWorkspaceFile(root, MANIFEST, { kind: 'manifest' })).toBe('name: staging\n');
    expect(readWorkspaceFile(root, join(root, MANIFEST), { kind: 'manifest' })).toBe('name: staging\n');
  });

  it('fails on a symbolic link to a file outside the workspace, naming the path and never the content', () => {
    const { root, outside } = setup();
    rmSync(join(root, MANIFEST));
    symlinkSync(outside, join(root, MANIFEST));
    const e = (() => {
      try {
        readWorkspaceFile(root, MANIFEST, { kind: 'manifest' });
      } catch (x) {
        return x;
      }
    })();
    expect(e).toBeInstanceOf(ParityError);
    expect((e as ParityError).kinds).toEqual(['file-link']);
    expect((e as ParityError).issues[0]!.file).toBe(MANIFEST);
    expect((e as ParityError).message).not.toContain('TOPSECRET');
  });

  it('fails on a symbolic link to a file inside the workspace too', () => {
    const { root } = setup();
    writeFileSync(join(root, 'environments', 'real.yaml'), 'name: staging\n');
    rmSync(join(root, MANIFEST));
    symlinkSync('../real.yaml', join(root, MANIFEST));
    expect(refusedKind(root, MANIFEST)).toBe('file-link');
  });

  it('fails on a path whose folder is a link out of the workspace, and on a path with ..', () => {
    const { root, outside } = setup();
    const elsewhere = join(outside, '..', 'elsewhere');
    mkdirSync(elsewhere);
    writeFileSync(join(elsewhere, 'environment.yaml'), `${SECRET}\n`);
    symlinkSync(elsewhere, join(root, 'environments', 'linked'));
    expect(refusedKind(root, 'environments/linked/environment.yaml')).toBe('file-outside');
    expect(refusedKind(root, '../secret.txt')).toBe('file-outside');
    expect(refusedKind(root, outside)).toBe('file-outside');
  });

  it('fails on a directory and on a FIFO, at once (a FIFO is never opened for a blocking read)', () => {
    const { root } = setup();
    mkdirSync(join(root, 'environments', 'dir.yaml'));
    expect(refusedKind(root, 'environments/dir.yaml')).toBe('file-not-regular');
    const fifo = join(root, 'environments', 'prod-use1.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    const r = inspectWorkspaceFile(root, fifo, { kind: 'manifest' });
    expect('refused' in r && r.refused).toMatchObject({ kind: 'file-not-regular', value: 'FIFO (named pipe)' });
  });

  it('fails on a file over its kind limit from its size, naming the limit', () => {
    const { root } = setup();
    const big = join(root, MANIFEST);
    truncateSync(big, 50 * 1024 * 1024); // sparse: 50 MB without writing them
    const r = inspectWorkspaceFile(root, MANIFEST, { kind: 'manifest' });
    expect('refused' in r && r.refused).toMatchObject({
      kind: 'file-too-large',
      value: '50 MiB',
      allowed: 'at most 1 MiB (1048576 bytes)',
    });
    truncateSync(big, INPUT_LIMITS.manifest + 1);
    expect(refusedKind(root, MANIFEST)).toBe('file-too-large');
    truncateSync(big, INPUT_LIMITS.manifest);
    expect(refusedKind(root, MANIFEST)).toBeUndefined();
    // a drill report may be larger than a manifest
    expect(refusedKind(root, MANIFEST, 'drill report')).toBeUndefined();
  });

  it('says missing for a file that is not there, and refuses it as file-missing when it is required', () => {
    const { root } = setup();
    expect(inspectWorkspaceFile(root, 'environments/none.yaml', { kind: 'manifest' })).toEqual({ missing: true });
    expect(() => readWorkspaceFile(root, 'environments/none.yaml', { kind: 'manifest' })).toThrow(/does not exist/);
  });

  /**
   * An unreadable file. Root reads a chmod 000 file anyway (CAP_DAC_OVERRIDE), so as root the read
   * runs in a child process under the unprivileged user `nobody` (uid 65534), through the same
   * reader; as any other user it runs here. Either way the open itself is what fails, not a guess.
   */
  it('fails on a file it cannot open (EACCES), naming it', () => {
    const { root } = setup();
    chmodSync(join(root, MANIFEST), 0o000);
    if (process.getuid?.() !== 0) {
      expect(refusedKind(root, MANIFEST)).toBe('file-unreadable');
      return;
    }
    // nobody must reach the folders (mkdtemp makes them 0700) and read the reader's source
    for (let d = join(root, 'environments', 'staging'); d.startsWith(dirs[0]!); d = join(d, '..')) chmodSync(d, 0o755);
    const script = [
      `import { inspectWorkspaceFile } from ${JSON.stringify(join(REPO_ROOT, 'packages/model/src/files.ts'))};`,
      `const r = inspectWorkspaceFile(${JSON.stringify(root)}, ${JSON.stringify(MANIFEST)}, { kind: 'manifest' });`,
      `process.stdout.write(JSON.stringify({ uid: process.getuid(), r }));`,
    ].join('\n');
    const tsx = join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
    const child = spawnSync(tsx, ['--input-type=module', '-e', script], {
      uid: 65534,
      gid: 65534,
      encoding: 'utf8',
      cwd: tmpdir(),
      env: { PATH: process.env.PATH, HOME: tmpdir(), TSX_TSCONFIG_PATH: join(REPO_ROOT, 'packages/model/tsconfig.json') },
    });
    expect(child.stderr).toBe('');
    const out = JSON.parse(child.stdout) as { uid: number; r: { refused?: { kind: string; value: string } } };
    expect(out.uid).toBe(65534);
    expect(out.r.refused).toMatchObject({ kind: 'file-unreadable', value: 'EACCES' });
  });
});

describe('JSON read by Parity', () => {
  it('fails on JSON that does not parse, naming the line and column and never quoting it', () => {
    const text = '{\n  "drEnv": "dr-usw2",\n  "secret": hunter2-TOPSECRET\n}\n';
    const r = parseJsonFile('environments/dr-usw2/drills/x.json', text, 'drill report');
    expect(r.refused).toMatchObject({ kind: 'json', line: 3, column: 13 });
    expect(JSON.stringify(r.refused)).not.toContain('TOPSECRET');
    const plain = parseJsonFile('x.json', 'hunter2-TOPSECRET', 'drill report');
    expect(plain.refused).toMatchObject({ kind: 'json', line: 1, column: 1 });
    expect(JSON.stringify(plain.refused)).not.toContain('TOPSECRET');
  });

  it('reads a drill report through the guarded reader', () => {
    const { root, outside } = setup();
    mkdirSync(join(root, 'environments', 'dr-usw2', 'drills'), { recursive: true });
    writeFileSync(join(root, 'environments/dr-usw2/drills/a.json'), '{"drEnv":"dr-usw2"}');
    expect(readWorkspaceJson(root, 'environments/dr-usw2/drills/a.json', { kind: 'drill report' })).toEqual({ drEnv: 'dr-usw2' });
    writeFileSync(outside, '{"drEnv":"dr-usw2","detail":"TOPSECRET"}');
    symlinkSync(outside, join(root, 'environments/dr-usw2/drills/b.json'));
    expect(() => readWorkspaceJson(root, 'environments/dr-usw2/drills/b.json', { kind: 'drill report' })).toThrow(/symbolic link/);
  });
});
