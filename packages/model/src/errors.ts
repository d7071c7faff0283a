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
  | 'init-dirty'
  | 'templates-missing'
  | 'synth-failed'
  | 'tool-missing'
  | 'provider-mirror'
  | 'schemas-stale'
  | 'workflows-stale'
  | 'registry'
  | 'registry-port'
  | 'registry-address'
  | 'package-private'
  | 'package-build'
  | 'transform';

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
  const s = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
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
    super(`${headline ?? `${errors.length} problem${errors.length === 1 ? '' : 's'} found`}\n${formatIssues(issues)}`);
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

/*
 * One factory per kind of refusal that is not found by a rule over the definition (cdktf
 * `lib/errors.ts` style): what happened, the value, what is allowed and the fix are written here,
 * once, never assembled at the throw site. Each returns the Issue; `refuse` throws them.
 */

/** Throw every issue at once, under a headline that says what could not be done. */
export function refuse(headline: string, ...issues: readonly Problem[]): never {
  throw new ParityError(issues, headline);
}

/** The file an environment's manifest lives in, relative to the workspace root. */
export function manifestFile(env: string): string {
  return `environments/${env}/environment.yaml`;
}

/** An environment named on the command line (or in a file) that has no manifest. */
export function environmentMissing(name: string, known: Iterable<string>, fix = `create it with: pnpm gen env ${name}`): Issue {
  const allowed = [...known].sort().join(', ');
  return issue({
    kind: 'env-missing',
    file: manifestFile(name),
    path: '',
    value: name,
    message: `environment "${name}" does not exist`,
    allowed: allowed || '(no environments yet)',
    fix,
  });
}

/** The handlebars sources the generator stamps environments from are gone. */
export function templatesMissing(dir = 'templates/env'): Issue {
  return issue({
    kind: 'templates-missing',
    file: dir,
    path: '',
    message: 'the template folder is missing',
    fix: `restore ${dir}/*.hbs (git checkout -- ${dir})`,
  });
}

/** A bundle's deploy function (or cdktf) threw while synthesizing an environment. */
export function synthFailed(env: string, file: string, error: unknown, fix = 'fix the bundle or the parameters it names'): Issue {
  const first =
    error instanceof ParityError ? error.issues[0]?.message : (error instanceof Error ? error.message : String(error)).split('\n')[0];
  return issue({ kind: 'synth-failed', file, path: '', value: env, message: `could not synthesize ${env}: ${first}`, fix });
}

/** A program Parity runs (terraform, npm) is not on PATH. */
export function toolMissing(tool: string, fix: string): Issue {
  return issue({ kind: 'tool-missing', file: 'PATH', path: '', value: tool, message: `${tool} is not on PATH`, fix });
}

/** The Terraform provider mirror that was named does not hold the provider, or none was found under CI. */
export function providerMirror(where: string, value: string | undefined, message: string, fix: string, allowed?: string): Issue {
  return issue({ kind: 'provider-mirror', file: where, path: '', value, message, fix, ...(allowed ? { allowed } : {}) });
}

/** Committed generated schemas that differ from what the code generates. */
export function schemasStale(files: readonly string[]): Issue[] {
  return files.map((file) =>
    issue({
      kind: 'schemas-stale',
      file,
      path: '',
      message: 'the committed schema differs from the one the code generates',
      fix: 'run pnpm schemas and commit the result',
    }),
  );
}

/** Committed workflows that differ from what `pnpm gen ci` writes, or that no template makes. */
export function workflowsStale(files: readonly { file: string; orphan: boolean }[]): Issue[] {
  return files.map(({ file, orphan }) =>
    issue({
      kind: 'workflows-stale',
      file,
      path: '',
      message: orphan ? 'no template makes this workflow' : 'the committed workflow differs from the one the templates make',
      fix: 'run pnpm gen ci and commit the result',
    }),
  );
}

/** A registry question that could not be answered: names the registry (the `@parity:registry` setting). */
export function registryProblem(registry: string, message: string, fix: string): Issue {
  return issue({ kind: 'registry', file: '.npmrc', path: '@parity:registry', value: registry, message, fix });
}

/** The registry cannot listen where it was asked to. */
export function registryPortInUse(config: string, listen: string, answering: boolean): Issue {
  return issue({
    kind: 'registry-port',
    file: config,
    path: 'listen',
    value: listen,
    message: `${listen} is in use${answering ? ' (a registry already answers there)' : ''}`,
    fix: 'stop what listens there, or start on another port with --port <n> and set @parity:registry in .npmrc to match',
  });
}

/** The registry cannot listen on the address it was given: not an address of this machine, or a port it may not use. */
export function registryAddressInvalid(listen: string, field: 'host' | 'port', value: string | number, code: string): Issue {
  const why: Record<string, string> = {
    EADDRNOTAVAIL: 'is not an address of this machine',
    ENOTFOUND: 'is not an address and no host name resolves to it',
    EAI_AGAIN: 'is not an address and no host name resolves to it',
    EINVAL: 'is not a valid address',
    EACCES: 'needs privileges to listen on (a port below 1024)',
  };
  return issue({
    kind: 'registry-address',
    file: '(command line)',
    path: `--${field}`,
    value,
    message: `cannot listen on ${listen}: ${field} ${String(value)} ${why[code] ?? `was refused (${code})`}`,
    allowed:
      field === 'host'
        ? 'an IPv4 or IPv6 address of this machine (127.0.0.1, ::1, 0.0.0.0) or a host name resolving to one'
        : 'a port from 1024 to 65535',
    fix:
      field === 'host'
        ? 'pass --host 127.0.0.1 (the default) or an address `ip addr` lists'
        : 'pass --port 4873 (the default) or another free port from 1024',
  });
}

/** A workspace package the bundles need at run time is marked private, so it cannot be published. */
export function packagePrivate(file: string, name: string): Issue {
  return issue({
    kind: 'package-private',
    file,
    path: 'private',
    value: true,
    message: `${name} is private but needed by the bundles at run time`,
    fix: 'remove "private": true from its package.json',
  });
}

/** A package to publish has no build configuration. */
export function packageBuildMissing(file: string, name: string): Issue {
  return issue({
    kind: 'package-build',
    file,
    path: '',
    value: name,
    message: `${name} has no tsconfig.build.json`,
    fix: 'add one like bundles/database/tsconfig.build.json',
  });
}

/** A deploy function's guard found a parameter value the bundle cannot build (resolution reports it first, with the file). */
export function bundleRuleBroken(bundle: string, problem: { param: string; message: string; allowed?: string; fix: string }): Issue {
  const { param, message, allowed, fix } = problem;
  return issue({ kind: 'bundle-rule', file: `bundle ${bundle}`, path: param, message, fix, ...(allowed ? { allowed } : {}) });
}
