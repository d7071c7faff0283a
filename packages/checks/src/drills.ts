/**
 * Drill reports on disk (`environments/<dr>/drills/*.json`), read by the command line and handed
 * to `runChecks`: the checks themselves read nothing from disk.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readWorkspaceJson } from '@parity/model';

export interface DrillSummary {
  readonly file: string;
  readonly at: string;
  readonly status: string;
  readonly rtoMinutes?: number;
  readonly rpoMinutes?: number;
}

/** The newest drill report of a dr environment (`environments/<dr>/drills/*.json`). */
export function lastDrill(root: string, env: string): DrillSummary | undefined {
  const dir = join(root, 'environments', env, 'drills');
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const last = files[files.length - 1];
  if (!last) return undefined;
  try {
    // through the guarded reader: a linked or oversized report is refused (its content could reach the PR comment)
    const r = readWorkspaceJson<{
      startedAt?: string;
      status?: string;
      rto?: { measuredMinutes?: number };
      rpo?: { measuredMinutes?: number };
    }>(root, `environments/${env}/drills/${last}`, { kind: 'drill report' });
    return {
      file: `environments/${env}/drills/${last}`,
      at: r.startedAt ?? last.replace(/\.json$/, ''),
      status: r.status ?? 'unknown',
      rtoMinutes: r.rto?.measuredMinutes,
      rpoMinutes: r.rpo?.measuredMinutes,
    };
  } catch {
    return { file: `environments/${env}/drills/${last}`, at: last.replace(/\.json$/, ''), status: 'unreadable' };
  }
}
