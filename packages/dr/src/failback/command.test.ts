/**
 * `pnpm failback` as users run it (the launcher, in a temporary workspace holding the tests' fleet (@parity/testkit)), for the
 * steps that call no cloud API: the refusals, reprotect (written and dry run), and the restore of
 * the original roles, whose manifests must be byte for byte as before the failover apart from the
 * history comment. The switchover's API calls are failback-run.test.ts's (recorded) and the
 * drill's (moto).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { fleetEnvironmentsAsync, fleetWorkspace, runParity, STAMP_TIMEOUT } from '@parity/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const workspaces: Array<{ cleanup: () => void }> = [];
afterAll(() => {
  for (const w of workspaces.splice(0)) w.cleanup();
});

function failback(root: string, ...args: string[]) {
  return failbackOf(root, 'dr-usw2', ...args);
}

async function failbackOf(root: string, dr: string, ...args: string[]) {
  // nothing listens on port 9: these steps must not call the API
  const r = await runParity(root, ['failback', dr, '--endpoint', 'http://127.0.0.1:9', ...args], {
    env: { FORCE_COLOR: '0' },
    timeout: 180_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const file = (root: string, env: string) => join(root, 'environments', env, 'environment.yaml');
const read = (root: string, env: string) => readFileSync(file(root, env), 'utf8');

/** The manifest with a section written as pnpm failover / pnpm failback would, before `overrides`. */
function withSection(text: string, section: string): string {
  return text.replace(/^overrides:/m, `${section}overrides:`);
}

