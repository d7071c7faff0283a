/**
 * The region fence in front of a real moto server, with real AWS SDK clients and real Terraform:
 * before the loss everything passes; after `fence('us-east-1')` every request signed for it is
 * refused as an outage (the error kind each client sees is asserted, not a time), us-west-2 keeps
 * working, and every refusal is listed with its service, action and caller. Presigned URLs, a
 * cross-region copy presigned for the lost region and unsigned requests are fenced too.
 *
 * Needs moto_server (moto 5.2.1) and Terraform with the provider mirror: skipped locally without
 * them, FAILS under CI=true.
 */
import { hasMoto as probeMoto, hasTerraform as probeTerraform } from '../target/testing.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateDBInstanceCommand, CreateDBSnapshotCommand, CopyDBSnapshotCommand, RDSClient } from '@aws-sdk/client-rds';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CreateQueueCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { runProcess, terraformEnv } from '@parity/io';
import type { TerraformJson } from '@parity/model/terraform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { overrideFor } from '../target/emulator.js';
import { motoCommand, startMoto, type Moto } from '../target/moto.js';
import { AWS_GLOBAL_CONTROL_PLANES, type Fence, startFence } from './fence.js';
import { callerToken } from './request.js';

const CI = process.env.CI === 'true';
const hasMoto = await probeMoto();
const hasTerraform = await probeTerraform();
const PLUGIN_DIR = process.env.PARITY_TF_PLUGIN_DIR ?? '/opt/tf-plugins';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

