/**
 * The bundle registry lost with the region: on the day the internal registry (and anything else
 * hosted in the lost region) is gone, so from the loss on the drill points npm's registries (the
 * default and each scope `.npmrc` names) at a loopback port nothing listens on, for itself and
 * every process it starts. The failover must then load every pinned bundle from what is installed
 * (the lockfile's packages and the bundle cache); a step that needs the registry fails.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@parity/io';

/** The npm settings that name a registry: the default, and each scope's in the workspace's `.npmrc`. */
export function registryKeys(npmrc: string): string[] {
  const scopes = [...npmrc.matchAll(/^\s*(@[\w.-]+):registry\s*=/gm)].map((m) => `npm_config_${m[1]}:registry`);
  return ['npm_config_registry', ...new Set(scopes)];
}

/** Stop the registry for this process and its children; returns what was done and how to undo it. */
export async function stopRegistry(root: string): Promise<{ text: string; restore: () => void }> {
  const file = join(root, '.npmrc');
  const keys = registryKeys(existsSync(file) ? readFileSync(file, 'utf8') : '');
  const closed = `http://127.0.0.1:${await freePort()}/`;
  const before = new Map(keys.map((k) => [k, process.env[k]]));
  for (const k of keys) process.env[k] = closed;
  const names = keys.map((k) => k.replace('npm_config_', '')).join(', ');
  return {
    text: `the bundle registry stopped: npm's ${names} point at ${closed} (nothing listens) for the drill and its children`,
    restore() {
      for (const [k, v] of before) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}
