/**
 * The few things Parity asks npm (so that .npmrc, ~/.npmrc, tokens and company registries all work
 * as they do for npm itself): run it, read its error code and text, and which registry it uses.
 */
import { type ProcessResult, runProcess } from '@parity/io';

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

/** Errors that mean the registry could not be reached at all. */
export const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ESOCKETTIMEDOUT',
  'FETCH_ERROR',
]);

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
