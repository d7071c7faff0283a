/**
 * How a strategy is practised. The practice harness (`@parity/drill`) implements the drill's
 * steps; a strategy composes them into its failover and its failback, names the steps the report
 * lists and their titles, and says what the emulator cannot show of it. Each step takes the values
 * the steps before it returned, so calling one before its inputs exist does not compile.
 */
import type { FailbackRecord, NotExercised, StepId } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import type { Pair } from '../pair.js';

/**
 * The values the drill's steps hand each other. The harness says what each holds; a strategy only
 * passes them from one step to the next. Each carries its name (`value`), so that one cannot
 * stand in for another.
 */
export interface DrillValues {
  /** The pair checked and the primary applied from the project's own synth output. */
  readonly primary: { readonly value: 'primary' };
  /** The dr environment applied as in peacetime: its read replica, compute at standby size. */
  readonly standby: { readonly value: 'standby' };
  /** A marker written into the primary's data (a snapshot with a known time and tag, a queue message). */
  readonly marker: { readonly value: 'marker' };
  /** Messages produced through the archived queues' topics, the consumers' checkpoint published after some. */
  readonly produced: { readonly value: 'produced' };
  /** The primary region declared lost: the recovery clock runs. */
  readonly loss: { readonly value: 'loss' };
  /** The newest protected data copied into the DR region. */
  readonly copy: { readonly value: 'copy' };
  /** The replica promoted, compute scaled up (the failover's first apply). */
  readonly promoted: { readonly value: 'promoted' };
  /** The dr environment running as a full primary. */
  readonly recovered: { readonly value: 'recovered' };
  /** The same, verified through the API and measured (what a failback starts from). */
  readonly verified: { readonly value: 'verified' };
  /** The primary region protecting the dr environment again (failback step reprotect). */
  readonly reprotected: { readonly value: 'reprotected' };
  /** The data back in the primary region at a fenced moment. */
  readonly switchedOver: { readonly value: 'switched-over' };
  /** The primary's database a full primary again, the dr environment not yet a replica. */
  readonly completed: { readonly value: 'completed' };
  /** Both environments in their original roles, both manifests as before the failover. */
  readonly rolesRestored: { readonly value: 'roles-restored' };
}

/** The drill's failover steps a strategy composes. */
export interface FailoverDrillSteps<V extends DrillValues> {
  /** `apply-standby`: the dr environment applied as in peacetime. */
  applyStandby(primary: V['primary']): Promise<V['standby']>;
  /** `marker`: a snapshot of the primary's database with a known time and tag, and a queue message. */
  writeMarker(primary: V['primary']): Promise<V['marker']>;
  /** `produce`: messages through each archived queue's topic as producers send them, the consumers' checkpoint after some. */
  produceMessages(primary: V['primary']): Promise<V['produced']>;
  /** `loss`: the primary region lost: fenced (no call goes there from now on), its data plane killed. */
  declareLoss(primary: V['primary'], marker: V['marker']): Promise<V['loss']>;
  /** `copy`: before the loss, the marker's snapshot copied into the DR region with the DR copy vault's key, as the copy job would have. */
  copyLatest(primary: V['primary'], marker: V['marker']): Promise<V['copy']>;
  /** `apply-dr`: failover.step restore, found and applied as `pnpm failover` makes it. */
  restore(primary: V['primary'], marker: V['marker'], loss: V['loss'], copy: V['copy']): Promise<V['recovered']>;
  /** `promote`: failover.step promote, found and applied as `pnpm failover` makes it. */
  promote(primary: V['primary'], standby: V['standby'], marker: V['marker'], loss: V['loss']): Promise<V['promoted']>;
  /** `complete`: failover.step complete: the promoted database a full primary, in place. */
  complete(promoted: V['promoted']): Promise<V['recovered']>;
  /** `replay`: after the last apply, the archived messages newer than the checkpoint sent into the DR queues as `pnpm failover --replay` does; produced against delivered counted. */
  replayMessages(recovered: V['recovered'], produced: V['produced']): Promise<V['recovered']>;
}