describe('pnpm failback', () => {
  it('fails before the failover is complete, naming the file, field, value and fix; writes nothing', async () => {
    const ws = fleetWorkspace();
    workspaces.push(ws);
    const prod = read(ws.root, 'prod-use1');
    const none = await failback(ws.root);
    expect(none.code, none.out).toBe(2);
    expect(none.out).toMatch(/failback refused: dr-usw2 has not failed over/);
    writeFileSync(file(ws.root, 'dr-usw2'), withSection(read(ws.root, 'dr-usw2'), 'failover:\n  step: promote\n'));
    const early = await failback(ws.root);
    expect(early.code, early.out).toBe(2);
    expect(early.out).toMatch(/dr-usw2's failover is not complete[\s\S]*environments\/dr-usw2\/environment\.yaml \(failover\.step\)\n/);
    expect(early.out).toMatch(/fix: +complete the failover first: pnpm failover dr-usw2/);
    expect(read(ws.root, 'prod-use1')).toBe(prod);
  }, 240_000);

  it('reprotect, then (after complete) the original roles: the manifests byte for byte as before the failover, apart from the history', async () => {
    const ws = fleetWorkspace();
    workspaces.push(ws);
    const original = { dr: read(ws.root, 'dr-usw2'), prod: read(ws.root, 'prod-use1') };
    const history = '# 2026-11-28T14:02Z: promote — us-east-1 lost.\n# 2026-11-28T14:30Z: complete.\n';
    writeFileSync(file(ws.root, 'dr-usw2'), withSection(original.dr, `${history}failover:\n  step: complete\n`));

    const dry = await failback(ws.root, '--dry-run');
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toMatch(/prod-use1: failback step reprotect/);
    expect(dry.out).toMatch(
      /aws rds modify-db-instance --region us-east-1 --db-instance-identifier acme-prod-use1-db --no-deletion-protection/,
    );
    expect(dry.out).toMatch(/plan -replace=aws_db_instance\.database_instance_\w+ -out=failback\.tfplan/);
    expect(dry.out).toMatch(/\(dry run: nothing fenced, environments\/prod-use1\/environment\.yaml not written\)/);
    expect(read(ws.root, 'prod-use1')).toBe(original.prod);

    const reprotect = await failback(ws.root, '--yes', '--by', 'Ana');
    expect(reprotect.code, reprotect.out).toBe(0);
    expect(parse(read(ws.root, 'prod-use1')).failback).toMatchObject({
      step: 'reprotect',
      from: 'dr-usw2 (us-west-2), replicated into us-east-1',
    });
    expect(read(ws.root, 'prod-use1')).toMatch(
      /^# \d{4}-\d\d-\d\dT\d\d:\d\dZ: reprotect — us-east-1 back; prod-use1 becomes the DR of dr-usw2, by Ana\.$/m,
    );

    // promote and complete need the reverse replica's API (the drill's); here, as if they were done
    writeFileSync(file(ws.root, 'prod-use1'), read(ws.root, 'prod-use1').replace('step: reprotect', 'step: complete'));
    const restore = await failback(ws.root, '--yes', '--by', 'Ana');
    expect(restore.code, restore.out).toBe(0);
    expect(restore.out).toMatch(/prod-use1's Terraform, by address:\n +no changes to resources/);
    expect(restore.out).toMatch(/plan -replace=aws_db_instance\.database_instance_\w+ -out=restore\.tfplan/);
    const strip = (t: string) =>
      t
        .split('\n')
        .filter((l) => !/^# \d{4}-\d\d-\d\dT\d\d:\d\dZ: /.test(l))
        .join('\n');
    expect(strip(read(ws.root, 'dr-usw2'))).toBe(original.dr);
    expect(strip(read(ws.root, 'prod-use1'))).toBe(original.prod);
    expect(read(ws.root, 'dr-usw2')).toMatch(
      /# 2026-11-28T14:30Z: complete\.\n# .*restore — original roles: dr-usw2 recovers prod-use1 again; failback done, by Ana\.\noverrides:/,
    );
    // and nothing is left to fail back
    expect((await failback(ws.root)).out).toMatch(/dr-usw2 has not failed over/);
  }, 600_000);
});

describe('pnpm failback of a backup & restore pair', () => {
  const restored = '# 2026-11-28T14:02Z: restore — eu-west-1 lost.\nfailover:\n  step: restore\n  snapshot: copy-1\n';

  it('fails on a failback step that does not fit backup & restore, naming the file, field, value, allowed steps and fix; writes nothing', async () => {
    const ws = fleetWorkspace();
    workspaces.push(ws);
    writeFileSync(file(ws.root, 'dr-euc1'), withSection(read(ws.root, 'dr-euc1'), restored));
    writeFileSync(file(ws.root, 'prod-euw1'), withSection(read(ws.root, 'prod-euw1'), 'failback:\n  step: promote\n'));
    const texts = { dr: read(ws.root, 'dr-euc1'), prod: read(ws.root, 'prod-euw1') };
    const r = await failbackOf(ws.root, 'dr-euc1');
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/environments\/prod-euw1\/environment\.yaml.*failback\.step.*step promote does not fit backup-restore/);
    expect(r.out).toMatch(/reprotect, restore/);
    expect({ dr: read(ws.root, 'dr-euc1'), prod: read(ws.root, 'prod-euw1') }).toEqual(texts);
  }, 240_000);

  it('complete: the original roles, the manifests byte for byte as before the failover apart from the history; the procedure destroys the dr side', async () => {
    const ws = fleetWorkspace();
    workspaces.push(ws);
    const original = { dr: read(ws.root, 'dr-euc1'), prod: read(ws.root, 'prod-euw1') };
    writeFileSync(file(ws.root, 'dr-euc1'), withSection(original.dr, restored));
    // reprotect and restore need the API (the drill's, and failback-backups.test.ts'); here, as if they were done
    const history = '# 2026-11-29T09:00Z: reprotect.\n# 2026-11-29T10:00Z: restore.\n';
    writeFileSync(
      file(ws.root, 'prod-euw1'),
      withSection(original.prod, `${history}failback:\n  step: restore\n  snapshot: acme-dr-euc1-db-failback-20261129100000\n`),
    );
    const r = await failbackOf(ws.root, 'dr-euc1', '--yes', '--by', 'Ana');
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/prod-euw1: failback step complete \(backup-restore/);
    // the restore source leaves prod-euw1's Terraform without a replacement: snapshot_identifier is read at creation only
    expect(r.out).not.toMatch(/-replace=/);
    expect(r.out).toMatch(/plan -destroy -out=destroy\.tfplan/);
    const strip = (t: string) =>
      t
        .split('\n')
        .filter((l) => !/^# \d{4}-\d\d-\d\dT\d\d:\d\dZ: /.test(l))
        .join('\n');
    expect(strip(read(ws.root, 'dr-euc1'))).toBe(original.dr);
    expect(strip(read(ws.root, 'prod-euw1'))).toBe(original.prod);
    expect(read(ws.root, 'prod-euw1')).toMatch(
      /# .*complete — original roles: dr-euc1 recovers prod-euw1 again; failback done, by Ana\.\noverrides:/,
    );
    expect((await failbackOf(ws.root, 'dr-euc1')).out).toMatch(/dr-euc1 has not failed over/);
  }, 600_000);
});
