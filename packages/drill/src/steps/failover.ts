/**
 * The steps of a drill, one function each, in the order `runDrill` calls them. Each runs inside
 * `run.step(id, …)`, which times it, shows it and records it in the report.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DrPair } from '@parity/checks';
import { allAliases, arnRegion, clients, copySnapshot, createSnapshot, sendMarkerMessage, waitSnapshot } from '@parity/dr';
import { rpo as measureRpo, rto as measureRto } from '../report/metrics.js';
import { answers, MOTO_VERSION, motoVersion, startMoto } from '../target/moto.js';
import { EmulatorDied, type DrillRun, type StepHandle } from '../context.js';
import { stateResources, terraformVersion, type StateResource, type PendingChange } from '../target/terraform.js';
import { verifyDr } from './verification.js';
import type { DrillReport } from '@parity/model';
import { failoverChange, failoverComment, failoverSection, nextStep, type FailoverStep } from '@parity/dr';
import { findRecoveryPoint } from '@parity/dr';
import { blockingFindings, snapshotId } from '@parity/dr';
import { describePoint, type RecoveryPoint } from '@parity/dr';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';

/** 0. The target: start moto, reach the given endpoint, or (real AWS) nothing. */
export async function reachTarget(run: DrillRun): Promise<void> {
  const kind = run.opts.target.kind;
  if (kind === 'emulator') await run.step('emulator', (s) => startEmulator(run, s));
  else if (kind === 'endpoint') {
    await run.step('emulator', async (s) => {
      if (!(await answers(run.endpoint!, 5000))) {
        throw new Error(
          `nothing answers at ${run.endpoint}: start one (moto_server -H 127.0.0.1 -p <port>, with MOTO_IAM_LOAD_MANAGED_POLICIES=true), or leave out --endpoint to let the drill start its own`,
        );
      }
      s.note(`${run.endpoint} answers`);
    });
  } else {
    const r = run.rec('emulator');
    r.detail = 'real AWS: no emulator';
    run.progress.skip(r.title, 'real AWS', 1);
  }
  run.report.tools.terraform = (await terraformVersion(run.deps.terraformEnv())) ?? 'unknown';
}

async function startEmulator(run: DrillRun, s: StepHandle): Promise<void> {
  const m = await startMoto({ log: join(run.work, 'moto.log'), children: run.children, signal: s.signal });
  run.moto = m;
  run.endpoint = m.url;
  void m.exited.then((x) => {
    if (!m.stopping)
      run.ctl.abort(
        new EmulatorDied(
          `the emulator (moto_server, pid ${m.pid}) exited unexpectedly (${x.signal ?? `code ${x.code}`}); see ${run.rel(m.log)}`,
        ),
      );
  });
  const v = await motoVersion();
  run.report.tools.moto = v ?? 'unknown';
  run.report.target = {
    kind: 'emulator',
    endpoint: m.url,
    description: `moto ${v ?? ''} started by the drill at ${m.url} (pid ${m.pid}), stopped afterwards`.replace('  ', ' '),
  };
  s.note(`moto ${v ?? '(version unknown)'} at ${m.url}, pid ${m.pid}`);
  if (v && v !== MOTO_VERSION)
    run.progress.info(`note: moto ${v}; the table of unsupported resources was established with moto ${MOTO_VERSION}`);
}

/** The DR pair of the check report. */
export function pairOf(run: DrillRun): DrPair | undefined {
  return run.check?.dr.find((p) => p.primary === run.primary.name && p.dr?.name === run.dr.name);
}

/** 1. `pnpm check` of the pair: no error about either environment. */
export async function checkPair(run: DrillRun): Promise<void> {
  const { primary, dr } = run;
  await run.step('check', async (s) => {
    run.check = await run.deps.runCheck([primary.name, dr.name], run.root);
    const blocking = blockingFindings(run.check, [primary.name, dr.name]);
    if (blocking.length) {
      const list = blocking
        .map((f) => `[${f.check}${f.env ? ` ${f.env}` : ''}] ${f.file}${f.path ? ` ${f.path}` : ''}: ${f.message}`)
        .join('; ');
      throw new Error(`pnpm check ${primary.name} ${dr.name} reports ${blocking.length} error(s); a drill needs a clean pair: ${list}`);
    }
    const pair = pairOf(run);
    s.note(
      `no errors; estimated RPO ${pair?.rpo?.minutes ?? '?'} min, RTO ${pair?.rto?.minutes ?? '?'} min (targets ${dr.dr.rpoMinutes} / ${dr.dr.rtoMinutes} min)`,
    );
  });
}

