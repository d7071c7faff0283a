/**
 * `pnpm failover` end to end, as users run it (the launcher, plain node), in a temporary copy of
 * the workspace, against a moto server this test starts. The primary's database and the copy the
 * backup plan would land in the DR region are made through the API (seconds, not a five-minute
 * apply); applying the failover the command writes is what the drill does (drill.e2e.test.ts).
 *
 * Needs moto_server (moto 5.2.1): skipped locally without it, FAILS under CI=true.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import {
  CopyDBSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBInstanceReadReplicaCommand,
  CreateDBSnapshotCommand,
} from '@aws-sdk/client-rds';
import { stackFile } from '@parity/synth/cache';
import { REPO_ROOT } from '@parity/model/testing';
import { BIN, fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { replayQueues } from '@parity/dr';
import { clients } from '@parity/dr/aws';
import { motoCommand, startMoto, type Moto } from './target/moto.js';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';
import { hasMoto as probeMoto } from './target/testing.js';

// 15 minutes a case: in `pnpm test` the drills run beside this file on CI's 2 cores, and a fresh-clone
// run took dr-euc1's case (apply prod-euw1, copy, pnpm failover) past 5.
const FAILOVER_TIMEOUT = 15 * 60_000;

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp, or a wait for another process's, of a minute on a loaded machine trips vitest's
// worker RPC timeout ("Timeout calling onTaskUpdate").
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const CI = process.env.CI === 'true';
const hasMoto = await probeMoto();
// Through the launcher users run (BIN), in throwaway workspaces holding the tests' fleet (@parity/testkit).
const tempWorkspace = fleetWorkspace;

function cli(root: string, args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: root,
      env: { ...process.env, PARITY_ROOT: root, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/**
 * The primary's database identifier, from its own Terraform: synthesized by `parity synth` in a
 * child process (a synth in this worker would block it for as long as it takes on a loaded machine).
 */
async function primaryDb(root: string, env: string): Promise<string> {
  const r = await cli(root, ['synth', env]);
  expect(r.code, r.out).toBe(0);
  const json = JSON.parse(readFileSync(stackFile(root, env), 'utf8')) as TerraformJson;
  return literal(placedResources(json, 'aws_db_instance')[0]!.body.identifier)!;
}

