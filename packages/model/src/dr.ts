/**
 * Backup schedules derived from the recovery point objective.
 *
 * Worst case, data written just after a backup starts reaches the DR region one full interval
 * later plus the time the cross-region copy takes. So the schedule is the longest interval that
 * keeps `interval + copyDelay <= RPO`; AWS Backup runs at most hourly, so 60 minutes is the floor.
 */

/** Intervals that divide a day evenly, so the schedule does not drift across midnight. */
const INTERVALS_MINUTES = [60, 120, 180, 240, 360, 480, 720, 1440] as const;

export interface BackupSchedule {
  /** Minutes between backups. */
  readonly intervalMinutes: number;
  /** AWS Backup schedule expression. */
  readonly awsCron: string;
  /** Five-field cron (Backup for GKE). */
  readonly cron: string;
  /** Worst-case RPO in the DR region: interval + copy delay. */
  readonly worstCaseRpoMinutes: number;
  /** Whether the worst case is within the RPO. */
  readonly meetsRpo: boolean;
}

export function deriveBackupSchedule(rpoMinutes: number, copyDelayMinutes: number): BackupSchedule {
  const budget = rpoMinutes - copyDelayMinutes;
  const fitting = INTERVALS_MINUTES.filter((m) => m <= budget);
  const intervalMinutes = fitting.length > 0 ? fitting[fitting.length - 1]! : INTERVALS_MINUTES[0];
  const hours = intervalMinutes / 60;
  const awsCron = hours >= 24 ? 'cron(0 3 * * ? *)' : `cron(0 0/${hours} * * ? *)`;
  const cron = hours >= 24 ? '0 3 * * *' : `0 */${hours} * * *`;
  const worstCaseRpoMinutes = intervalMinutes + copyDelayMinutes;
  return { intervalMinutes, awsCron, cron, worstCaseRpoMinutes, meetsRpo: worstCaseRpoMinutes <= rpoMinutes };
}