/** 2. The primary, applied from the project's own synth output. */
export async function applyPrimary(run: DrillRun): Promise<void> {
  const { primary } = run;
  run.primaryPrep = await run.step('apply-primary', async (s) => {
    s.update('synth');
    const out = await run.deps.synth([primary.name], run.root);
    const file = out.find((o) => o.env === primary.name)?.file;
    if (!file || !existsSync(file)) throw new Error(`synth produced no stack file for ${primary.name}`);
    const json = JSON.parse(readFileSync(file, 'utf8')) as TerraformJson;
    // loaded now, so that the recovery clock measures recovery, not module loading
    await import('@parity/synth');
    const providers = json.terraform?.required_providers as Record<string, { version?: string }> | undefined;
    run.report.tools['hashicorp/aws'] = String(providers?.aws?.version ?? 'unknown');
    const p = run.prepare(primary, json);
    await run.applyEnv(primary, p, s);
    return p;
  });
}

/** The KMS key in the DR region that backup copies use, from the primary's state: the DR copy vault's key. */
export function copyKeyFromState(resources: readonly StateResource[], drRegion: string): { arn: string; address: string } | undefined {
  const vault = resources.find(
    (r) =>
      r.type === 'aws_backup_vault' &&
      arnRegion(r.values.arn as string | undefined) === drRegion &&
      typeof r.values.kms_key_arn === 'string',
  );
  if (vault) return { arn: vault.values.kms_key_arn as string, address: vault.address };
  const key = resources.find((r) => r.type === 'aws_kms_key' && arnRegion(r.values.arn as string | undefined) === drRegion);
  return key ? { arn: key.values.arn as string, address: key.address } : undefined;
}

/** 3. The marker: a snapshot of the primary's database with a known time and tag, and a queue message. */
export async function writeMarker(run: DrillRun): Promise<void> {
  const { primary, dr } = run;
  const primaryState = stateResources(run.primaryPrep!.dir);
  run.copyKey = copyKeyFromState(primaryState, dr.region);
  await run.step('marker', async (s) => {
    const c = clients(primary.region, run.endpoint);
    run.primaryClients = c;
    const db = primaryState.find(
      (r) => r.type === 'aws_db_instance' && arnRegion(r.values.arn as string) === primary.region && !r.values.replicate_source_db,
    );
    const instanceId = db?.values.identifier as string | undefined;
    if (!instanceId) throw new Error(`${primary.name}'s state holds no database instance in ${primary.region}`);
    run.markerId = `drill-${run.stamp}`.toLowerCase();
    const id = snapshotId('parity', run.stamp, 'marker');
    s.update(`CreateDBSnapshot ${id}`);
    await createSnapshot(c.rds, instanceId, id, { 'parity:drill-marker': run.markerId, 'parity:drill': dr.name }, s.signal);
    const marker = await waitSnapshot(c.rds, id, { signal: s.signal, onStatus: (st) => s.update(`snapshot ${id}: ${st}`) });
    run.marker = marker;
    const created = marker.OriginalSnapshotCreateTime ?? marker.SnapshotCreateTime;
    run.report.marker = {
      id: run.markerId,
      snapshotId: id,
      snapshotArn: marker.DBSnapshotArn ?? '',
      snapshotCreatedAt: created ? new Date(created).toISOString() : '',
      note: run.emulated
        ? 'moto has no PostgreSQL engine, so no row can be written: the marker is the snapshot itself (its identity, tag and creation time), taken through the RDS API as a backup job would.'
        : 'the marker is the snapshot (its identity, tag and creation time); write a row first to also prove the data (the drill does not connect to the database).',
    };
    const queue = placedResources(run.primaryPrep!.json, 'aws_sqs_queue').find(
      (q) => typeof q.body.redrive_policy === 'string' && literal(q.body.name),
    );
    if (queue) {
      const name = literal(queue.body.name)!;
      const msgId = await sendMarkerMessage(c.sqs, name, JSON.stringify({ parityDrill: run.markerId }), s.signal);
      run.markerQueueAddress = queue.address;
      run.report.marker.queueMessage = `message ${msgId} sent to ${name} in ${primary.region}; queues are not replicated, so ${dr.name} must start with it absent`;
    }
    s.note(`snapshot ${id} of ${instanceId} at ${run.report.marker.snapshotCreatedAt}`);
  });
}

