import { join, resolve } from 'node:path';
import type { CheckReport } from '@parity/checks';
import { writeFileAtomic } from '@parity/io';
import type { ResolvedEnvironment } from '@parity/model';
import { reportData } from './data.js';
import { renderHtml } from './html.js';

/** Where `pnpm report` writes by default, relative to the workspace root (gitignored with `.parity/`). */
export const DEFAULT_REPORT_DIR = '.parity/report';

/**
 * Render the page and write `<outDir>/index.html` atomically (a temporary file, then a rename), so
 * a reader never sees half a page. Returns the absolute path written.
 */
export function writeReport(root: string, check: CheckReport, envs: readonly ResolvedEnvironment[], outDir = DEFAULT_REPORT_DIR): string {
  const file = join(resolve(root, outDir), 'index.html');
  writeFileAtomic(file, renderHtml(reportData(root, check, envs, resolve(root, outDir))));
  return file;
}
