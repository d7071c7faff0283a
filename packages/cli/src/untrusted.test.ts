/**
 * Files that are not what they seem, through the command line as CI runs it. A pull request from a
 * fork chooses the files `pnpm check --markdown` reads, and CI posts its output as a comment: a
 * manifest or a drill report that links to a file outside the repository must be refused by path,
 * and its content must appear nowhere (the markdown, the JSON, the HTML report).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runParity, tempFleets } from '@parity/testkit';

const SECRET = 'hunter2-TOPSECRET-7f3a';
const temp = tempFleets();
let secrets: string;
beforeAll(() => {
  secrets = mkdtempSync(join(tmpdir(), 'parity-secrets-'));
  // valid YAML and valid JSON, so that nothing but the link stands between it and the output
  writeFileSync(join(secrets, 'env.yaml'), `AWS_SECRET_ACCESS_KEY: ${SECRET}\nname: staging\n`);
  writeFileSync(
    join(secrets, 'drill.json'),
    JSON.stringify({
      drEnv: 'dr-usw2',
      startedAt: '2099-01-01T00:00:00Z',
      status: SECRET,
      steps: [{ id: 'apply', title: SECRET, status: 'passed', detail: SECRET }],
    }),
  );
});
afterAll(() => rmSync(secrets, { recursive: true, force: true }));

function parity(root: string, ...args: string[]) {
  return runParity(root, args, { env: { CI: '' }, timeout: 120_000 });
}

describe('a manifest or drill report that links outside the repository', () => {
  it('never shows the linked content in check --markdown, check --json or the HTML report', async () => {
    const root = temp();
    const manifest = join(root, 'environments/staging/environment.yaml');
    rmSync(manifest);
    symlinkSync(join(secrets, 'env.yaml'), manifest);
    symlinkSync(join(secrets, 'drill.json'), join(root, 'environments/dr-usw2/drills/2099-01-01T00-00-00Z.json'));

    const md = await parity(root, 'check', '--markdown');
    expect(md.status).toBe(1);
    expect(`${md.stdout}${md.stderr}`).not.toContain('TOPSECRET');
    expect(md.stdout).toMatch(/environments\/staging\/environment\.yaml.*symbolic link/);

    const json = await parity(root, 'check', '--json');
    expect(json.status).toBe(1);
    expect(`${json.stdout}${json.stderr}`).not.toContain('TOPSECRET');
    const report = JSON.parse(json.stdout) as { findings: Array<{ kind: string; file: string }> };
    expect(report.findings).toContainEqual(expect.objectContaining({ kind: 'file-link', file: 'environments/staging/environment.yaml' }));

    const out = join(root, 'html');
    const html = await parity(root, 'report', '--out', out);
    expect(`${html.stdout}${html.stderr}`).not.toContain('TOPSECRET');
    const page = readFileSync(join(out, 'index.html'), 'utf8');
    expect(page).toContain('environments/staging/environment.yaml');
    expect(page).not.toContain('TOPSECRET');
  });

  it('refuses a FIFO and a 50 MB manifest by kind, without reading them', async () => {
    const root = temp();
    const staging = join(root, 'environments/staging/environment.yaml');
    rmSync(staging);
    expect(spawnSync('mkfifo', [staging]).status).toBe(0);
    truncateSync(join(root, 'environments/prod-use1/environment.yaml'), 50 * 1024 * 1024);
    const r = await parity(root, 'check', '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { findings: Array<{ kind: string; file: string; allowed?: string }> };
    expect(report.findings).toContainEqual(
      expect.objectContaining({ kind: 'file-not-regular', file: 'environments/staging/environment.yaml' }),
    );
    expect(report.findings).toContainEqual(
      expect.objectContaining({
        kind: 'file-too-large',
        file: 'environments/prod-use1/environment.yaml',
        allowed: 'at most 1 MiB (1048576 bytes)',
      }),
    );
  });

  it('refuses an environment folder whose name has a look-alike character, naming it', async () => {
    const root = temp();
    const r = await parity(root, 'gen', 'env', 'prod\u2010use2');
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/U\+2010 \(HYPHEN/);
    expect(r.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