/** The drill's failback steps a strategy composes (each as `pnpm failback` makes it, applied in the drill's work folders). */
export interface FailbackDrillSteps<V extends DrillValues> {
  /** `reprotect`: the old primary's database replaced by a read replica of the dr environment's. */
  reprotectAsReplica(verified: V['verified']): Promise<V['reprotected']>;
  /** `reprotect`: the dr environment's backups also copied into the primary region. */
  reprotectWithBackupCopies(verified: V['verified']): Promise<V['reprotected']>;
  /** `switchover`: fence the dr side, lag 0, promote the replica in the primary region. */
  switchOverByPromotion(reprotected: V['reprotected']): Promise<V['switchedOver']>;
  /** `switchover`: fence the dr side, snapshot it, copy it back, re-create the primary's database from it. */
  switchOverBySnapshot(reprotected: V['reprotected']): Promise<V['switchedOver']>;
  /** `failback-complete`: the promoted database a full primary, in place. */
  completeInPlace(switchedOver: V['switchedOver']): Promise<V['completed']>;
  /** `failback-complete`: both sections removed; the restored database kept. */
  completeKeepingRestore(switchedOver: V['switchedOver']): Promise<V['rolesRestored']>;
  /** `restore-roles`: both sections removed; the dr database a replica of the primary's again. */
  restoreRoles(completed: V['completed']): Promise<V['rolesRestored']>;
  /** `verify-failback`: both regions in their roles, through the API; the failback measured. */
  verifyFailback(rolesRestored: V['rolesRestored']): Promise<void>;
}

/** A drill step's title, from the pair's names. */
export type StepTitle = (primary: string, dr: string, primaryRegion: string, drRegion: string) => string;

/** What the drill saw that the report lists as not exercised; the strategy says what it means. */
export interface DrillObservations {
  readonly pair: Pair;
  /** The target is an emulator (moto), not real AWS. */
  readonly emulated: boolean;
  /** The primary's Terraform as the drill applied it, if it got that far. */
  readonly primaryJson?: TerraformJson;
  /** Resource types the emulator could not create, left out of the applies. */
  readonly leftOutTypes: ReadonlySet<string>;
  /** Databases applied without their subnet group on the emulator (`<env>: <address>`). */
  readonly replicaSubnetGroups: readonly string[];
  /** What only the emulator did (node groups replaced instead of resized, backup plans left as applied). */
  readonly emulatorQuirks: readonly string[];
  /** What Terraform planned right after the peacetime apply, and after the failover's last apply. */
  readonly pending?: { readonly before: readonly PendingSummary[]; readonly after: readonly PendingSummary[] };
  /** The failback, when the drill ran one. */
  readonly failback?: FailbackRecord;
}

/** A change Terraform still plans, as the report names it. */
export interface PendingSummary {
  readonly address: string;
  readonly action: string;
  readonly attributes: readonly string[];
}

export interface DrillPlan {
  /** The failover's steps between the primary's apply and the verification, in order, as the report lists them. */
  readonly failoverSteps: readonly StepId[];
  /** The failback's steps (`pnpm drill --failback`), in order. */
  readonly failbackSteps: readonly StepId[];
  /** The titles of its steps. */
  readonly titles: Readonly<Partial<Record<StepId, StepTitle>>>;
  /** The failover as a drill practises it. */
  failover<V extends DrillValues>(s: FailoverDrillSteps<V>, primary: V['primary']): Promise<V['recovered']>;
  /** The way back as a drill practises it, from the verified dr environment. */
  failback<V extends DrillValues>(s: FailbackDrillSteps<V>, verified: V['verified']): Promise<void>;
  /** What the drill did not exercise of this strategy (the emulator's gaps, the steps the drill stands in for). */
  notExercised(o: DrillObservations): NotExercised[];
  /** The failback record's closing note: what its measured time means. */
  failbackNote(pair: Pair, emulated: boolean): string;
  /** Why the failback replaces the old primary's database, as the report says it. */
  readonly replacedBecause: string;
}

/** The titles of the steps every strategy's drill takes. */
export const COMMON_TITLES: Readonly<Partial<Record<StepId, StepTitle>>> = {
  marker: (p) => `Write a marker into ${p}'s data`,
  produce: (p, d) => `Produce messages through ${p}'s queue topics (archived for ${d}); the consumers' checkpoint after some`,
  loss: (_p, _d, pr) => `Declare ${pr} lost`,
  replay: (_p, d, _pr, dr) =>
    `Replay the archived messages newer than the checkpoint into ${d}'s queues in ${dr}; count produced against delivered`,
  'verify-failback': (_p, _d, pr, dr) => `Verify ${pr} and ${dr} in their original roles; measure the failback`,
};
