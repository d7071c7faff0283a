/**
 * Problems found in configuration, reported as data so that every problem is shown at once
 * (changesets `rules.ts` style) and each one says: the file, the field, the value, what is
 * allowed and how to fix it.
 */

export type Severity = 'error' | 'warning';

/** A stable, testable category for a problem. Tests match on the kind, not on the prose. */
export type IssueKind =
  | 'yaml'
  | 'schema'
  | 'unknown-bundle'
  | 'unknown-parameter'
  | 'not-overridable'
  | 'tier-sets-fixed-parameter'
  | 'unknown-tier'
  | 'bundle-version'
  | 'missing-connection'
  | 'connection-cycle'
  | 'unknown-region'
  | 'opt-in-region'
  | 'missing-service'
  | 'missing-feature'
  | 'bundle-rule'
  | 'recovers'
  | 'state-in-failed-region'
  | 'residency'
  | 'env-name'
  | 'env-exists'
  | 'env-missing'
  | 'cloud-mismatch'
  | 'dr-policy'
  | 'strategy-unsupported'
  | 'failover'
  | 'bundle-name'
  | 'bundle-exists'
  | 'bundle-cloud'
  | 'bundle-readme'
  | 'init-flag'
  | 'init-dirty';

export interface Issue {
  readonly kind: IssueKind;
  readonly severity: Severity;
  /** The file the problem is in, relative to the workspace root where possible. */
  readonly file: string;
  /** Dotted path of the field, e.g. `overrides.database.size`. Empty for the whole file. */
  readonly path: string;
  /** The offending value, if there is one. */
  readonly value?: unknown;
  /** What went wrong. */
  readonly message: string;
  /** What is allowed instead. */
  readonly allowed?: string;
  /** How to fix it. */
  readonly fix?: string;
  /** 1-based line in `file`, when known. */
  readonly line?: number;
}

/** An Issue whose kind comes from a wider vocabulary (the checks add their own kinds). */
export type Problem = Omit<Issue, 'kind'> & { readonly kind: string };

export function issue(i: Omit<Issue, 'severity'> & { severity?: Severity }): Issue {
  return { severity: 'error', ...i };
}

function show(value: unknown): string {
  if (value === undefined) return '';
  const s = typeof value === 'string' ? JSON.stringify(value) : JSON.stringify(value) ?? String(value);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}

/** One problem as a few readable lines. */
export function formatIssue(i: Problem): string {
  const where = `${i.file}${i.line ? `:${i.line}` : ''}${i.path ? ` (${i.path})` : ''}`;
  const lines = [`${i.severity}: ${where}: ${i.message}`];
  if (i.value !== undefined) lines.push(`  value:   ${show(i.value)}`);
  if (i.allowed) lines.push(`  allowed: ${i.allowed}`);
  if (i.fix) lines.push(`  fix:     ${i.fix}`);
  return lines.join('\n');
}

export function formatIssues(issues: readonly Problem[]): string {
  return issues.map(formatIssue).join('\n');
}

/** Thrown when configuration has one or more errors. Carries every problem, not just the first. */
export class ParityError extends Error {
  readonly issues: readonly Problem[];
  constructor(issues: readonly Problem[], headline?: string) {
    const errors = issues.filter((i) => i.severity === 'error');
    super(
      `${headline ?? `${errors.length} problem${errors.length === 1 ? '' : 's'} found`}\n${formatIssues(issues)}`,
    );
    this.name = 'ParityError';
    this.issues = issues;
  }
  /** The kinds of the errors, for tests and for machine output. */
  get kinds(): string[] {
    return this.issues.filter((i) => i.severity === 'error').map((i) => i.kind);
  }
}

export function hasErrors(issues: readonly Problem[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/** Throw a ParityError if any issue is an error; return the warnings otherwise. */
export function throwIfErrors<T extends Problem>(issues: readonly T[], headline?: string): T[] {
  if (hasErrors(issues)) throw new ParityError(issues, headline);
  return issues.filter((i) => i.severity === 'warning');
}
