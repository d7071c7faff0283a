/**
 * The newest drill report of a dr environment, as `pnpm check` shows it ("last drilled"): read by
 * the command line through `@parity/model`'s one reader of drill reports and handed to
 * `runChecks`; the checks themselves read nothing from disk.
 */
import { basename } from 'node:path';
import { lastDrillReport } from '@parity/model';

export interface DrillSummary {
  readonly file: string;
  readonly at: string;
  readonly status: string;
  readonly rtoMinutes?: number;
  readonly rpoMinutes?: number;
}

/** The newest drill report of a dr environment (`environments/<dr>/drills/*.json`); `unreadable` when it is not one. */
export function lastDrill(root: string, env: string): DrillSummary | undefined {
  const last = lastDrillReport(root, env);
  if (!last) return undefined;
  const { file, report } = last;
  if (!report) return { file, at: basename(file, '.json'), status: 'unreadable' };
  return {
    file,
    at: report.startedAt,
    status: report.status,
    rtoMinutes: report.rto?.measuredMinutes,
    rpoMinutes: report.rpo?.measuredMinutes,
  };
}
