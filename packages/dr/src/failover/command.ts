/**
 * `pnpm failover <dr-env>`: the real thing, against the team's account (`--aws`) or an emulator
 * (`--endpoint`). The same steps as a drill, without the marker, the clock and the report:
 *
 *  1. check the pair; refuse with the reasons if the DR side cannot take over;
 *  2. find what to recover from, in the DR region only, and its age against the RPO;
 *  3. the failover as a manifest change (the `failover:` section and its history comment),
 *     synthesized, with the Terraform difference by address;
 *  4. the procedure: Terraform's part and what Terraform does not do, with exact commands;
 *  5. confirm, then write the manifest (atomically); `--dry-run` writes nothing.
 */
import { join } from 'node:path';
import type { CheckReport } from '@parity/checks';
import { clients, type Clients } from '../cloud/aws.js';
import { pairNotReady, recoveryPointMissing, refuseOne } from '@parity/model';
import { failoverChange, failoverComment, failoverSection, nextStep, type FailoverChange, type FailoverStep } from './section.js';
import { blockingFindings, resolvePair, strategyOf, type Pair } from '../pair.js';
import { procedure, type ProcedureStep } from './procedure.js';
import { describePoint, newestSnapshot, replicaOf, type RecoveryPoint } from './recovery-point.js';
import { writeFileAtomic } from '@parity/io';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';

export type FailoverTarget = { kind: 'endpoint'; url: string } | { kind: 'aws' };

export interface FailoverOptions {
  readonly root: string;
  readonly drEnv: string;
  readonly target: FailoverTarget;
  /** Why: recorded in the manifest's history comment. */
  readonly reason?: string;
  /** Who declared the disaster. */
  readonly declaredBy?: string;
  readonly dryRun?: boolean;
  readonly now?: () => Date;
}

export interface FailoverDeps {
  runCheck(names: readonly string[], root: string): Promise<CheckReport>;
  /** Asked once the plan is known, before anything is written; false stops there. */
  confirm(plan: FailoverPlan): Promise<boolean>;
}

export interface FailoverPlan {
  readonly pair: Pair;
  readonly step: FailoverStep;
  readonly point: RecoveryPoint;
  /** The recovery point for people: what, how old, against the RPO. */
  readonly pointText: string;
  readonly change: FailoverChange;
  readonly procedure: readonly ProcedureStep[];
}

export interface FailoverResult extends FailoverPlan {
  readonly written: boolean;
  /** Why nothing was written, when it was not. */
  readonly notWritten?: 'dry-run' | 'declined';
}

async function synth(root: string, env: Pair['primary']): Promise<TerraformJson> {
  const { synthToJson } = await import('@parity/synth');
  return (await synthToJson(root, env)) as TerraformJson;
}

/** 1. `pnpm check` of the pair: refused, with every reason, if it reports an error. */
export async function checkForFailover(pair: Pair, runCheck: FailoverDeps['runCheck'], step: FailoverStep): Promise<CheckReport> {
  const names = [pair.primary.name, pair.dr.name];
  const report = await runCheck(names, pair.ws.root);
  // between promote and complete the dr database is promoted but not yet a full primary (no backups yet, by design:
  // terraform-provider-aws#4419): the guardrails on it are what step complete makes true, so they do not block it
  const midway = (f: CheckReport['findings'][number]) => step === 'complete' && f.check === 'policy' && f.env === pair.dr.name;
  const blocking = blockingFindings(report, names).filter((f) => !midway(f));
  if (blocking.length)
    refuseOne(
      pairNotReady(
        pair.dr.name,
        blocking.map((f) => `[${f.check}${f.env ? ` ${f.env}` : ''}] ${f.file}${f.path ? ` ${f.path}` : ''}: ${f.message}`),
      ),
    );
  return report;
}

/** 2. What to recover from, in the DR region only: the newest snapshot (backup & restore), or the replica. */
export async function findRecoveryPoint(
  pair: Pair,
  c: Clients,
  primaryJson: TerraformJson,
  drJson: TerraformJson,
  now: Date,
): Promise<RecoveryPoint> {
  const { primary, dr } = pair;
  const dbOf = (j: TerraformJson, region: string) =>
    literal(placedResources(j, 'aws_db_instance').find((d) => d.region === undefined || d.region === region)?.body.identifier);
  if (strategyOf(dr) === 'backup-restore') {
    const source = dbOf(primaryJson, primary.region);
    if (!source) refuseOne(recoveryPointMissing(dr.name, dr.region, `a database in ${primary.name}'s Terraform (it has none)`));
    const vault = literal(placedResources(primaryJson, 'aws_backup_vault').find((v) => v.region === dr.region)?.body.name);
    const p = await newestSnapshot({ rds: c.rds, backup: c.backup, sourceDbIdentifier: source, vault });
    if (!p)
      refuseOne(
        recoveryPointMissing(dr.name, dr.region, `a snapshot of ${source}${vault ? ` (copies, or recovery points in ${vault})` : ''}`),
      );
    return p;
  }
  const replica = dbOf(drJson, dr.region);
  const p = replica ? await replicaOf(c.rds, c.cloudwatch, replica, now) : undefined;
  if (!p)
    refuseOne(recoveryPointMissing(dr.name, dr.region, `the read replica ${replica ?? `of ${primary.name}`} (is ${dr.name} applied?)`));
  return p;
}

/** Steps 1-4: everything up to the write. */
export async function planFailover(opts: FailoverOptions, deps: Pick<FailoverDeps, 'runCheck'>): Promise<FailoverPlan> {
  const now = (opts.now ?? (() => new Date()))();
  const pair = await resolvePair(opts.root, opts.drEnv, 'failover');
  const step = nextStep(pair);
  await checkForFailover(pair, deps.runCheck, step);
  const [primaryJson, drJson] = [await synth(opts.root, pair.primary), await synth(opts.root, pair.dr)];
  const c = clients(pair.dr.region, opts.target.kind === 'endpoint' ? opts.target.url : undefined);
  let point: RecoveryPoint;
  try {
    point = await findRecoveryPoint(pair, c, primaryJson, drJson, now);
  } finally {
    c.destroy();
  }
  const section = failoverSection(pair, step, point, now, opts.reason ?? `${pair.primary.region} declared lost`);
  const comment = failoverComment(pair, section, point, now, opts.declaredBy ?? 'the operator running pnpm failover');
  const change = await failoverChange(pair, section, comment);
  return {
    pair,
    step,
    point,
    pointText: describePoint(point, now, pair.dr.dr.rpoMinutes),
    change,
    procedure: procedure(pair, step, primaryJson, change.json as TerraformJson),
  };
}

/** `pnpm failover`: plan, confirm, write the manifest change. */
export async function runFailover(opts: FailoverOptions, deps: FailoverDeps): Promise<FailoverResult> {
  const plan = await planFailover(opts, deps);
  if (opts.dryRun) return { ...plan, written: false, notWritten: 'dry-run' };
  if (!(await deps.confirm(plan))) return { ...plan, written: false, notWritten: 'declined' };
  writeFileAtomic(join(opts.root, plan.change.file), plan.change.after);
  return { ...plan, written: true };
}
