/**
 * `pnpm report [env...] [--out <dir>]`: the fleet as one self-contained HTML page (map, parity
 * matrix, DR pairs and drills, findings), from the same run as `pnpm check`.
 */
import { relative } from 'node:path';
import { DEFAULT_REPORT_DIR, writeReport } from '@parity/report';
import { checkFleet } from './check.js';

const plural = (n: number, thing: string) => `${n} ${thing}${n === 1 ? '' : 's'}`;

export interface ReportFlags {
  out?: string;
}

/** Write the page; returns its path. A fleet with violations still gets its page (exit code 0). */
export async function report(names: readonly string[], flags: ReportFlags = {}, root?: string): Promise<string> {
  const fleet = await checkFleet(names, root);
  const file = writeReport(fleet.root, fleet.report, fleet.envs, flags.out ?? DEFAULT_REPORT_DIR);
  const { errors, warnings } = fleet.report.summary;
  const counts = `${plural(fleet.report.envs.length, 'environment')}, ${plural(errors, 'violation')}, ${plural(warnings, 'warning')}`;
  process.stdout.write(`wrote ${relative(process.cwd(), file) || file} (${counts})\n`);
  return file;
}
