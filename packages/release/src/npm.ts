/**
 * The few things Parity asks npm (so that .npmrc, ~/.npmrc, tokens and company registries all work
 * as they do for npm itself): run it, read its error code and text, and which registry it uses.
 */
import { type ProcessResult, runProcess } from '@parity/io';
import { type BackoffOptions, type CloudCall, cloudRefusal, type Issue, ParityError, retryThrottled } from '@parity/model';

/** Run npm (its own config: the project .npmrc in `cwd`, the user's ~/.npmrc, the environment). */
export function runNpm(args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  return runProcess(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, {
    cwd,
    env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...env },
    missingFix: 'install Node.js with npm',
  });
}
/** The npm error code (E404, ECONNREFUSED, ...) in npm's output, if any. */
export function npmErrorCode(r: Pick<ProcessResult, 'stderr' | 'stdout'>): string | undefined {
  return /npm (?:ERR!|error) code (\w+)/.exec(r.stderr)?.[1] ?? /"code":\s*"(\w+)"/.exec(r.stdout)?.[1];
}

/** npm's own explanation, without its log-file boilerplate. */
export function npmErrorText(r: Pick<ProcessResult, 'stderr'>): string {
  const lines = r.stderr
    .split('\n')
    .map((l) => l.replace(/^npm (?:ERR!|error)\s?/, '').trim())
    .filter((l) => l && !/^(code |errno |syscall |A complete log|Log files|\/|[0-9]+ verbose)/.test(l) && !l.startsWith('npm warn'));
  return lines.slice(0, 3).join(' ') || 'npm failed';
}

/** The registry as a service the cloud error mapper names: its URL, and what was asked of it. */
export function registryCall(registry: string, operation: string): CloudCall {
  return {
    service: 'the registry',
    endpoint: registry,
    operation,
    hint: 'start the internal registry with `pnpm registry` (in another terminal), or point @parity:registry in .npmrc at your registry',
  };
}

/**
 * npm's failure through the one cloud error mapper (`@parity/model` cloud-errors.ts): the
 * registry unreachable, a login needed (E401, ENEEDAUTH), refused (E403), throttled (E429).
 * Undefined for npm's other answers (E404, ETARGET: the caller says what they mean).
 */
export function npmRefusal(r: NpmResult, registry: string, operation: string): Issue | undefined {
  const code = npmErrorCode(r);
  const metadata = r.attempts ? { $metadata: { attempts: r.attempts } } : {};
  return code ? cloudRefusal({ code, message: npmErrorText(r), ...metadata }, registryCall(registry, operation)) : undefined;
}

/** npm's answer, and how many times it was asked (more than once when the registry throttled). */
export type NpmResult = Pick<ProcessResult, 'stderr' | 'stdout'> & { readonly attempts?: number };

/** npm's refusal as a ParityError, headed by what could not be done. */
export function npmRefused(issue: Issue): ParityError {
  return new ParityError([issue], issue.message.split('\n')[0]);
}

/**
 * Run npm, asking again with backoff (`retryThrottled`) while the registry throttles it (E429).
 * Returns npm's last answer with the number of attempts; `npmRefusal` makes a throttled one the
 * refusal naming them.
 */
export async function runNpmRetrying(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = {},
  backoff: BackoffOptions = {},
): Promise<ProcessResult & { attempts: number }> {
  let last: ProcessResult | undefined;
  let attempts = 0;
  try {
    return await retryThrottled(
      { service: 'the registry' },
      async () => {
        attempts++;
        last = await runNpm(args, cwd, env);
        if (npmErrorCode(last) === 'E429') throw Object.assign(new Error(npmErrorText(last)), { code: 'E429' });
        return { ...last, attempts };
      },
      backoff,
    );
  } catch (e) {
    if (last && npmErrorCode(last) === 'E429') return { ...last, attempts };
    throw e;
  }
}

/** The registry npm uses for a package (its scope's registry, else the default one), seen from `cwd`. */
export async function registryFor(pkg: string, cwd: string): Promise<string> {
  const scope = pkg.startsWith('@') ? pkg.split('/')[0] : undefined;
  if (scope) {
    const r = await runNpm(['config', 'get', `${scope}:registry`], cwd);
    const v = r.stdout.trim();
    if (r.code === 0 && v && v !== 'undefined' && v !== 'null') return v;
  }
  const r = await runNpm(['config', 'get', 'registry'], cwd);
  return r.stdout.trim() || 'https://registry.npmjs.org/';
}