/** 4. The loss: the recovery clock starts, and no call goes to the primary region any more (but the copy). */
export async function declareLoss(run: DrillRun): Promise<void> {
  await run.step('loss', async (s) => {
    run.lossAt = run.now();
    run.report.lossAt = run.lossAt.toISOString();
    run.primaryClients?.destroy();
    run.primaryClients = undefined;
    s.note(`${run.primary.region} lost at ${run.report.lossAt}; recovery clock started`);
  });
}

/** The alias (in the DR region) of the key a resource's attribute references, from the Terraform JSON. */
function aliasOfKey(json: TerraformJson, keyArnRef: unknown): string | undefined {
  const keyAddress = typeof keyArnRef === 'string' ? /(aws_kms_key\.[A-Za-z0-9_-]+)\./.exec(keyArnRef)?.[1] : undefined;
  if (!keyAddress) return undefined;
  const alias = placedResources(json, 'aws_kms_alias').find(
    (a) => typeof a.body.target_key_id === 'string' && a.body.target_key_id.includes(`${keyAddress}.`),
  );
  return literal(alias?.body.name);
}

/** 5. The latest protected data into the DR region, re-encrypted with the DR copy vault's key. */
export async function copyLatest(run: DrillRun): Promise<void> {
  const { primary, dr } = run;
  await run.step('copy', async (s) => {
    const copyKey = run.copyKey;
    if (!copyKey) {
      throw new Error(
        `${primary.name}'s state holds no KMS key in ${dr.region} (the backup bundle creates a copy vault with its own key in each DR region); is ${dr.name} among its DR targets?`,
      );
    }
    const c = clients(dr.region, run.endpoint);
    run.drClients = c;
    const copyId = snapshotId('parity', run.stamp, dr.region);
    s.update(`CopyDBSnapshot → ${copyId}`);
    await copySnapshot(c.rds, run.marker!.DBSnapshotArn!, copyId, copyKey.arn, s.signal);
    const copy = await waitSnapshot(c.rds, copyId, { signal: s.signal, onStatus: (st) => s.update(`copy ${copyId}: ${st}`) });
    run.copy = copy;
    // the runbook's way to the key once the primary's state (kept in the lost region) is gone: its alias in the DR region
    const json = run.primaryPrep!.json;
    const vault = placedResources(json, 'aws_backup_vault').find((v) => v.region === dr.region);
    const alias = aliasOfKey(json, vault?.body.kms_key_arn);
    let keySource = `the key of ${copyKey.address} in ${primary.name}'s Terraform state, read before the loss`;
    if (alias) {
      const a = (await allAliases(c.kms, s.signal)).find((x) => x.AliasName === alias);
      const same = a?.TargetKeyId && copyKey.arn.endsWith(`/${a.TargetKeyId}`);
      keySource += same
        ? `; ${alias} in ${dr.region} names the same key, which is how a runbook finds it when ${primary.region} (and the state in it) is gone`
        : `; WARNING: ${alias} in ${dr.region} ${a ? `names another key (${a.TargetKeyId})` : 'does not exist'}`;
    }
    run.report.recovery = { copySnapshotArn: copy.DBSnapshotArn, copyKmsKeyArn: copy.KmsKeyId, keySource };
    s.note(`${copyId}, encrypted with ${copyKey.arn}`);
  });
}

/** The DR environment's Terraform as it stands (peacetime), synthesized in memory. */
async function synthDr(run: DrillRun): Promise<TerraformJson> {
  const { synthToJson } = await import('@parity/synth');
  return (await synthToJson(run.root, run.dr)) as TerraformJson;
}