describe.skipIf(!(hasMoto && hasTerraform) && !CI)('the region fence in front of moto', () => {
  let work: string;
  let moto: Moto;
  let fence: Fence;

  beforeAll(async () => {
    if (!hasMoto) throw new Error(`${motoCommand()} is not on PATH: install moto 5.2.1 (pip install 'moto[server]==5.2.1')`);
    if (!hasTerraform) throw new Error('terraform is not on PATH: the fence is tested with real Terraform');
    work = mkdtempSync(join(tmpdir(), 'parity-fence-'));
    moto = await startMoto({ log: join(work, 'moto.log') });
    fence = await startFence({ upstream: moto.url, log: join(work, 'refused.jsonl') });
  });

  afterAll(async () => {
    await fence?.close();
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const sqs = (region: string, endpoint: string, caller: string) =>
    new SQSClient({ region, endpoint, credentials, maxAttempts: 1, customUserAgent: callerToken(caller) });

  it('forwards every region before the loss; after it refuses the lost one, names the caller, and keeps the other', async () => {
    const east = sqs('us-east-1', fence.url, 'failover: find the recovery point');
    const west = sqs('us-west-2', fence.url, 'failover: find the recovery point');
    await east.send(new CreateQueueCommand({ QueueName: 'orders' }));
    await west.send(new CreateQueueCommand({ QueueName: 'orders' }));
    expect((await east.send(new ListQueuesCommand({}))).QueueUrls).toHaveLength(1);

    fence.fence('us-east-1');
    const refused = await east.send(new ListQueuesCommand({})).catch((e: unknown) => e);
    expect(refused).toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    expect(String((refused as Error).message)).toMatch(/us-east-1 is unavailable/);
    expect((await west.send(new ListQueuesCommand({}))).QueueUrls).toHaveLength(1);

    // a caller with an endpoint of its own, and no token
    const own = new SQSClient({
      region: 'us-east-1',
      endpoint: await fence.endpoint('runbook: aws sqs list-queues'),
      credentials,
      maxAttempts: 1,
    });
    await expect(own.send(new ListQueuesCommand({}))).rejects.toMatchObject({ name: 'ServiceUnavailableException' });

    expect(fence.refused.map(({ reason, region, service, action, caller }) => ({ reason, region, service, action, caller }))).toEqual([
      { reason: 'region-lost', region: 'us-east-1', service: 'sqs', action: 'ListQueues', caller: 'failover: find the recovery point' },
      { reason: 'region-lost', region: 'us-east-1', service: 'sqs', action: 'ListQueues', caller: 'runbook: aws sqs list-queues' },
    ]);
    expect(fence.forwarded['us-west-2']).toBeGreaterThanOrEqual(2);
    // the log file holds the same refusals, one JSON line each
    expect(
      readFileSync(join(work, 'refused.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).caller),
    ).toEqual(['failover: find the recovery point', 'runbook: aws sqs list-queues']);
    fence.lift('us-east-1');
    expect((await east.send(new ListQueuesCommand({}))).QueueUrls).toHaveLength(1);
  });

  it('fences a presigned S3 GetObject: streamed through before the loss, refused after it', async () => {
    const endpoint = await fence.endpoint('verify: presigned download');
    const s3 = new S3Client({ region: 'us-east-1', endpoint, credentials, forcePathStyle: true, maxAttempts: 1 });
    await s3.send(new CreateBucketCommand({ Bucket: 'evidence' }));
    const body = Buffer.alloc(3 * 1024 * 1024, 'x');
    await s3.send(new PutObjectCommand({ Bucket: 'evidence', Key: 'big.bin', Body: body }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: 'evidence', Key: 'big.bin' }), { expiresIn: 600 });
    expect(url).toContain('X-Amz-Credential=');

    const before = await fetch(url);
    expect(before.status).toBe(200);
    expect(Buffer.from(await before.arrayBuffer()).equals(body)).toBe(true);

    const n = fence.refused.length;
    fence.fence('us-east-1');
    const after = await fetch(url);
    expect(after.status).toBe(503);
    expect(await after.text()).toContain('<Code>ServiceUnavailable</Code>');
    expect(fence.refused.slice(n)).toEqual([
      expect.objectContaining({
        reason: 'region-lost',
        region: 'us-east-1',
        service: 's3',
        action: 'GET /evidence/big.bin',
        caller: 'verify: presigned download',
      }),
    ]);
    fence.lift('us-east-1');
  });

  it("refuses a surviving region's cross-region copy presigned for the lost one; forwards it before the loss", async () => {
    const east = new RDSClient({ region: 'us-east-1', endpoint: fence.url, credentials, maxAttempts: 1 });
    const west = new RDSClient({
      region: 'us-west-2',
      endpoint: fence.url,
      credentials,
      maxAttempts: 1,
      customUserAgent: callerToken('copy'),
    });
    await east.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: 'db',
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'parity',
        MasterUserPassword: 'not-a-secret-1',
      }),
    );
    const snap = await east.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: 'db', DBSnapshotIdentifier: 'db-snap' }));
    const source = snap.DBSnapshot!.DBSnapshotArn!;
    const copied = await west.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: source, TargetDBSnapshotIdentifier: 'before' }));
    expect(copied.DBSnapshot?.DBSnapshotIdentifier).toBe('before');

    const n = fence.refused.length;
    fence.fence('us-east-1');
    await expect(
      west.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: source, TargetDBSnapshotIdentifier: 'after' })),
    ).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
    expect(fence.refused.slice(n)).toEqual([
      expect.objectContaining({
        reason: 'presigned-for-lost-region',
        region: 'us-east-1',
        service: 'rds',
        action: 'CopyDBSnapshot',
        caller: 'copy',
      }),
    ]);
    fence.lift('us-east-1');
  });

  it("refuses IAM's control plane with us-east-1 when asked to, though the emulator's client signs it for its own region", async () => {
    const global = await startFence({ upstream: moto.url, controlPlanes: AWS_GLOBAL_CONTROL_PLANES });
    try {
      const iam = (endpoint: string) =>
        new IAMClient({ region: 'us-west-2', endpoint, credentials, maxAttempts: 1, customUserAgent: callerToken('apply-dr') });
      global.fence('us-east-1');
      await expect(iam(global.url).send(new ListRolesCommand({}))).rejects.toMatchObject({ $metadata: { httpStatusCode: 503 } });
      expect(global.refused).toEqual([
        expect.objectContaining({
          reason: 'control-plane-lost',
          region: 'us-east-1',
          service: 'iam',
          action: 'ListRoles',
          caller: 'apply-dr',
        }),
      ]);
      // without the option the fence reads only the signature: us-west-2, let through
      fence.fence('us-east-1');
      expect((await iam(fence.url).send(new ListRolesCommand({}))).Roles).toBeDefined();
      fence.lift('us-east-1');
    } finally {
      await global.close();
    }
  });

  it('refuses and records an unsigned request, lost region or not', async () => {
    const n = fence.refused.length;
    const r = await fetch(`${fence.url}/?Action=ListQueues`);
    expect(r.status).toBe(503);
    expect(fence.refused.slice(n)).toEqual([expect.objectContaining({ reason: 'unsigned', action: 'ListQueues', caller: 'unnamed' })]);
    expect(fence.refused.at(-1)?.region).toBeUndefined();
  });

  it('resets the connection when asked to: the SDK sees ECONNRESET', async () => {
    const resetting = await startFence({ upstream: moto.url, refusal: 'reset' });
    try {
      resetting.fence('us-east-1');
      const err = await sqs('us-east-1', resetting.url, 'reset')
        .send(new ListQueuesCommand({}))
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'ECONNRESET' });
      expect(resetting.refused).toEqual([expect.objectContaining({ region: 'us-east-1', action: 'ListQueues', caller: 'reset' })]);
    } finally {
      await resetting.close();
    }
  });

  /** A Terraform root with a log group in each region, its provider pointed at the fence as the drill's override does. */
  const logGroups = (west = 'west'): TerraformJson => ({
    terraform: { required_providers: { aws: { source: 'hashicorp/aws', version: '5.100.0' } } },
    provider: { aws: [{ region: 'us-east-1' }, { alias: 'west', region: 'us-west-2' }] },
    resource: {
      aws_cloudwatch_log_group: {
        east: { name: 'orders-east', retention_in_days: 7 },
        west: { provider: 'aws.west', name: 'orders-west', retention_in_days: 7, tags: { note: west } },
      },
    },
  });
  const writeRoot = (dir: string, json: TerraformJson, maxRetries: number) => {
    const override = overrideFor(json, { endpoint: fence.url, statePath: 'terraform.tfstate' }) as { provider: { aws: object[] } };
    override.provider.aws = override.provider.aws.map((p) => ({ ...p, max_retries: maxRetries }));
    writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(json, null, 2));
    writeFileSync(join(dir, 'drill_override.tf.json'), JSON.stringify(override, null, 2));
  };
  const tf = (dir: string, caller: string, args: string[], signal?: AbortSignal) =>
    runProcess('terraform', [...args, '-no-color', '-input=false'], {
      cwd: dir,
      env: terraformEnv({ TF_APPEND_USER_AGENT: callerToken(caller) }),
      group: true,
      signal,
      graceMs: 2000,
    });

  it('fences real Terraform: a plan reading the lost region fails naming it, the other region still applies', {
    timeout: 900_000,
  }, async () => {
    const dir = join(work, 'tf');
    mkdirSync(dir, { recursive: true });
    // one attempt per request here: the next test keeps the drill's own 10
    writeRoot(dir, logGroups(), 1);
    expect((await tf(dir, 'init', ['init', `-plugin-dir=${PLUGIN_DIR}`])).code).toBe(0);
    const applied = await tf(dir, 'apply-primary: terraform apply', ['apply', '-auto-approve']);
    expect(applied.stdout, applied.stderr).toContain('Apply complete! Resources: 2 added');

    const n = fence.refused.length;
    fence.fence('us-east-1');
    const plan = await tf(dir, 'verify: terraform plan', ['plan']);
    expect(plan.code).not.toBe(0);
    expect(plan.stderr).toMatch(/DescribeLogGroups, exceeded maximum number of attempts.*StatusCode: 503.*us-east-1 is unavailable/);
    expect(plan.stderr).toContain('with aws_cloudwatch_log_group.east');
    // a change in the surviving region applies: its refresh never touches the lost one
    writeRoot(dir, logGroups('after the loss'), 1);
    const west = await tf(dir, 'apply-dr: terraform apply', ['apply', '-auto-approve', '-target=aws_cloudwatch_log_group.west']);
    expect(west.code, west.stderr).toBe(0);
    expect(west.stdout).toContain('0 added, 1 changed, 0 destroyed');
    const lost = fence.refused.slice(n);
    expect(lost.length).toBeGreaterThan(0);
    expect(new Set(lost.map((r) => `${r.reason} ${r.region} ${r.service} ${r.caller}`))).toEqual(
      new Set(['region-lost us-east-1 logs verify: terraform plan']),
    );
    expect(lost.map((r) => r.action)).toContain('DescribeLogGroups');
    fence.lift('us-east-1');
  });

  it("stops a retrying Terraform at its first refusal (onRefused), naming the caller, instead of waiting out the provider's retries", {
    timeout: 900_000,
  }, async () => {
    const dir = join(work, 'tf');
    // the drill's own override (max_retries 10): the provider alone would retry for minutes
    writeRoot(dir, logGroups('after the loss'), 10);
    fence.fence('us-east-1');
    const stop = new AbortController();
    let first: string | undefined;
    const off = fence.onRefused((r) => {
      first ??= `${r.caller} called ${r.service} ${r.action} in ${r.region}`;
      stop.abort();
    });
    const plan = await tf(dir, 'promote: terraform plan', ['plan'], stop.signal);
    off();
    expect(plan.aborted).toBe(true);
    expect(first).toBe('promote: terraform plan called logs DescribeLogGroups in us-east-1');
    fence.lift('us-east-1');
  });
});
