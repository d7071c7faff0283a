import { dataNotIntact, dataPlaneFailed, ParityError } from '@parity/model';

/**
 * A data plane that could not do what a drill step asked (a server that would not start, a standby
 * not streaming, nothing to restore): the refusal to throw. `log`: the log that says why.
 */
export function planeFailed(message: string, log?: string): ParityError {
  return new ParityError([dataPlaneFailed(message, log)], message);
}

/** The data that came back is not what was committed: the refusal to throw, its problems in the issue's value. */
export function notIntact(marker: string, message: string, problems: readonly string[]): ParityError {
  return new ParityError([dataNotIntact(marker, message, problems)], message);
}

/** Whether `e` says the data that came back is not intact (and not some other failure). */
export function isNotIntact(e: unknown): boolean {
  return e instanceof ParityError && e.issues.some((i) => i.kind === 'data-not-intact');
}