/** Peacetime for a replica strategy: the DR environment applied with its read replica and its standby compute. */
export async function applyStandby(run: DrillRun): Promise<void> {
  run.drPrep = await run.step('apply-standby', async (s) => {
    s.update('synth');
    const p = run.prepare(run.dr, await synthDr(run));
    await run.applyEnv(run.dr, p, s);
    const replica = stateResources(p.dir).find((r) => r.type === 'aws_db_instance' && r.values.replicate_source_db);
    if (!replica)
      throw new Error(
        `${run.dr.name}'s state holds no read replica after the apply (is its policy's strategy ${run.strategy} in its Terraform?)`,
      );
    run.report.recovery = { replicaArn: replica.values.arn as string };
    if (run.emulated) {
      // what the emulator leaves pending with no change at all (attributes it does not keep): the baseline of the failover's plan
      s.update('terraform plan: what the emulator leaves pending');
      run.pendingBeforeFailover = await run.terraform.pendingChanges(p.dir, run.tfCtx(s.signal), run.dr.name);
    }
    return p;
  });
}

/** What the failover leaves pending that was not already pending before it (on the emulator: beyond moto's own residue). */
export function leftPending(pending: readonly PendingChange[], baseline: readonly PendingChange[], emulated: boolean): PendingChange[] {
  if (!emulated) return [...pending];
  const before = new Map(baseline.map((b) => [b.address, b]));
  // moto keeps ReadReplicaSourceDBInstanceIdentifier after the promotion: the database's replicate_source_db never clears there
  const allowed = (p: PendingChange) => [
    ...(before.get(p.address)?.attributes ?? []),
    ...(p.address.startsWith('aws_db_instance.') ? ['replicate_source_db'] : []),
  ];
  const sameAction = (p: PendingChange) => before.get(p.address)?.action === p.action || p.address.startsWith('aws_db_instance.');
  return pending.filter((p) => !(sameAction(p) && p.attributes.every((a) => allowed(p).includes(a))));
}

/**
 * Node groups whose size the change alters. On moto they are replaced instead of updated in place:
 * its EKS has UpdateNodegroupConfig but no DescribeUpdate, which the provider's waiter polls.
 */
export function resizedNodeGroups(before: TerraformJson, after: TerraformJson): string[] {
  const size = (j: TerraformJson) =>
    new Map(placedResources(j, 'aws_eks_node_group').map((g) => [g.address, JSON.stringify(g.body.scaling_config)]));
  const was = size(before);
  return [...size(after)].filter(([a, s]) => was.has(a) && was.get(a) !== s).map(([a]) => a);
}

/** Backup plans whose rules change between two documents (a failback's reverse copy action): moto 5.2.1 has no UpdateBackupPlan. */
export function changedBackupPlans(before: TerraformJson, after: TerraformJson): string[] {
  const rules = (j: TerraformJson) => new Map(placedResources(j, 'aws_backup_plan').map((p) => [p.address, JSON.stringify(p.body.rule)]));
  const was = rules(before);
  return [...rules(after)].filter(([a, r]) => was.has(a) && was.get(a) !== r).map(([a]) => a);
}

/**
 * One step of the failover, exactly as `pnpm failover` makes it: the recovery point found in
 * the DR region, the `failover:` section and its comment in the manifest text (kept in memory:
 * a drill never writes the manifest), synthesized and applied in the DR environment's work folder.
 */
async function failoverStep(run: DrillRun, s: StepHandle, expected: FailoverStep): Promise<RecoveryPoint> {
  const pair = run.failedOver?.pair ?? { ws: run.ws, dr: run.dr, primary: run.primary };
  const step = nextStep(pair);
  if (step !== expected) throw new Error(`the failover's next step is ${step}, not ${expected}`);
  s.update('finding the recovery point in the DR region');
  const point = await findRecoveryPoint(pair, run.drClients!, run.primaryPrep!.json, run.drPrep?.json ?? (await synthDr(run)), run.now());
  const at = run.now();
  const section = failoverSection(pair, step, point, at, `drill ${run.stamp}: ${run.primary.region} declared lost`);
  s.update(`synth with failover.step ${step}`);
  const change = await failoverChange(pair, section, failoverComment(pair, section, point, at, 'pnpm drill'), run.failedOver?.text);
  run.failedOver = { pair: change.pair, text: change.after };
  run.report.failover = [
    ...(run.report.failover ?? []),
    { step, from: section.from, ...(section.snapshot ? { snapshot: section.snapshot } : {}) },
  ];
  const previous = run.drPrep?.json;
  run.drPrep = run.prepare(run.dr, change.json as TerraformJson);
  const resized = run.emulated && previous ? resizedNodeGroups(previous, run.drPrep.json) : [];
  if (resized.length) run.emulatorQuirks.push(`node groups resized by replacement (moto has no DescribeUpdate): ${resized.join(', ')}`);
  await run.applyEnv(run.dr, run.drPrep, s, resized);
  return point;
}

