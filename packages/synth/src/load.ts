import { createRequire } from 'node:module';
import { join } from 'node:path';
import { bundleContract, type Cloud, importFile, refuseOne, type ResolvedEnvironment } from '@parity/model';
import type { DeployFn, Implementations } from './stack.js';

const modules = new Map<string, Promise<DeployFn>>();

/**
 * Import `<package>/<cloud>` once per process and return its `deploy`: the workspace's copy, or,
 * for a pinned version, the published package installed under `pinnedDir` (relative to root).
 */
export function loadDeploy(root: string, pkg: string, cloud: Cloud, pinnedDir?: string): Promise<DeployFn> {
  const key = `${root}|${pinnedDir ?? ''}|${pkg}|${cloud}`;
  let p = modules.get(key);
  if (!p) {
    p = (async () => {
      const require = createRequire(join(root, pinnedDir ?? '', 'package.json'));
      const file = require.resolve(`${pkg}/${cloud}`);
      const mod = await importFile<{ deploy?: DeployFn }>(file);
      if (typeof mod.deploy !== 'function') {
        const fix = `export it from ${pkg}/${cloud}: export function deploy(ctx: DeployContext<Params>) { … }`;
        refuseOne(bundleContract(pkg, `exports./${cloud}`, `${pkg}/${cloud} (${file}) does not export a deploy function`, fix, file));
      }
      return mod.deploy;
    })();
    modules.set(key, p);
  }
  return p;
}

/** The implementations an environment needs, by bundle name. */
export async function loadImplementations(root: string, env: ResolvedEnvironment): Promise<Implementations> {
  const entries = await Promise.all(
    env.bundles.map(async (b) => [b.name, await loadDeploy(root, b.package, env.cloud, b.pinned?.dir)] as const),
  );
  return new Map(entries);
}
