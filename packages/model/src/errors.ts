/**
 * Problems found in configuration, reported as data so that every problem is shown at once
 * (changesets `rules.ts` style) and each one says: the file, the field, the value, what is
 * allowed and how to fix it.
 */

import { foreignCharacter } from './names.js';
import { didYouMean } from './suggest.js';

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
  | 'failback'
  | 'failback-state'
  | 'reverse-copy-behind'
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
  | 'transform'
  | 'not-dr-env'
  | 'cloud-unsupported'
  | 'target-conflict'
  | 'endpoint-invalid'
  | 'target-missing'
  | 'drill-locked'
  | 'pair-not-ready'
  | 'recovery-point-missing'
  | 'failover-done'
  | 'confirmation-needed'
  | 'git-ref'
  | 'runbook-stale'
  // files Parity reads from a workspace (files.ts) and the names in them
  | 'file-missing'
  | 'file-link'
  | 'file-outside'
  | 'file-not-regular'
  | 'file-unreadable'
  | 'file-too-large'
  | 'json'
  | 'not-a-mapping'
  | 'name-character'
  | 'stamped-stale'
  | 'init-rename'
  | 'unbalanced-bracket'
  // DR and drill steps once they run (the factories at the end of this file)
  | 'interrupted'
  | 'emulator'
  | 'endpoint-unreachable'
  | 'terraform-failed'
  | 'snapshot-unavailable'
  | 'drill-outcome'
  | 'drill-verification'
  | 'data-plane'
  | 'data-not-intact'
  | 'region-fenced'
  | 'drill-target-breached'
  // refusals of the commands outside the DR packages (issue 22 §4)
  | 'workspace-missing'
  | 'usage'
  | 'bundle-contract'
  | 'uncompiled-module'
  | 'command-failed'
  | 'release-step'
  // a cloud's or a network service's answer, mapped by cloud-errors.ts (issue 25 §2)
  | 'cloud-credentials'
  | 'cloud-unreachable'
  | 'cloud-denied'
  | 'cloud-throttled'
  // Google Cloud: the failover's and the failback's target, and an operation Cloud SQL reported failed
  | 'target-cloud'
  | 'cloud-operation'
  // preview environments (preview.ts)
  | 'preview-id'
  | 'preview-base'
  | 'preview-ttl'
  | 'preview-record'
  | 'preview-recovers'
  | 'preview-promote'
  | 'preview-production-data';

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
  /** 1-based column in `line`, when known. */
  readonly column?: number;
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
  const where = `${i.file}${i.line ? `:${i.line}${i.column ? `:${i.column}` : ''}` : ''}${i.path ? ` (${i.path})` : ''}`;
  const lines = [`${i.severity}: ${where}: ${i.message}`];
  if (i.value !== undefined) lines.push(`  value:   ${show(i.value)}`);
  if (i.allowed) lines.push(`  allowed: ${i.allowed}`);
  if (i.fix) lines.push(`  fix:     ${i.fix}`);
  return lines.join('\n');
}

export function formatIssues(issues: readonly Problem[]): string {
  return issues.map(formatIssue).join('\n');
}

/**
 * Each problem once: the same issue reached two ways (a manifest's YAML error, from loading the
 * workspace and from resolving the environment) is one problem, printed once.
 */