/** 6. Backup & restore: the failover restores the DR environment from the newest copy in its region (the drill's). */
export async function applyDr(run: DrillRun): Promise<void> {
  await run.step('apply-dr', async (s) => {
    const point = await failoverStep(run, s, 'restore');
    const copyId = run.copy!.DBSnapshotIdentifier!;
    if (point.kind !== 'snapshot' || point.restoreFrom !== copyId)
      throw new Error(
        `the failover found ${point.kind === 'snapshot' ? point.restoreFrom : 'a replica'} as the newest recovery point, not the drill's copy ${copyId}`,
      );
    if (!placedResources(run.drPrep!.json, 'aws_db_instance').some((d) => d.body.snapshot_identifier === copyId))
      throw new Error(`the synthesized ${run.dr.name} does not restore its database from ${copyId}`);
    const db = stateResources(run.drPrep!.dir).find((r) => r.type === 'aws_db_instance');
    run.report.recovery = { ...run.report.recovery, restoredInstanceArn: db?.values.arn as string | undefined };
  });
}

/** 6. A replica: promote it and scale up (failover.step promote), the first of two applies. */
export async function promote(run: DrillRun): Promise<void> {
  await run.step('promote', async (s) => {
    run.drClients ??= clients(run.dr.region, run.endpoint);
    const point = await failoverStep(run, s, 'promote');
    run.report.recovery = { ...run.report.recovery, replicaAtLoss: describePoint(point, run.lossAt!, run.dr.dr.rpoMinutes) };
    if (point.kind === 'replica') run.replicaLagAtLoss = point.lagSeconds;
    const stillReplica = stateResources(run.drPrep!.dir).some((r) => r.type === 'aws_db_instance' && r.values.replicate_source_db);
    // moto keeps ReadReplicaSourceDBInstanceIdentifier after PromoteReadReplica: the refreshed state still names the source
    s.note(
      `${describePoint(point, run.lossAt!, run.dr.dr.rpoMinutes)}; promoted${stillReplica ? ' (the state read back still names the source: the emulator keeps it)' : ''}`,
    );
  });
}

/** 7. A replica: the promoted database made a full primary (failover.step complete), in place; then what Terraform still plans. */
export async function complete(run: DrillRun): Promise<void> {
  await run.step('complete', async (s) => {
    const before = stateResources(run.drPrep!.dir).find((r) => r.type === 'aws_db_instance')?.values.arn;
    await failoverStep(run, s, 'complete');
    const after = stateResources(run.drPrep!.dir).find((r) => r.type === 'aws_db_instance')?.values.arn;
    if (before !== after)
      throw new Error(`completing the failover replaced the database (${String(before)} → ${String(after)}): it must be modified in place`);
    s.update('terraform plan: what is still pending');
    const pending = await run.terraform.pendingChanges(run.drPrep!.dir, run.tfCtx(s.signal), run.dr.name);
    run.pendingAfterFailover = pending;
    const unexpected = leftPending(pending, run.pendingBeforeFailover ?? [], run.emulated);
    if (unexpected.length)
      throw new Error(
        `after the failover Terraform still plans: ${unexpected.map((p) => `${p.address} ${p.action} (${p.attributes.join(', ')})`).join('; ')}`,
      );
    s.note(
      `${String(after)} promoted and completed in place; ${pending.length ? `pending only what the emulator leaves: ${pending.map((p) => p.address).join(', ')}` : 'nothing pending'}`,
    );
  });
}

