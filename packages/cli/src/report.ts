import pc from 'picocolors';
import { formatIssue, ParityError, type Problem } from '@parity/model';

/**
 * Print warnings and errors, coloured, to stderr. `said`: the headline printed just before; an
 * issue whose message it is (`refuseOne`) is printed without it, so nothing is said twice.
 */
export function printIssues(issues: readonly Problem[], said?: string): void {
  for (const i of issues) {
    const message = i.message.split('\n')[0]!;
    const full = formatIssue(i);
    const text = message === said && full.startsWith(`${i.severity}: `) ? full.replace(`: ${message}`, '') : full;
    process.stderr.write(`${i.severity === 'error' ? pc.red(text) : pc.yellow(text)}\n`);
  }
}

/** Exit code 1 with every problem printed, if there is any error. */
export function failOnErrors(issues: readonly Problem[], headline: string): void {
  const errors = issues.filter((i) => i.severity === 'error');
  if (errors.length === 0) {
    printIssues(issues);
    return;
  }
  throw new ParityError(issues, headline);
}

/** The top-level error handler: configuration problems print cleanly, anything else with its stack. */
export function reportFatal(e: unknown): number {
  if (e instanceof ParityError) {
    const errors = e.issues.filter((i) => i.severity === 'error').length;
    process.stderr.write(`${pc.red(pc.bold(e.headline))}\n`);
    printIssues(e.issues, e.headline);
    process.stderr.write(pc.dim(`${errors} error${errors === 1 ? '' : 's'}; nothing was written.\n`));
    return 1;
  }
  process.stderr.write(`${pc.red(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
  return 1;
}