describe.skipIf(!hasMoto && !CI)('pnpm failover against moto', () => {
  let moto: Moto | undefined;
  const cleanups: Array<() => void> = [];
  beforeAll(async () => {
    if (!hasMoto)
      throw new Error(`${motoCommand()} is not on PATH: CI must run pnpm failover against moto. Fix: pip install 'moto[server]==5.2.1'.`);
    const ws = tempWorkspace();
    cleanups.push(ws.cleanup);
    moto = await startMoto({ log: join(ws.root, 'moto.log') });
  });
  afterAll(async () => {
    await moto?.stop();
    for (const c of cleanups) c();
  });

  it(
    'dr-euc1 (backup & restore): finds the copy in eu-central-1, shows its age against the RPO, writes the failover on --yes, prints the plan and the steps',
    async () => {
      const ws = tempWorkspace();
      cleanups.push(ws.cleanup);
      const manifest = join(ws.root, 'environments', 'dr-euc1', 'environment.yaml');
      const before = readFileSync(manifest, 'utf8');
      // what the primary region held before it was lost, and the copy its backup plan landed in eu-central-1
      const db = await primaryDb(ws.root, 'prod-euw1');
      const west = clients('eu-west-1', moto!.url);
      const central = clients('eu-central-1', moto!.url);
      await west.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: db,
          Engine: 'postgres',
          DBInstanceClass: 'db.t4g.medium',
          MasterUsername: 'app',
          MasterUserPassword: 'not-a-real-one',
          AllocatedStorage: 20,
          StorageEncrypted: true,
        }),
      );
      await west.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: 'nightly' }));
      const key = (await central.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      await central.rds.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: `arn:aws:rds:eu-west-1:123456789012:snapshot:nightly`,
          TargetDBSnapshotIdentifier: 'nightly-copy',
          KmsKeyId: key,
        }),
      );
      // what prod-euw1's topics delivered to the orders archive in eu-central-1, and the consumers' checkpoint there
      const [orders, events] = replayQueues('acme', 'prod-euw1', 'dr-euc1', ['orders', 'events']);
      for (const q of [orders!, events!]) await central.sqs.send(new CreateQueueCommand({ QueueName: q.archive }));
      const archive = (await central.sqs.send(new CreateQueueCommand({ QueueName: orders!.archive }))).QueueUrl!;
      for (const [i, at] of ['2026-11-28T14:00:00Z', '2026-11-28T14:00:01Z', '2026-11-28T14:00:02Z'].entries())
        await central.sqs.send(
          new SendMessageCommand({
            QueueUrl: archive,
            MessageBody: `order ${i}`,
            MessageAttributes: {
              'idempotency-key': { DataType: 'String', StringValue: `order-${i}` },
              'produced-at': { DataType: 'String', StringValue: at },
            },
          }),
        );
      const ssm = new SSMClient({
        region: 'eu-central-1',
        endpoint: moto!.url,
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      });
      await ssm.send(new PutParameterCommand({ Name: orders!.checkpointParameter, Type: 'String', Value: '2026-11-28T14:00:01Z' }));
      ssm.destroy();
      west.destroy();

      const dry = await cli(ws.root, ['failover', 'dr-euc1', '--endpoint', moto!.url, '--dry-run']);
      expect(dry.code, dry.out).toBe(0);
      expect(dry.out).toMatch(/dr-euc1: failover step restore \(backup-restore, recovering prod-euw1 from eu-west-1 into eu-central-1\)/);
      expect(dry.out).toMatch(/recover from: snapshot nightly-copy, data of .* \(\d+ s old — within the 240 min RPO\)/);
      expect(dry.out).toContain('+ failover:');
      expect(dry.out).toMatch(/\+ +snapshot: nightly-copy/);
      expect(dry.out).toMatch(/~ aws_db_instance\.\S+ \(.*snapshot_identifier.*\)/);
      expect(dry.out).toMatch(/1\. Fence the old primary's writers in eu-west-1, if the region is reachable/);
      expect(dry.out).toMatch(/Point traffic at eu-central-1/);
      expect(dry.out).toMatch(/Verify dr-euc1/);
      expect(dry.out).toContain(`aws rds stop-db-instance --region eu-west-1 --db-instance-identifier ${db}`);
      expect(dry.out).toContain('(dry run: environments/dr-euc1/environment.yaml not written)');
      // the plan counts what the replay would send after the apply, and the procedure has the step
      expect(dry.out).toContain('Queue replay (after the apply: pnpm failover dr-euc1 --replay):');
      expect(dry.out).toContain('orders: 3 archived, 1 newer than the checkpoint 2026-11-28T14:00:01Z would be replayed');
      expect(dry.out).toContain('events: 0 archived, 0 newer than any checkpoint (none published: all) would be replayed');
      expect(dry.out).toMatch(/Replay the queues' archived messages into dr-euc1, after the apply/);
      expect(readFileSync(manifest, 'utf8')).toBe(before);
      // the replay itself is refused before the failover is written; its dry run counts at any time
      const early = await cli(ws.root, ['failover', 'dr-euc1', '--endpoint', moto!.url, '--replay']);
      expect(early.code, early.out).toBe(2);
      expect(early.out).toMatch(/dr-euc1 has not failed over \(no failover: section\)/);
      const count = await cli(ws.root, ['failover', 'dr-euc1', '--endpoint', moto!.url, '--replay', '--dry-run']);
      expect(count.code, count.out).toBe(0);
      expect(count.out).toContain('orders: 3 archived, 1 newer than the checkpoint 2026-11-28T14:00:01Z would be replayed');

      // no terminal to ask on, and no --yes: refused, nothing written
      const unasked = await cli(ws.root, ['failover', 'dr-euc1', '--endpoint', moto!.url]);
      expect(unasked.code, unasked.out).toBe(2);
      expect(unasked.out).toMatch(/failover refused: pnpm failover needs a confirmation, and there is no terminal to ask on/);
      expect(readFileSync(manifest, 'utf8')).toBe(before);

      const run = await cli(ws.root, [
        'failover',
        'dr-euc1',
        '--endpoint',
        moto!.url,
        '--yes',
        '--reason',
        'eu-west-1 unavailable since 13:40Z',
        '--by',
        'Ana (on call)',
      ]);
      expect(run.code, run.out).toBe(0);
      const after = readFileSync(manifest, 'utf8');
      expect(parse(after).failover).toMatchObject({
        step: 'restore',
        reason: 'eu-west-1 unavailable since 13:40Z',
        snapshot: 'nightly-copy',
        from: 'snapshot copy of prod-euw1 in eu-central-1',
      });
      expect(after).toMatch(
        /# \S+Z: restore — eu-west-1 lost \(eu-west-1 unavailable since 13:40Z\), declared by Ana \(on call\)\. snapshot nightly-copy/,
      );
      // every line that was there is still there
      expect(before.split('\n').filter((l) => !after.split('\n').includes(l))).toEqual([]);

      // after the apply (its queues, made here as the apply would): the replay sends the one newer message, once
      for (const q of [orders!, events!]) await central.sqs.send(new CreateQueueCommand({ QueueName: q.target }));
      central.destroy();
      const replay = await cli(ws.root, ['failover', 'dr-euc1', '--endpoint', moto!.url, '--replay']);
      expect(replay.code, replay.out).toBe(0);
      expect(replay.out).toContain('orders: 3 archived, 1 newer than the checkpoint 2026-11-28T14:00:01Z, 1 replayed');
      const twice = await cli(ws.root, ['failover', 'dr-euc1', '--endpoint', moto!.url, '--replay']);
      expect(twice.out).toContain('orders: 2 archived, 0 newer than the checkpoint 2026-11-28T14:00:01Z, 0 replayed');

      const again = await cli(ws.root, ['failover', 'dr-euc1', '--endpoint', moto!.url, '--yes']);
      expect(again.code, again.out).toBe(2);
      expect(again.out).toMatch(/failover refused: dr-euc1 is already restored/);
      expect(again.out).toMatch(/pnpm failback dr-euc1/);
    },
    FAILOVER_TIMEOUT,
  );

  it(
    'dr-usw2 (pilot light): finds the replica in us-west-2 and its lag, writes promote, then complete, each with its history comment',
    async () => {
      const ws = tempWorkspace();
      cleanups.push(ws.cleanup);
      const manifest = join(ws.root, 'environments', 'dr-usw2', 'environment.yaml');
      const before = readFileSync(manifest, 'utf8');
      // the primary's database, and the replica the DR environment runs in peacetime (as its Terraform makes it)
      const db = await primaryDb(ws.root, 'prod-use1');
      const east = clients('us-east-1', moto!.url);
      const west = clients('us-west-2', moto!.url);
      const created = await east.rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: db,
          Engine: 'postgres',
          DBInstanceClass: 'db.r6g.xlarge',
          MasterUsername: 'app',
          MasterUserPassword: 'not-a-real-one',
          AllocatedStorage: 20,
          StorageEncrypted: true,
        }),
      );
      const sourceArn = created.DBInstance!.DBInstanceArn!;
      const key = (await west.kms.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      await west.rds.send(
        new CreateDBInstanceReadReplicaCommand({
          DBInstanceIdentifier: 'acme-dr-usw2-db',
          SourceDBInstanceIdentifier: sourceArn,
          KmsKeyId: key,
          DBInstanceClass: 'db.r6g.xlarge',
        }),
      );
      east.destroy();
      west.destroy();

      const promote = await cli(ws.root, [
        'failover',
        'dr-usw2',
        '--endpoint',
        moto!.url,
        '--yes',
        '--reason',
        'us-east-1 unavailable',
        '--by',
        'Ana',
      ]);
      expect(promote.code, promote.out).toBe(0);
      expect(promote.out).toMatch(/dr-usw2: failover step promote \(pilot-light, recovering prod-use1 from us-east-1 into us-west-2\)/);
      expect(promote.out).toMatch(
        /recover from: read replica acme-dr-usw2-db \(available\), lag unknown \(no ReplicaLag datapoint in the last 10 min\)/,
      );
      expect(promote.out).toMatch(/~ aws_db_instance\.\S+ \(.*replicate_source_db.*\)/);
      expect(promote.out).toMatch(/Complete the failover: failover\.step complete, then apply/);
      const first = parse(readFileSync(manifest, 'utf8')).failover;
      expect(first).toMatchObject({ step: 'promote', from: `read replica of prod-use1 (${sourceArn})` });
      expect(first.snapshot).toBeUndefined();

      const complete = await cli(ws.root, [
        'failover',
        'dr-usw2',
        '--endpoint',
        moto!.url,
        '--yes',
        '--reason',
        'us-east-1 unavailable',
        '--by',
        'Ana',
      ]);
      expect(complete.code, complete.out).toBe(0);
      const after = readFileSync(manifest, 'utf8');
      expect(parse(after).failover.step).toBe('complete');
      // both steps' comments, in order: the history of the failover
      expect(after).toMatch(
        /# \S+Z: promote — us-east-1 lost \(us-east-1 unavailable\), declared by Ana\..*\n# \S+Z: complete — .*\nfailover:\n {2}step: complete/,
      );
      expect(before.split('\n').filter((l) => !after.split('\n').includes(l))).toEqual([]);

      const again = await cli(ws.root, ['failover', 'dr-usw2', '--endpoint', moto!.url, '--yes']);
      expect(again.code, again.out).toBe(2);
      expect(again.out).toMatch(/failover refused: dr-usw2 has already failed over \(failover\.step: complete/);
    },
    FAILOVER_TIMEOUT,
  );

  it(
    'fails: nothing to recover from in the DR region is refused, naming what was looked for',
    async () => {
      const ws = tempWorkspace();
      cleanups.push(ws.cleanup);
      // an emulator of its own, with nothing in it
      const empty = await startMoto({ log: join(ws.root, 'moto-empty.log') });
      try {
        const replica = await cli(ws.root, ['failover', 'dr-usw2', '--endpoint', empty.url, '--dry-run']);
        expect(replica.code, replica.out).toBe(2);
        expect(replica.out).toMatch(/failover refused: nothing to recover dr-usw2 from in us-west-2/);
        expect(replica.out).toMatch(/looked for the read replica acme-dr-usw2-db/);
        const copy = await cli(ws.root, ['failover', 'dr-euc1', '--endpoint', empty.url, '--dry-run']);
        expect(copy.code, copy.out).toBe(2);
        expect(copy.out).toMatch(
          /nothing to recover dr-euc1 from in eu-central-1: looked for a snapshot of acme-prod-euw1-db \(copies, or recovery points in acme-prod-euw1-copy-eu-central-1\) and found none/,
        );
      } finally {
        await empty.stop();
      }
    },
    FAILOVER_TIMEOUT,
  );

  it('fails: a failover needs a target', async () => {
    const r = await cli(REPO_ROOT, ['failover', 'dr-usw2', '--dry-run']);
    expect(r.code, r.out).toBe(2);
    expect(r.out).toMatch(/failover refused: a failover needs a target: --aws, --gcp or --endpoint <url>/);
  }, 60_000);
});