export function distinctIssues<T extends Problem>(issues: readonly T[]): T[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = JSON.stringify([i.kind, i.severity, i.file, i.line, i.path, i.message, i.allowed, i.fix]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Thrown when configuration has one or more errors. Carries every problem, not just the first. */
export class ParityError extends Error {
  readonly issues: readonly Problem[];
  /** What could not be done, in one line (the message's first line; the issues follow it). */
  readonly headline: string;
  constructor(all: readonly Problem[], headline?: string) {
    const issues = distinctIssues(all);
    const errors = issues.filter((i) => i.severity === 'error');
    const head = headline ?? `${errors.length} problem${errors.length === 1 ? '' : 's'} found`;
    super(`${head}\n${formatIssues(issues)}`);
    this.name = 'ParityError';
    this.issues = issues;
    this.headline = head;
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

/** Throw one problem as a refusal, headed by what happened (its message). */
export function refuseOne(i: Problem): never {
  throw new ParityError([i], i.message.split('\n')[0]);
}

/** The file an environment's manifest lives in, relative to the workspace root. */
export function manifestFile(env: string): string {
  return `environments/${env}/environment.yaml`;
}

/** An environment named on the command line (or in a file) that has no manifest. */
export function environmentMissing(name: string, known: Iterable<string>, fix = `create it with: pnpm gen env ${name}`): Issue {
  const names = [...known];
  const allowed = names.sort().join(', ');
  const foreign = foreignCharacter(name);
  const lookalike = foreign ? ` (character ${foreign.position} is ${foreign.codePoint} ${foreign.description}: names are ASCII)` : '';
  const near = didYouMean(name, names);
  return issue({
    kind: 'env-missing',
    file: manifestFile(name),
    path: '',
    value: name,
    message: `environment "${name}" does not exist${lookalike}`,
    allowed: allowed || '(no environments yet)',
    fix: near ? `did you mean ${near}?` : fix,
  });
}

/** A git ref named on the command line (`--base`, `--head`) is not a commit of the repository. */
export function gitRefMissing(ref: string, flag: string): Issue {
  return issue({
    kind: 'git-ref',
    file: '(git)',
    path: flag,
    value: ref,
    message: `${ref} is not a commit of this repository`,
    allowed: 'a branch, tag or commit id',
    fix: 'fetch it first (in CI: actions/checkout with fetch-depth: 0), or name another ref',
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

/** A DR environment's committed RUNBOOK.md that is missing or differs from what the model gives. */
export function runbookStale(dr: string, file: string, missing: boolean): Issue {
  return issue({
    kind: 'runbook-stale',
    file,
    path: '',
    message: missing
      ? `${file} is missing: every DR environment has a runbook`
      : `${file} no longer matches the model (the definition, the manifests, the Terraform or the last drill changed)`,
    fix: `pnpm gen runbook ${dr}, then commit ${file}`,
  });
}

/** Files `gen env` stamped from the model (an environment's README, its manifest's comments) that no longer say what it gives. */
export function stampedStale(env: string, files: readonly string[]): Issue {
  return issue({
    kind: 'stamped-stale',
    file: files[0] ?? `environments/${env}`,
    path: '',
    message: `${files.join(', ')} no longer ${files.length === 1 ? 'matches' : 'match'} the model (the definition or a manifest changed what was stamped into ${files.length === 1 ? 'it' : 'them'})`,
    fix: `pnpm gen env ${env} --refresh (restamps them; the manifest's values and hand edits stay), then commit ${files.join(' ')}`,
  });
}

/** A runbook field whose brackets do not close: most often a YAML comment (` #`) cut the value short. */
export function unbalancedBracket(file: string, path: string, value: string, line: number | undefined, bracket: string): Issue {
  return issue({
    kind: 'unbalanced-bracket',
    severity: 'warning',
    file,
    path,
    line,
    value,
    message: `has a "${bracket}" that ${'([{'.includes(bracket) ? 'is never closed' : 'closes nothing'}: every runbook prints it so (in YAML, " #" starts a comment, so an unquoted value stops there)`,
    fix: 'quote the value ("…"), or close the bracket',
  });
}

/** `init` with other names on a workspace that was adopted already: a rename of every resource, refused without --force. */
export function initRenamesAdopted(
  from: { platform: string; scope: string },
  to: { platform: string; scope: string },
  files: readonly string[],
  environments: readonly string[],
): Issue {
  const shown = files.slice(0, 5).join(', ') + (files.length > 5 ? `, and ${files.length - 5} more` : '');
  const renamed = from.platform !== to.platform;
  return issue({
    kind: 'init-rename',
    file: '(command line)',
    path: renamed ? '--platform' : '--scope',
    value: renamed ? to.platform : to.scope,
    message: [
      `this workspace was adopted as ${from.platform} (${from.scope}); init would rename it to ${to.platform} (${to.scope}), rewriting ${files.length} file${files.length === 1 ? '' : 's'}: ${shown}`,
      ...(renamed && environments.length
        ? [
            `every physical name of its ${environments.length} environment${environments.length === 1 ? '' : 's'} (${environments.join(', ')}) and the state buckets ${from.platform}-tfstate-<region> would change: applied resources would be replaced`,
          ]
        : []),
    ].join('\n'),
    allowed: `the names it has: --platform ${from.platform} --scope ${from.scope}`,
    fix: `keep its names, or pass --force to rename it anyway (then migrate the state and resources by hand)`,
  });
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

/*
 * Refusals of a drill, a failover and a failback before anything starts (a drill writes no report
 * for them). Failures of a step once a drill runs are not refusals: the report records them.
 */

/** A drill or failover named an environment that does not exist: the dr environments are what it may name. */
export function drEnvironmentMissing(name: string, drEnvs: readonly string[]): Issue {
  const fix = `name a dr environment${drEnvs.length ? ` (${drEnvs.join(', ')})` : ' (pnpm gen env <name> --role dr --recovers <env>)'}`;
  const missing = environmentMissing(name, drEnvs, fix);
  return drEnvs.length ? missing : { ...missing, allowed: 'no dr environment exists yet' };
}

/** A drill or failover named an environment that is not a dr one. */
export function notDrEnvironment(env: string, role: string, command: string): Issue {
  return issue({
    kind: 'not-dr-env',
    file: manifestFile(env),
    path: 'role',
    value: role,
    message: `${env} is a ${role} environment; a ${command} fails over into a dr environment`,
    allowed: 'dr',
    fix: 'name one that recovers a production environment (role: dr, recovers: <env>)',
  });
}

/** A drill or failover of an environment in a cloud it does not run on (AWS only: moto emulates AWS). */
export function cloudUnsupported(env: string, cloud: string, command: string): Issue {
  return issue({
    kind: 'cloud-unsupported',
    file: manifestFile(env),
    path: 'cloud',
    value: cloud,
    message: `${env} is on ${cloud}; ${command}s run on AWS only (moto emulates AWS)`,
    allowed: 'aws',
    fix: `${command} an AWS dr environment`,
  });
}

/** Both --aws and --endpoint were given. */
export function targetConflict(): Issue {
  return issue({
    kind: 'target-conflict',
    file: 'command line',
    path: '--aws/--endpoint',
    message: '--aws and --endpoint exclude each other',
    allowed: '--aws, --endpoint <url>, or neither (a local moto server)',
    fix: 'pick one (or neither, for a local moto server)',
  });
}

/** --endpoint was given something that is not a URL. */
export function endpointInvalid(value: string): Issue {
  return issue({
    kind: 'endpoint-invalid',
    file: 'command line',
    path: '--endpoint',
    value,
    message: `--endpoint ${value} is not a URL`,
    allowed: 'an http(s) URL',
    fix: '--endpoint http://127.0.0.1:<port>',
  });
}

/** A command that acts on a real target (a failover) was given none: it never starts an emulator of its own. */
export function targetMissing(command: string): Issue {
  return issue({
    kind: 'target-missing',
    file: 'command line',
    path: '--aws/--endpoint',
    message: `a ${command} needs a target: --aws or --endpoint <url>`,
    allowed: '--aws (the ambient credentials), --endpoint <url> (an emulator such as moto)',
    fix: `pnpm ${command} <dr-env> --aws, or --endpoint http://127.0.0.1:<port>`,
  });
}

/** Another drill of the same dr environment holds its lock. */
export function drillLocked(file: string, holder: { readonly pid: number; readonly host: string; readonly startedAt: string }): Issue {
  return issue({
    kind: 'drill-locked',
    file,
    path: '',
    value: holder.pid,
    message: `a drill is already running (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}); lock ${file}`,
    fix: `wait for it to finish, or stop it (kill -INT ${holder.pid}); a lock whose process is gone is taken over automatically`,
  });
}

/** `pnpm check` reports errors for a DR pair about to fail over (each finding on a line of its own). */
export function pairNotReady(dr: string, findings: readonly string[]): Issue {
  return issue({
    kind: 'pair-not-ready',
    file: manifestFile(dr),
    path: '',
    message: `pnpm check reports ${findings.length} error(s) for ${dr} and the environment it recovers:\n${findings.join('\n')}`,
    fix: 'fix what pnpm check reports; a failover needs a DR side that can take over',
  });
}

/** Nothing to recover a dr environment from was found in its region (`looked`: what was looked for). */
export function recoveryPointMissing(dr: string, region: string, looked: string): Issue {
  return issue({
    kind: 'recovery-point-missing',
    file: manifestFile(dr),
    path: '',
    message: `nothing to recover ${dr} from in ${region}: looked for ${looked} and found none`,
    fix: 'check that the backup copies (or the replica) reach the DR region: pnpm check shows the mechanism; pnpm drill practises it',
  });
}

/** A failover of a dr environment that has already failed over (restored, or completed). */
export function failoverDone(dr: string, current: { readonly step: string; readonly at?: string }, primaryRegion: string): Issue {
  const already = current.step === 'restore' ? 'is already restored' : 'has already failed over';
  return issue({
    kind: 'failover-done',
    file: manifestFile(dr),
    path: 'failover.step',
    value: current.step,
    message: `${dr} ${already} (failover.step: ${current.step}, ${current.at})`,
    fix: `nothing to fail over; to return to ${primaryRegion}: pnpm failback ${dr}`,
  });
}

/** `pnpm failover --replay` (not a dry run) before the failover was written into the dr manifest. */
export function replayBeforeFailover(dr: string): Issue {
  return issue({
    kind: 'failover',
    file: manifestFile(dr),
    path: 'failover',
    message: `${dr} has not failed over (no failover: section): replaying the archived messages now would feed a standby the primary still serves`,
    fix: `fail over first (pnpm failover ${dr} --aws, then apply it); pnpm failover ${dr} --aws --replay --dry-run counts what would be replayed at any time`,
  });
}

/** `pnpm failover --replay` of a pair whose archives Parity does not replay itself (GCP: Avro files in a bucket). */
export function replayByHand(dr: string, primary: string): Issue {
  return issue({
    kind: 'failover',
    file: 'environments/platform.yaml',
    path: 'bundles.queue.defaults.replay',
    value: 'archive',
    message: `${primary} archives its queues' messages on GCP (Avro files in a bucket in ${dr}'s region); pnpm failover --replay replays AWS archive queues only`,
    fix: `follow the replay step of environments/${dr}/RUNBOOK.md: it lists the gcloud commands that read the archive and publish to ${dr}'s topics`,
  });
}

/** A command that asks before writing has no terminal to ask on. */
export function confirmationNeeded(command: string, file: string): Issue {
  return issue({
    kind: 'confirmation-needed',
    file,
    path: '',
    message: `${command} needs a confirmation, and there is no terminal to ask on`,
    fix: 'run it in a terminal, or pass --yes (automation), or --dry-run to see the change without writing it',
  });
}

/*
 * Files Parity reads from a workspace (issue 25 §1). Every definition, manifest, template, drill
 * report and changeset goes through one guarded reader (`files.ts`), since a file's content can
 * reach a pull-request comment (`pnpm check --markdown`), `--json` and the HTML report. These
 * refusals name the path, never the content.
 */

/** Sizes in bytes as people read them (1 MiB, 512 KiB, 12 B). */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${+(n / (1024 * 1024)).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} B`;
}

/** A file Parity needs is not there. */
export function fileMissing(file: string, what: string, fix = `restore ${file} (git checkout -- ${file})`): Issue {
  return issue({ kind: 'file-missing', file, path: '', message: `the ${what} ${file} does not exist`, fix });
}

/** A file Parity reads is a symbolic link: never followed (it could point at a secret outside the repository). */
export function fileIsLink(file: string, what: string): Issue {
  return issue({
    kind: 'file-link',
    file,
    path: '',
    message: `the ${what} ${file} is a symbolic link; Parity does not follow links out of the files it reads`,
    allowed: 'a regular file inside the workspace',
    fix: `replace the link with the file itself (git rm ${file}, then add a copy)`,
  });
}

/** A file Parity reads resolves outside the workspace (a path with `..`, or a folder on the way is a link). */
export function fileOutside(file: string, what: string, root: string): Issue {
  return issue({
    kind: 'file-outside',
    file,
    path: '',
    message: `the ${what} ${file} resolves outside the workspace ${root}`,
    allowed: 'a regular file inside the workspace, reached without symbolic links',
    fix: 'move the file into the workspace; replace any linked folder on its path with the folder itself',
  });
}

/** A path Parity reads is a directory, a FIFO, a socket or a device: not a regular file. */
export function fileNotRegular(file: string, what: string, type: string): Issue {
  return issue({
    kind: 'file-not-regular',
    file,
    path: '',
    value: type,
    message: `the ${what} ${file} is a ${type}, not a regular file`,
    allowed: 'a regular file',
    fix: `replace ${file} with a regular file`,
  });
}

/** A file Parity reads cannot be opened (permissions, an I/O error). */
export function fileUnreadable(file: string, what: string, code: string): Issue {
  return issue({
    kind: 'file-unreadable',
    file,
    path: '',
    value: code,
    message: `the ${what} ${file} cannot be read (${code})`,
    fix:
      code === 'EACCES' || code === 'EPERM'
        ? `give the user running Parity read access: chmod u+r ${file}`
        : `check the file and the disk it is on`,
  });
}

/** A file over the size Parity reads for its kind: refused from its size, before it is read. */
export function fileTooLarge(file: string, what: string, size: number, limit: number): Issue {
  return issue({
    kind: 'file-too-large',
    file,
    path: '',
    value: formatBytes(size),
    message: `the ${what} ${file} is ${formatBytes(size)}, over the limit of ${formatBytes(limit)} for a ${what}`,
    allowed: `at most ${formatBytes(limit)} (${limit} bytes)`,
    fix: `a ${what} this large is not one Parity wrote or a person reviews: check what was committed as ${file}`,
  });
}

/** A JSON file that does not parse: where, never what (the content is not echoed). */
export function jsonInvalid(file: string, what: string, at: { line?: number; column?: number }): Issue {
  return issue({
    kind: 'json',
    file,
    path: '',
    ...(at.line ? { line: at.line } : {}),
    ...(at.column ? { column: at.column } : {}),
    message: `the ${what} ${file} is not valid JSON${at.line ? ` (line ${at.line}, column ${at.column ?? 1})` : ''}`,
    fix: `restore ${file} from git, or write it again with the command that made it`,
  });
}

/** A YAML file whose top level is not a mapping of fields (a scalar, a list, or empty). */
export function notYamlMapping(file: string, found: string, what = 'manifest'): Issue {
  return issue({
    kind: 'not-a-mapping',
    file,
    path: '',
    message: `the ${what} is not a YAML mapping: its top level is ${found}`,
    allowed: 'a mapping of fields (`name: staging`, `region: us-east-1`, …)',
    fix: `restore ${file} from git, or write it as fields, one \`key: value\` per line`,
  });
}

/** A name (an environment, a bundle, a region, a tier, a key) holding a character outside ASCII, such as U+2010 in `prod‐use1`. */
export function nameCharacter(
  file: string,
  path: string,
  name: string,
  found: { readonly codePoint: string; readonly description: string; readonly position: number },
  at: { line?: number; column?: number } = {},
): Issue {
  return issue({
    kind: 'name-character',
    file,
    path,
    value: name,
    ...(at.line ? { line: at.line } : {}),
    ...(at.column ? { column: at.column } : {}),
    message: `the name ${JSON.stringify(name)} has ${found.codePoint} ${found.description} at position ${found.position}: names are ASCII, and this character only looks like one`,
    allowed: 'ASCII letters, digits, - and _ (the hyphen-minus is U+002D)',
    fix: `retype the name; character ${found.position} is ${found.codePoint}`,
  });
}

/*
 * DR and drill: what stops a step once it runs. A drill records it in its report (the step's
 * error); `pnpm failover` and `pnpm failback` print it as a refusal. Each names the file to look
 * at (a work folder's state or log, the manifest, the definition), what was found and the fix.
 */

/** A drill (or a wait) stopped by a signal or its caller: not a failure of what it practises. */
export function interrupted(by: string): Issue {
  return issue({ kind: 'interrupted', file: '(signal)', path: '', value: by, message: `interrupted by ${by}` });
}

/** The abort reason of a signal or of a caller's abort (`interrupted by SIGINT`), to abort with rather than throw. */
export function interruption(by: string): ParityError {
  return new ParityError([interrupted(by)], `interrupted by ${by}`);
}

/** Whether `e` is an interruption: the drill was stopped, it did not fail. */
export function wasInterrupted(e: unknown): boolean {
  return e instanceof ParityError && e.kinds.includes('interrupted');
}

/** The emulator the drill started died while the drill ran. */
export function emulatorDied(pid: number, how: string, log: string): Issue {
  return issue({
    kind: 'emulator',
    file: log,
    path: '',
    value: pid,
    message: `the emulator (moto_server, pid ${pid}) exited unexpectedly (${how}); see ${log}`,
    fix: 'read its log, then drill again: everything the drill made there went with it',
  });
}

/** The emulator the drill starts did not come up: it exited first, or never answered. */
export function emulatorNotUp(url: string, how: string, log: string): Issue {
  return issue({
    kind: 'emulator',
    file: log,
    path: '',
    value: url,
    message: `moto_server ${how}; see ${log}`,
    fix: "read its log; check that moto_server runs (pip install 'moto[server]'), or point the drill at a running one with --endpoint <url>",
  });
}

/** Nothing answers at the emulator named with --endpoint. */
export function endpointUnreachable(url: string): Issue {
  return issue({
    kind: 'endpoint-unreachable',
    file: 'command line',
    path: '--endpoint',
    value: url,
    message: `nothing answers at ${url}`,
    allowed: 'the URL of a running AWS emulator',
    fix: 'start one (moto_server -H 127.0.0.1 -p <port>, with MOTO_IAM_LOAD_MANAGED_POLICIES=true), or leave out --endpoint to let the drill start its own',
  });
}

/** A terraform run in a drill's work folder exited non-zero; `errors`: its `Error:` diagnostics (the issue's value). */
export function terraformFailed(log: string, command: string, exit: string, errors: readonly string[], fix?: string): Issue {
  return issue({
    kind: 'terraform-failed',
    file: log,
    path: '',
    value: [...errors],
    message: `terraform ${command} failed (${exit})${errors.length ? `: ${errors.join('; ')}` : ''}`,
    fix: fix ?? `read ${log}`,
  });
}

/** A snapshot the failover, failback or drill made did not become available (or the API answered without it). */
export function snapshotUnavailable(id: string, how: string): Issue {
  return issue({
    kind: 'snapshot-unavailable',
    file: '(RDS)',
    path: '',
    value: id,
    message: `snapshot ${id} ${how}`,
    fix: `look at it (aws rds describe-db-snapshots --db-snapshot-identifier ${id}) and at the database it was taken from, then run the command again`,
  });
}

/**
 * A drill step found something other than what its step must leave (the state after an apply,
 * the plan, the manifests, the recovery point): `file` is where to look, `allowed` what it must find.
 */
export function drillOutcome(file: string, message: string, allowed: string, fix: string): Issue {
  return issue({ kind: 'drill-outcome', file, path: '', message, allowed, fix });
}

/**
 * The drill's data plane (real PostgreSQL servers standing in for the databases) could not do what
 * a step asked: a server that would not start, a standby not streaming, nothing to restore. `file`:
 * the log to read.
 */
export function dataPlaneFailed(message: string, file = '(data plane)'): Issue {
  return issue({
    kind: 'data-plane',
    file,
    path: '',
    message,
    fix: `read ${file === '(data plane)' ? "the data plane's logs (the drill's work folder)" : file}; PostgreSQL's server programs must be installed (PARITY_PG_BINDIR names their folder)`,
  });
}

/** The data that came back is not what was committed: a hole, a row never written, a checksum that does not verify. */
export function dataNotIntact(marker: string, message: string, problems: readonly string[]): Issue {
  return issue({
    kind: 'data-not-intact',
    file: '(data plane)',
    path: marker,
    value: [...problems],
    message,
    allowed:
      'every row that came back was written, in order, with its checksum; at most the allowed number of acknowledged commits missing',
    fix: "the recovery lost or damaged data: read the drill report's data section and the data plane logs before trusting this strategy",
  });
}

/**
 * A drill step called a region the drill had lost: the fence refused the request as an outage
 * would, so the step needs the lost region and would fail on the day. `caller` is who made it.
 */
export function regionFenced(
  caller: string,
  request: { readonly region?: string; readonly service?: string; readonly action: string; readonly reason: string },
): Issue {
  const where = request.region ?? 'an unsigned request';
  return issue({
    kind: 'region-fenced',
    file: '(region fence)',
    path: caller,
    value: `${request.service ?? '?'} ${request.action} in ${where}`,
    message: `${caller} called ${request.service ?? '?'} ${request.action} in ${where}, which the drill has lost (${request.reason}): the failover needs the lost region`,
    allowed: 'no request to the lost region after the loss',
    fix: 'a failover step may read only the DR region: move what it reads into the DR side ahead of time (a copy, an alias, a fact in the DR manifest)',
  });
}

/** Checks of what a region must hold after a drill's failover (or failback), made through the API, failed. */
export function verificationFailed(region: string, failed: ReadonlyArray<{ what: string; detail: string }>, total: number): Issue {
  return issue({
    kind: 'drill-verification',
    file: '(AWS API)',
    path: region,
    value: failed.map((f) => f.what),
    message: `${failed.length} of ${total} checks failed: ${failed.map((f) => `${f.what}: ${f.detail}`).join('; ')}`,
    fix: 'the report lists every check; what failed is what the DR region would lack on the day',
  });
}

/** A drill measured an RTO or RPO beyond its policy's target. */
export function targetBreached(policy: string, breaches: readonly string[]): Issue {
  return issue({
    kind: 'drill-target-breached',
    file: 'environments/platform.yaml',
    path: `dr.policies.${policy}`,
    message: breaches.join('; '),
    fix: `a faster strategy for dr.policies.${policy} (pnpm check estimates each), or targets the business accepts`,
  });
}

/*
 * Refusals of the commands outside the DR packages (issue 22 §4): what a user can trigger that
 * used to be a bare `throw new Error(…)` with a stack trace.
 */

/** A command run outside any Parity workspace. */
export function workspaceMissing(from: string, definition: string): Issue {
  return issue({
    kind: 'workspace-missing',
    file: from,
    path: '',
    message: `no Parity workspace at or above ${from}`,
    allowed: `a folder holding pnpm-workspace.yaml and ${definition}, or one below it`,
    fix: 'run the command inside your Parity repository (cd into it), or set PARITY_ROOT=<the repository>',
  });
}

/** `parity init` renames the platform, and the definition has no `platform:` line to rename. */
export function platformLineMissing(definition: string): Issue {
  return issue({
    kind: 'schema',
    file: definition,
    path: 'platform',
    message: `${definition} has no top-level platform: line`,
    allowed: 'platform: <2-12 lower-case letters or digits>, at the start of a line',
    fix: `restore the line (git checkout -- ${definition}), or write platform: <name> at its top level`,
  });
}

/** A flag used in a way the command does not take (a flag with arguments it excludes, a value it cannot use). */
export function flagMisuse(flag: string, value: unknown, message: string, allowed: string, fix: string): Issue {
  return issue({ kind: 'usage', file: '(command line)', path: flag, ...(value !== undefined ? { value } : {}), message, allowed, fix });
}

/**
 * A bundle package that breaks the bundle contract (the `bundle` spec and a `deploy` per cloud, the
 * exports its connections read): found by whoever writes or upgrades a bundle.
 */
export function bundleContract(bundle: string, path: string, message: string, fix: string, file = `bundle ${bundle}`): Issue {
  return issue({ kind: 'bundle-contract', file, path, message, fix });
}

/** A TypeScript file outside the workspace packages, met while the command line runs compiled JavaScript. */
export function moduleUncompiled(file: string, compiledDir: string): Issue {
  return issue({
    kind: 'uncompiled-module',
    file,
    path: '',
    message: `${file} is TypeScript that the command line has not compiled: it compiles the packages pnpm-workspace.yaml lists (into ${compiledDir}/), and this file is in none of them`,
    fix: 'make its package a workspace package (pnpm-workspace.yaml), or install a published (JavaScript) version of it',
  });
}

/** Shortened output of a program, for a refusal: its last lines. */
function tail(output: string, lines = 15): string {
  return output.trim().split('\n').slice(-lines).join('\n');
}

/** A program Parity runs (git, pnpm, changeset, a generator step) exited non-zero. */
export function commandFailed(
  command: string,
  cwd: string,
  how: string,
  output: string,
  fix = 'fix what it printed above, then run again',
): Issue {
  const said = tail(output);
  return issue({
    kind: 'command-failed',
    file: cwd,
    path: '',
    value: command,
    message: `${command} failed with ${how}${said ? `:\n${said}` : ''}`,
    fix,
  });
}

/** A Terraform step Parity runs for the user (`init`, `providers schema`, `validate`) failed. */
export function terraformStepFailed(step: string, dir: string, output: string): Issue {
  const fix: Record<string, string> = {
    init: 'check the provider mirror (pnpm validate --plugin-dir <dir>, or PARITY_TF_PLUGIN_DIR) and that terraform runs: terraform version',
    'providers schema': 'run terraform init in that folder again; remove its .terraform folder if it was interrupted',
    validate: 'run terraform validate in that folder to see the whole output',
  };
  return issue({
    kind: 'terraform-failed',
    file: dir,
    path: '',
    value: `terraform ${step}`,
    message: `terraform ${step} failed in ${dir}${output.trim() ? `:\n${tail(output)}` : ''}`,
    fix: fix[step] ?? 'run the same terraform command in that folder to see the whole output',
  });
}

/** The local registry (Verdaccio) did not come up: it exited, or did not answer in time. */
export function registryNotStarted(config: string, url: string, why: string, output: string): Issue {
  return issue({
    kind: 'registry',
    file: config,
    path: 'listen',
    value: url,
    message: `Verdaccio ${why} at ${url}${output.trim() ? `:\n${tail(output)}` : ''}`,
    fix: 'read its log above (a bad registry/config.yaml, a storage folder it cannot write); pnpm registry runs it in the foreground',
  });
}

/** A step of `pnpm release` (changeset version, the build, a publish) failed for a reason that is not the registry's. */
export function releaseStepFailed(step: string, output: string, fix: string): Issue {
  return issue({ kind: 'release-step', file: '.changeset', path: '', value: step, message: `${step} failed:\n${tail(output)}`, fix });
}

/*
 * Cloud and network failures as refusals with a fix (issue 25 §2), made by the one mapper in
 * cloud-errors.ts from whatever the AWS SDK, fetch or npm reported. `file` is the service or the
 * endpoint, `path` the operation, `value` the error code.
 */

/** What the mapper knows about the call that failed, for the messages and fixes below. */
export interface CloudCall {
  /** The service called, as a person names it: `AWS`, `the registry`. */
  readonly service: string;
  /** Its URL when it is not the cloud's own endpoint (an emulator, a registry). */
  readonly endpoint?: string;
  /** The operation, when the error does not say it (rds:DescribeDBSnapshots, npm publish). */
  readonly operation?: string;
  /** The identity that should have access: the role the runbook names, or a CI role. */
  readonly role?: string;
  /** The AWS profile in use (AWS_PROFILE), for the login command. */
  readonly profile?: string;
  /** How to bring the service up or point at another one, when it does not answer (`pnpm registry`; `moto_server …`). */
  readonly hint?: string;
}

function where(call: CloudCall): string {
  return call.endpoint ?? call.service;
}

/** No usable credentials: none found, expired, or not valid for the account. */
export function cloudCredentials(call: CloudCall, code: string, detail: string, expired: boolean): Issue {
  const aws = call.service === 'AWS';
  const profile = call.profile ? ` --profile ${call.profile}` : '';
  const fix = aws
    ? `${expired ? 'your session expired: ' : ''}run aws sso login${profile} (or export AWS_PROFILE=<a profile with access to the account>)${call.role ? `, with a profile that assumes ${call.role}` : ''}; in CI, the workflow assumes ${call.role ?? "the environment's CI role"} through OIDC`
    : `log in once with \`npm adduser --registry ${call.endpoint ?? '<registry>'}\`, or set PARITY_REGISTRY_TOKEN to a token for it`;
  return issue({
    kind: 'cloud-credentials',
    file: where(call),
    path: call.operation ?? '',
    value: code,
    message: `${expired ? 'the credentials for' : 'no usable credentials for'} ${call.service}${call.operation ? ` (${call.operation})` : ''}: ${detail}`,
    allowed: aws
      ? `credentials from AWS_PROFILE (an SSO profile), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or an assumed role${call.role ? ` (${call.role})` : ''}`
      : 'a login or a token for the registry',
    fix,
  });
}

/** The service does not answer at its address (connection refused, no such host, a timeout). */
export function cloudUnreachable(call: CloudCall, code: string, url: string | undefined): Issue {
  const target = url ?? call.endpoint ?? call.service;
  const check: Record<string, string> = {
    ECONNREFUSED: `nothing listens at ${target}: check the URL and the port`,
    ENOTFOUND: `the host of ${target} does not resolve: check the URL, the region name, DNS and any VPN`,
    EAI_AGAIN: `the host of ${target} could not be resolved right now: check DNS and the network, then run again`,
    ETIMEDOUT: `no answer from ${target} in time: check the network, a proxy (HTTPS_PROXY), a firewall, and the provider's status page`,
    TimeoutError: `no answer from ${target} in time: check the network, a proxy (HTTPS_PROXY), a firewall, and the provider's status page`,
  };
  const what = check[code] ?? `${target} dropped the connection (${code}): check the network between here and it, then run again`;
  return issue({
    kind: 'cloud-unreachable',
    file: where(call),
    path: call.operation ?? '',
    value: code,
    message: `cannot reach ${call.service} at ${target}${call.operation ? ` for ${call.operation}` : ''} (${code})`,
    fix: call.hint ? `${what}; ${call.hint}` : what,
  });
}

/** The credentials work, and the identity may not do this action on this resource. */
export function cloudDenied(
  call: CloudCall,
  code: string,
  action: string | undefined,
  resource: string | undefined,
  principal: string | undefined,
): Issue {
  const act = action ?? call.operation ?? 'the action';
  return issue({
    kind: 'cloud-denied',
    file: where(call),
    path: act,
    value: code,
    message: `${principal ?? 'the identity in use'} may not ${act}${resource ? ` on ${resource}` : ''} (${code})`,
    allowed: `an identity whose policy allows ${act}${resource ? ` on ${resource}` : ''}`,
    fix: call.role
      ? `grant ${act}${resource ? ` on ${resource}` : ''} to ${call.role} (the role the runbook names; in CI the bootstrap stack creates it: pnpm synth --bootstrap), or run as that role`
      : `grant ${act}${resource ? ` on ${resource}` : ''} to the identity in use, or run as one that has it`,
  });
}

/** The service kept throttling the call, after retries with backoff. */
export function cloudThrottled(call: CloudCall, code: string, attempts: number | undefined): Issue {
  return issue({
    kind: 'cloud-throttled',
    file: where(call),
    path: call.operation ?? '',
    value: code,
    message: `${call.service} throttled ${call.operation ?? 'the call'}${attempts ? ` ${attempts} times, with backoff between attempts` : ''} (${code})`,
    fix: 'run again in a few minutes; if it persists, ask for a higher quota for the API (Service Quotas) or run fewer commands against the account at once',
  });
}

/*
 * The GCP path of pnpm failover and pnpm failback (issue 25 §5): the target a pair's cloud takes,
 * the credentials Google's client libraries read, a Cloud SQL operation that failed.
 */

/** `--aws` for a GCP pair, `--gcp` for an AWS one, or a pair whose strategy has no implementation on its cloud. */
export function targetCloud(env: string, cloud: string, given: string, command: string, allowed: string): Issue {
  return issue({
    kind: 'target-cloud',
    file: manifestFile(env),
    path: 'cloud',
    value: given,
    message: `${env} is on ${cloud}: pnpm ${command} ${given} does not reach it`,
    allowed,
    fix: `pnpm ${command} ${env} ${allowed.split(',')[0]}`,
  });
}

/** No usable Google credentials (Application Default Credentials): none found, expired, or not valid. */
export function gcpCredentials(call: CloudCall, code: string, detail: string): Issue {
  return issue({
    kind: 'cloud-credentials',
    file: call.endpoint ?? call.service,
    path: call.operation ?? '',
    value: code,
    message: `no usable credentials for ${call.service}${call.operation ? ` (${call.operation})` : ''}: ${detail}`,
    allowed:
      'Application Default Credentials: gcloud auth application-default login, GOOGLE_APPLICATION_CREDENTIALS, or workload identity in CI',
    fix: `run gcloud auth application-default login (or export GOOGLE_APPLICATION_CREDENTIALS=<a key file of an identity with access>)${call.role ? `, as ${call.role}` : ''}; in CI, the workflow authenticates through workload identity federation`,
  });
}

/** A Cloud SQL operation (promoteReplica, …) ended with an error, or did not end in time. */
export function operationFailed(operation: string, instance: string, name: string, detail: string): Issue {
  return issue({
    kind: 'cloud-operation',
    file: instance,
    path: operation,
    value: name,
    message: `${operation} of ${instance} (operation ${name || 'unnamed'}) failed: ${detail}`,
    fix: `read it with gcloud sql operations describe ${name || '(the operation)'}, fix what it names, then run the command again: it reads the instance first and does not promote twice`,
  });
}

/** A GCP pair whose strategy `pnpm failover` and `pnpm failback` do not run on GCP (backup & restore: no Cloud SQL restore yet). */
export function gcpStrategyUnsupported(env: string, strategy: string, command: string, runs: readonly string[]): Issue {
  return issue({
    kind: 'cloud-unsupported',
    file: manifestFile(env),
    path: 'dr.strategy',
    value: strategy,
    message: `${env} is on gcp under ${strategy}: pnpm ${command} runs GCP pairs under ${runs.join(' and ')} only (Cloud SQL Admin promotes a replica; restoring a Cloud SQL backup is not implemented)`,
    allowed: runs.join(', '),
    fix: `restore the instance from its backup in the DR region with gcloud sql backups restore (docs/failover-failback.md), or give the pair a replica strategy (environments/platform.yaml dr.policies)`,
  });
}

/** `pnpm failover` or `pnpm failback` without a target, or with more than one. */
export function cloudTargetNeeded(command: string, given: readonly string[]): Issue {
  return issue({
    kind: given.length > 1 ? 'target-conflict' : 'target-missing',
    file: 'command line',
    path: '--aws/--gcp/--endpoint',
    ...(given.length ? { value: given.join(' ') } : {}),
    message:
      given.length > 1 ? `${given.join(' and ')} exclude each other` : `a ${command} needs a target: --aws, --gcp or --endpoint <url>`,
    allowed:
      "--aws (an AWS pair, the ambient credentials), --gcp (a GCP pair, Google's Application Default Credentials), --endpoint <url> (moto, or an endpoint answering as Cloud SQL Admin does)",
    fix: `pnpm ${command} <dr-env> with the flag of the pair's cloud: --aws or --gcp`,
  });
}

/*
 * Preview environments (`pnpm preview`): ephemeral, derived from a base environment, never
 * committed. What they may not be, and what may not be made of them.
 */

/** Where a preview's record lives (gitignored), relative to the workspace root. */
export function previewRecordFile(name: string): string {
  return `environments/${name}/preview.yaml`;
}

/** A preview id that cannot become part of every resource's name. */
export function previewIdInvalid(id: string, max: number): Issue {
  return issue({
    kind: 'preview-id',
    file: '(command line)',
    path: 'id',
    value: id,
    message: `"${id}" cannot name a preview: it becomes part of every resource's name`,
    allowed: `1-${max} lower-case letters, digits and single hyphens, starting and ending with a letter or digit (e.g. pr-1234)`,
    fix: 'name it after the pull request: pnpm preview pr-<number>',
  });
}

/** A preview asked of a base it cannot derive from: a dr environment (or another preview). */
export function previewBaseInvalid(
  where: { file: string; path: string; line?: number },
  base: string,
  role: string,
  bases: readonly string[],
  wanted = 'a staging or production environment',
): Issue {
  return issue({
    kind: 'preview-base',
    ...where,
    value: base,
    message: `${base} is a ${role} environment: a preview derives from ${wanted}`,
    allowed: bases.join(', ') || `(no ${wanted.replace(/^an? /, '')} yet)`,
    fix:
      where.path === 'previews.from'
        ? "name one of those: CI's preview identity acts in that environment's account or project"
        : 'name one of those with --from (a dr environment is previewed by previewing the production environment it recovers)',
  });
}

/** A preview whose base environment does not exist (removed, or renamed, since the preview was made). */
export function previewBaseMissing(
  where: { file: string; path: string; line?: number },
  base: string,
  bases: readonly string[],
  id?: string,
): Issue {
  return issue({
    kind: 'preview-base',
    ...where,
    value: base,
    message: `environment "${base}" does not exist: a preview derives from an environment of the workspace`,
    allowed: bases.join(', ') || '(no staging or production environment yet)',
    fix: id
      ? `derive it again from an existing one (pnpm preview ${id} --from <env>), or remove it (pnpm preview ${id} --remove)`
      : 'name one of those with --from',
  });
}

/** --cloud names another cloud than the base runs on: the preview's state lives in the base's bucket. */
export function previewCloudMismatch(base: string, baseCloud: string, cloud: string): Issue {
  return issue({
    kind: 'preview-base',
    file: '(command line)',
    path: '--cloud',
    value: cloud,
    message: `${base} runs on ${baseCloud}: a preview runs on its base's cloud (its state lives in the base's state bucket)`,
    allowed: baseCloud,
    fix: `drop --cloud, or derive from a ${cloud} environment with --from`,
  });
}

/** A preview TTL that is not whole hours or days within the bounds. */
export function previewTtlInvalid(where: { file: string; path: string; line?: number }, value: string, maxHours: number): Issue {
  return issue({
    kind: 'preview-ttl',
    ...where,
    value,
    message: `"${value}" is not a preview lifetime`,
    allowed: `whole hours or days, from 1h to ${maxHours / 24}d (e.g. 72h, 3d)`,
    fix: '--ttl 72h',
  });
}

/** A preview's record (environments/<preview>/preview.yaml) that cannot be read. */
export function previewRecordBroken(name: string, message: string): Issue {
  return issue({
    kind: 'preview-record',
    file: previewRecordFile(name),
    path: '',
    message: `the preview ${name} cannot be read: ${message}`,
    fix: `make it again (pnpm preview ${name.replace(/^preview-/, '')} --from <env>), or remove it (pnpm preview ${name.replace(/^preview-/, '')} --remove)`,
  });
}

/** A dr environment names a preview as the environment it recovers. */
export function previewNotRecoverable(where: { file: string; path: string; line?: number }, preview: string, base: string): Issue {
  return issue({
    kind: 'preview-recovers',
    ...where,
    value: preview,
    message: `${preview} is a preview: ephemeral, destroyed when its pull request closes or it expires, so nothing recovers it`,
    allowed: 'a production environment',
    fix: `name the production environment to recover (a preview of ${base} shares its definition, not its data)`,
  });
}

/** `pnpm promote … --to <preview>`: a preview runs its base's versions. */
export function previewNotPromotable(preview: string, base: string, id: string): Issue {
  return issue({
    kind: 'preview-promote',
    file: previewRecordFile(preview),
    path: 'from',
    value: preview,
    message: `${preview} is a preview: it runs the bundle versions of ${base}, its base, and has no manifest to pin`,
    allowed: 'a staging, production or dr environment',
    fix: `promote ${base} (pnpm promote <bundle> --to ${base}), then derive the preview again (pnpm preview ${id} --from ${base})`,
  });
}

/** A preview restored from a snapshot of a production (or dr) environment: it would hold production data. */
export function previewProductionData(
  where: { file: string; path: string; line?: number },
  preview: string,
  snapshot: string,
  owner: { readonly name: string; readonly role: string },
): Issue {
  return issue({
    kind: 'preview-production-data',
    ...where,
    value: snapshot,
    message: `${preview} would be restored from ${snapshot}, a snapshot of ${owner.name} (${owner.role}): a preview may not hold production data`,
    allowed: 'no restoreFromSnapshot (a new, empty database), or a snapshot of a staging environment',
    fix: `remove database.restoreFromSnapshot from what the preview inherits (its base's overrides or tiers.<preview tier>), or seed it from a staging snapshot`,
  });
}
