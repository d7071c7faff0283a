/**
 * What the drill's steps hand each other. Each step returns one of these and the steps after it
 * take it: a step cannot be called before its inputs exist. The strategy composes the steps
 * (`@parity/dr`'s `DrillPlan`); `Values` is what its type map means here.
 */
import type { DBSnapshot } from '@aws-sdk/client-rds';
import type { CheckReport } from '@parity/checks';
import type { DrillValues, Pair, ReplayQueue, SwitchoverSnapshot } from '@parity/dr';
import type { PendingChange } from '../target/terraform.js';
import type { WorkCopy } from '../context.js';
import type { DrillData } from './data.js';

/** Where the drill's API calls and applies go: the emulator it started or one already running (`endpoint`), or AWS (none). */
export interface Target {
  readonly endpoint?: string;
}

/** `pnpm check` of the pair passed. */
export interface Checked extends Target {
  readonly check: CheckReport;
}

/** The primary applied from the project's own synth output. */
export interface PrimaryApplied extends Checked {
  readonly value: 'primary';
  readonly primary: WorkCopy;
  /** The data plane: the primary's PostgreSQL under write load (the steps after move it as they move the control plane). */
  readonly data: DrillData;
}

/** The dr environment applied as in peacetime: its read replica, compute at standby size. */
export interface StandbyApplied {
  readonly value: 'standby';
  readonly dr: WorkCopy;
  /** On the emulator, what Terraform planned right after this apply (attributes moto does not keep): the failover's baseline. */
  readonly baseline: readonly PendingChange[];
}

/** The key (in the DR region) a copy is encrypted with, read from the primary's state before the loss. */
export interface CopyKey {
  readonly arn: string;
  readonly address: string;
}

/** The marker written into the primary's data. */
export interface Marker {
  readonly value: 'marker';
  readonly id: string;
  readonly snapshot: DBSnapshot;
  /** The queue the marker message went to, by address (addresses match across environments). */
  readonly queueAddress?: string;
  readonly copyKey?: CopyKey;
}

/** Messages produced through the archived queues' topics before the loss (none where the primary archives no queue). */
export interface Produced {
  readonly value: 'produced';
  /** Every idempotency key the drill made starts with it. */
  readonly prefix: string;
  readonly queues: ReadonlyArray<{ readonly queue: ReplayQueue; readonly produced: number; readonly checkpointed: number }>;
}

/** The primary region declared lost: the recovery clock runs from `at`. */
export interface Loss {
  readonly value: 'loss';
  readonly at: Date;
}

/** The newest protected data copied into the DR region. */
export interface Copy {
  readonly value: 'copy';
  readonly snapshot: DBSnapshot;
}

/** The failover so far, exactly as `pnpm failover` makes it: the dr manifest's text (never written) and the pair resolved from it. */
export interface FailedOver {
  readonly pair: Pair;
  readonly text: string;
  /** The dr environment's work copy as applied with it. */
  readonly dr: WorkCopy;
}

/** What every step after the loss carries: the primary, the marker, the loss, the failover so far. */
interface AfterLoss {
  readonly primary: PrimaryApplied;
  readonly marker: Marker;
  readonly loss: Loss;
  readonly failedOver: FailedOver;
}

/** The replica promoted and compute scaled up (failover.step promote). */
export interface Promoted extends AfterLoss {
  readonly value: 'promoted';
  readonly baseline: readonly PendingChange[];
  /** The replica's lag when the failover found it (CloudWatch ReplicaLag), if the target reports one. */
  readonly lagAtLoss?: number;
}

/** The dr environment running as a full primary. */
export interface Recovered extends AfterLoss {
  readonly value: 'recovered';
  /** Backup & restore: the copy the database was restored from. */
  readonly copy?: DBSnapshot;
  readonly lagAtLoss?: number;
}

/** The same, verified through the API: the recovery clock stopped. */
export interface Verified extends Omit<Recovered, 'value'> {
  readonly value: 'verified';
  readonly verifiedAt: Date;
}

/** A failback under way: the manifests as it has changed them (never written), and both work copies. */
export interface FailingBack {
  readonly verified: Verified;
  /** A restore from a snapshot: the one taken after the fence, and its copy in the primary region. */
  readonly snapshot?: SwitchoverSnapshot;
  readonly pair: Pair;
  readonly texts: Readonly<Record<string, string>>;
  readonly primary: WorkCopy;
  readonly dr: WorkCopy;
}

export interface Reprotected extends FailingBack {
  readonly value: 'reprotected';
}
export interface SwitchedOver extends FailingBack {
  readonly value: 'switched-over';
}
export interface FailbackCompleted extends FailingBack {
  readonly value: 'completed';
}
export interface RolesRestored extends FailingBack {
  readonly value: 'roles-restored';
}

/** The strategies' type map, as the harness fills it. */
export interface Values extends DrillValues {
  readonly primary: PrimaryApplied;
  readonly standby: StandbyApplied;
  readonly marker: Marker;
  readonly produced: Produced;
  readonly loss: Loss;
  readonly copy: Copy;
  readonly promoted: Promoted;
  readonly recovered: Recovered;
  readonly verified: Verified;
  readonly reprotected: Reprotected;
  readonly switchedOver: SwitchedOver;
  readonly completed: FailbackCompleted;
  readonly rolesRestored: RolesRestored;
}
