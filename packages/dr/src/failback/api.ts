/**
 * Where a failback's API calls go and how long its waits last: `pnpm failback`'s options, or a
 * drill's. The strategies' reverse copy, fence and switchover read it.
 */
import type { ApiTarget } from '../cloud/aws.js';

export interface FailbackApi {
  /** AWS Backup and the snapshots (tests inject recorded answers). */
  readonly api: ApiTarget;
  /** The emulator's URL (`--endpoint`), or none for the ambient credentials (`--aws`). */
  readonly endpoint?: string;
  /** The target is an emulator: it reports no replica lag and runs no backup job, so none is awaited. */
  readonly emulator: boolean;
  readonly now: () => Date;
  /** How long to wait for the reverse replica or copy (within the RPO, then lag 0). */
  readonly waitMs: number;
  /** How often to look again. */
  readonly pollMs: number;
  /** Tags of a switchover snapshot; default: which failback it is. */
  readonly snapshotTags?: Record<string, string>;
  readonly log?: (line: string) => void;
  readonly signal?: AbortSignal;
}
