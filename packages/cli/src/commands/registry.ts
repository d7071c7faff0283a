/**
 * `pnpm registry`: the internal registry (Verdaccio, registry/config.yaml) on loopback, in the
 * foreground, until Ctrl-C. Packages and users live in .parity/registry (gitignored).
 */
import { relative } from 'node:path';
import pc from 'picocolors';
import { findRoot } from '@parity/model';
import { DEFAULT_HOST, DEFAULT_PORT, REGISTRY_CONFIG, REGISTRY_STATE, startRegistry } from '@parity/release';

export interface RegistryFlags {
  port?: number;
  host?: string;
  storage?: string;
}

export async function registry(flags: RegistryFlags, root = findRoot()): Promise<void> {
  const host = flags.host ?? DEFAULT_HOST;
  const port = flags.port ?? DEFAULT_PORT;
  const reg = await startRegistry({ root, host, port, stdio: 'inherit', ...(flags.storage ? { stateDir: flags.storage } : {}) });
  const say = (s: string) => process.stdout.write(`${s}\n`);
  say(
    `${pc.green('✔')} registry at ${pc.bold(reg.url)} (${REGISTRY_CONFIG}; data in ${flags.storage ? relative(root, flags.storage) || '.' : REGISTRY_STATE})`,
  );
  if (port !== DEFAULT_PORT || host !== DEFAULT_HOST) say(pc.yellow(`  set @parity:registry=${reg.url} in .npmrc to use it`));
  say(pc.dim(`  once:    npm adduser --registry ${reg.url}   (creates a user; its token goes to ~/.npmrc)`));
  say(pc.dim('  then:    pnpm release                  (publishes the bundles; another terminal)'));
  say(pc.dim('  stop:    Ctrl-C'));
  const stop = () => void reg.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const code = await reg.exited;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (code !== 0 && code !== 128 && code !== 130 && code !== 143) process.exitCode = code;
}
