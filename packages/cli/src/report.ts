import pc from 'picocolors';
import { formatIssue, ParityError, type Problem } from '@parity/model';

/** Print warnings and errors, coloured, to stderr. */
export function printIssues(issues: readonly Problem[]): void {
  for (const i of issues) {
    const text = formatIssue(i);
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
    process.stderr.write(`${pc.red(pc.bold(e.message.split('\n')[0]!))}\n`);
    printIssues(e.issues);
    process.stderr.write(pc.dim(`${errors} error${errors === 1 ? '' : 's'}; nothing was written.\n`));
    return 1;
  }
  process.stderr.write(`${pc.red(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
  return 1;
}