/** 7. What the DR region holds, checked through the AWS API against the applied Terraform. */
export async function verifyRecovery(run: DrillRun): Promise<void> {
  await run.step('verify', async (s) => {
    const input = {
      json: run.drPrep!.json,
      region: run.dr.region,
      clients: run.drClients!,
      copy: run.copy,
      sourceStaysAfterPromotion: run.emulated,
      markerId: run.markerId,
      markerQueueAddress: run.markerQueueAddress,
      signal: s.signal,
    };
    const checks = await verifyDr(input);
    run.report.verification.push(...checks);
    const failed = checks.filter((c) => !c.ok);
    if (failed.length)
      throw new Error(`${failed.length} of ${checks.length} checks failed: ${failed.map((f) => `${f.what}: ${f.detail}`).join('; ')}`);
    run.verifiedAt = run.now();
    run.report.verifiedAt = run.verifiedAt.toISOString();
    s.note(`${checks.length} checks passed`);
  });
}

/** RPO of the drill: a restore's data age at the loss; a replica's lag at the loss, when the target reports one. */
function measureDataLoss(run: DrillRun): DrillReport['rpo'] {
  const pair = pairOf(run);
  const bound = pair?.rpo
    ? `${pair.rpo.minutes} min (${pair.rpo.drivers.map((d) => `${d.bundle}: ${d.mechanism}`).join('; ')})`
    : 'see pnpm check';
  const worst = pair?.rpo ? { worstCaseMinutes: pair.rpo.minutes } : {};
  const target = run.dr.dr.rpoMinutes;
  if (run.copy) {
    const dataAt = new Date(
      run.copy.OriginalSnapshotCreateTime ?? run.marker!.OriginalSnapshotCreateTime ?? run.marker!.SnapshotCreateTime!,
    );
    const m = measureRpo(dataAt, run.lossAt!, target);
    return {
      ...m,
      ...worst,
      note: `RPO of this drill: the restored snapshot was taken ${m.measuredSeconds} s before the loss. The worst case is bounded by the protection schedule: ${bound}.`,
    };
  }
  const lag = run.replicaLagAtLoss;
  if (lag === undefined) return undefined;
  const m = measureRpo(new Date(run.lossAt!.getTime() - Number(lag) * 1000), run.lossAt!, target);
  return {
    ...m,
    ...worst,
    note: `RPO of this drill: the replica's lag at the loss (CloudWatch ReplicaLag). The worst case is bounded by ${bound}.`,
  };
}

/** 8-9. The clock stops; RTO and RPO against the pair's targets. */
export async function measure(run: DrillRun): Promise<void> {
  const { primary, dr, report } = run;
  await run.step('measure', async (s) => {
    const pair = pairOf(run);
    const rtoM = measureRto(run.lossAt!, run.verifiedAt!, dr.dr.rtoMinutes);
    const storage = primary.bundles.find((b) => b.name === 'database')?.params.storageGb ?? '?';
    const cutOver = 'Cut-over (DNS, smoke tests) is not part of the drill.';
    const real = run.copy ? `a real restore of ${storage} GiB takes far longer` : 'a real promotion and scale-up take minutes';
    report.rto = {
      ...rtoM,
      note: run.emulated
        ? `RTO measured on an emulator: it is the time of the drill's own steps and the provider's waiters, not of AWS (${real}; pnpm check estimates ${pair?.rto?.minutes ?? '?'} min). ${cutOver}`
        : cutOver,
    };
    report.rpo = measureDataLoss(run);
    const rpoM = report.rpo;
    const rpoText = rpoM
      ? `RPO ${rpoM.measuredMinutes} min (target ${rpoM.targetMinutes})`
      : 'RPO not measurable here (no replica lag reported)';
    s.note(`RTO ${rtoM.measuredMinutes} min (target ${rtoM.targetMinutes}), ${rpoText}`);
    const breached = [
      !rtoM.met && `RTO ${rtoM.measuredMinutes} min breaches the ${rtoM.targetMinutes} min target`,
      rpoM && !rpoM.met && `RPO ${rpoM.measuredMinutes} min breaches the ${rpoM.targetMinutes} min target`,
    ].filter(Boolean);
    if (breached.length) throw new Error(breached.join('; '));
  });
}
