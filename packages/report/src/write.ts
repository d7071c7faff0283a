import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CheckReport } from '@parity/checks';
import type { ResolvedEnvironment } from '@parity/model';
import { reportData } from './data.js';
import { renderHtml } from './html.js';

/** Where `pnpm report` writes by default, relative to the workspace root (gitignored with `.parity/`). */
export const DEFAULT_REPORT_DIR = '.parity/report';

/**
 * Render the page and write `<outDir>/index.html` through a temporary file and a rename, so a
 * reader never sees half a page. Returns the absolute path written.
 */
export function writeReport(root: string, check: CheckReport, envs: readonly ResolvedEnvironment[], outDir = DEFAULT_REPORT_DIR): string {
  const html = renderHtml(reportData(root, check, envs));
  const dir = resolve(root, outDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'index.html');
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, html);
  renameSync(tmp, file);
  return file;
}
