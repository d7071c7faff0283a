/**
 * RTO and RPO as a drill measures them:
 * - RTO: from the moment the primary region is declared lost to the moment the DR region is
 *   verified to hold what the definition says;
 * - RPO: the age of the restored data at the moment of loss (loss time minus the creation time
 *   of the snapshot the DR database was restored from).
 */

import { drillOutcome, type Measured, refuseOne } from '@parity/model';

/** A span whose end is not after its start (or a time the cloud did not give): the clocks disagree. */
function unmeasurable(fromMs: number, toMs: number) {
  const at = (ms: number) => (Number.isFinite(ms) ? new Date(ms).toISOString() : 'a missing time');
  return drillOutcome(
    '(clock)',
    `cannot measure: ${at(toMs)} is before ${at(fromMs)}`,
    'an end after its start',
    "check this machine's clock against the cloud's (NTP): the snapshot times come from the cloud, the loss from here",
  );
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function measure(fromMs: number, toMs: number, targetMinutes: number): Measured {
  if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs < fromMs) refuseOne(unmeasurable(fromMs, toMs));
  const seconds = (toMs - fromMs) / 1000;
  const minutes = seconds / 60;
  return {
    measuredMinutes: round2(minutes),
    measuredSeconds: round2(seconds),
    targetMinutes,
    met: minutes <= targetMinutes,
    marginMinutes: round2(targetMinutes - minutes),
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
  };
}

/** Recovery time: loss declared → DR verified. */
export function rto(lossAt: Date, verifiedAt: Date, targetMinutes: number): Measured {
  return measure(lossAt.getTime(), verifiedAt.getTime(), targetMinutes);
}

/** Recovery point: the restored data's creation time → loss declared. */
export function rpo(dataCreatedAt: Date, lossAt: Date, targetMinutes: number): Measured {
  return measure(dataCreatedAt.getTime(), lossAt.getTime(), targetMinutes);
}

/** `1m 32s`, `45s`, `1h 02m`. */
export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
