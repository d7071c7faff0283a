import { readFileSync } from 'node:fs';
import pc from 'picocolors';
import { cloudError, formatIssue, ParityError, type Problem } from '@parity/model';

/** An issue as printed: without its message when that is the headline just printed (`said`). */
function issueText(i: Problem, said?: string): string {
  const message = i.message.split('\n')[0]!;
  const full = formatIssue(i);
  return message === said && full.startsWith(`${i.severity}: `) ? full.replace(`: ${message}`, '') : full;
}

/**
 * Print warnings and errors, coloured, to stderr. `said`: the headline printed just before; an
 * issue whose message it is (`refuseOne`) is printed without it, so nothing is said twice.
 */
export function printIssues(issues: readonly Problem[], said?: string): void {
  for (const i of issues) {
    const text = issueText(i, said);
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

/** Whether an unexpected error prints its stack: `--debug` on the command line, or PARITY_DEBUG=1. */
export function debugRequested(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  return argv.includes('--debug') || (env.PARITY_DEBUG !== undefined && env.PARITY_DEBUG !== '' && env.PARITY_DEBUG !== '0');
}

/**
 * Where to report a bug: the `bugs` (or `repository`) of the package.json at the root of the
 * repository this command line runs from; a fork that sets neither is told to use its own
 * tracker.
 */
export function bugTracker(packageJson = new URL('../../../package.json', import.meta.url)): string {
  try {
    const pkg = JSON.parse(readFileSync(packageJson, 'utf8')) as {
      bugs?: string | { url?: string };
      repository?: string | { url?: string };
    };
    const bugs = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs?.url;
    if (bugs) return bugs;
    const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository?.url;
    if (repo) return `${repo.replace(/^git\+/, '').replace(/\.git$/, '')}/issues`;
  } catch {
    // no readable package.json: the generic answer below
  }
  return 'the issue tracker of the repository your Parity was forked from (set "bugs" in its root package.json to name it here)';
}

/**
 * The top-level error handler. A ParityError (a refusal) prints its issues, never a stack. A
 * cloud or network failure that reached here is mapped to the refusal it is (credentials,
 * unreachable, denied, throttled). Anything else is a bug: one line asking for a report, and the
 * stack only with `--debug` or PARITY_DEBUG=1.
 */
export function reportFatal(e: unknown, debug = false, write: (s: string) => void = (s) => process.stderr.write(s)): number {
  const refusal = e instanceof ParityError ? e : cloudError(e, { service: 'a network service' });
  if (refusal instanceof ParityError) {
    const errors = refusal.issues.filter((i) => i.severity === 'error').length;
    write(`${pc.red(pc.bold(refusal.headline))}\n`);
    for (const i of refusal.issues) {
      const text = issueText(i, refusal.headline);
      write(`${i.severity === 'error' ? pc.red(text) : pc.yellow(text)}\n`);
    }
    write(pc.dim(`${errors} error${errors === 1 ? '' : 's'}; nothing was written.\n`));
    return 1;
  }
  const what = e instanceof Error ? `${e.name}: ${e.message.split('\n')[0]}` : String(e).split('\n')[0];
  write(
    `${pc.red(`parity: unexpected error (${what}): this is a bug in Parity; please report it at ${bugTracker()} with the output of the same command run with --debug`)}\n`,
  );
  if (debug) write(`${pc.dim(e instanceof Error ? (e.stack ?? e.message) : String(e))}\n`);
  return 1;
}
