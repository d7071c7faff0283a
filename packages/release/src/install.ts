/**
 * Installing a pinned bundle version from the registry into the bundle cache, with npm: the
 * `PinInstaller` that commands hand to `loadWorkspace` (the model itself never runs npm).
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { moveIntoPlace, type ProcessResult, tempPath } from '@parity/io';
import { cloudRefusal, type PinInstaller, type PinnedLoad, readWorkspaceFileIfExists } from '@parity/model';
import { npmErrorCode, npmErrorText, npmRefusal, registryCall, registryFor, runNpm } from './npm.js';

/** The npm error code of `npm view <pkg>@<version>` with an empty cache (undefined: it answered). */
async function uncachedErrorCode(pkg: string, version: string, cwd: string): Promise<string | undefined> {
  const cache = mkdtempSync(join(tmpdir(), 'parity-npm-cache-'));
  try {
    const r = await runNpm(
      ['view', `${pkg}@${version}`, 'version', '--json', '--cache', cache, '--fetch-retries=0', '--fetch-timeout=30000'],
      cwd,
    );
    return r.code === 0 ? undefined : npmErrorCode(r);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
}

/** Install `pkg@version` from the registry into `abs`, atomically. Returns why it failed, if it did. */
async function installPinned(root: string, pkg: string, version: string, abs: string): Promise<PinnedLoad | undefined> {
  const tmp = tempPath(abs);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const manifest = {
      name: 'parity-pinned-bundle',
      private: true,
      description: `${pkg}@${version}, pinned by an environment; installed by Parity`,
      dependencies: { [pkg]: version },
    };
    writeFileSync(join(tmp, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    // the workspace's npm settings (the @parity registry) apply here too
    const npmrc = readWorkspaceFileIfExists(root, '.npmrc', { kind: 'config', what: '.npmrc' });
    if (npmrc !== undefined) writeFileSync(join(tmp, '.npmrc'), npmrc);
    const r = await runNpm(
      [
        'install',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--legacy-peer-deps',
        '--prefer-online',
        '--fetch-retries=0',
        '--fetch-timeout=60000',
        '--loglevel=error',
      ],
      tmp,
    );
    if (r.code !== 0) return await installFailure(r, pkg, version, tmp);
    rmSync(join(tmp, '.npmrc'), { force: true });
    try {
      moveIntoPlace(tmp, abs);
    } catch (e) {
      // another process installed it meanwhile
      if (!existsSync(join(abs, 'node_modules', pkg, 'package.json'))) throw e;
    }
    return undefined;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Why `npm install` failed, as a PinnedLoad failure naming the registry and the fix. */
async function installFailure(r: ProcessResult, pkg: string, version: string, tmp: string): Promise<PinnedLoad> {
  const code = npmErrorCode(r);
  const registry = await registryFor(pkg, tmp);
  const what = `installing ${pkg}@${version}`;
  // npm answers from its cache when the registry is down: ask again without it
  const fresh = code === 'E404' || code === 'ETARGET' ? await uncachedErrorCode(pkg, version, tmp) : undefined;
  const refusal =
    fresh && fresh !== 'E404' && fresh !== 'ETARGET'
      ? cloudRefusal({ code: fresh }, registryCall(registry, what))
      : npmRefusal(r, registry, what);
  if (refusal)
    return { ok: false, message: refusal.message, fix: refusal.fix ?? '', ...(refusal.allowed ? { allowed: refusal.allowed } : {}) };
  if (code === 'E404' || code === 'ETARGET') {
    return {
      ok: false,
      message: `${pkg}@${version} is not published to the registry ${registry}`,
      allowed: `a published version (npm view ${pkg} versions)`,
      fix: 'publish it with `pnpm release`, or pin a published version (`pnpm promote <bundle> --to <env>` picks the newest)',
    };
  }
  return {
    ok: false,
    message: `installing ${pkg}@${version} from ${registry} failed${code ? ` (${code})` : ''}: ${npmErrorText(r)}`,
    fix: 'fix the problem npm reports and run the command again',
  };
}

/** Installs pinned versions with npm from the registry `.npmrc` names for their scope. */
export const npmInstaller: PinInstaller = { install: installPinned };
