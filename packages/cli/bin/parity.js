#!/usr/bin/env node
// @ts-check
/**
 * The `parity` command line on plain node. The workspace's TypeScript is compiled (only what
 * changed since the last run, see compile.js) and the compiled command line is run in this same
 * process. `pnpm gen`, `pnpm synth`, … all come here. PARITY_DEBUG=1 maps stack traces back to
 * the TypeScript sources.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { COMPILED_DIR, ensureCompiled } from './compile.js';

const cli = join(dirname(fileURLToPath(import.meta.url)), '..');
let root = cli;
while (!existsSync(join(root, 'pnpm-workspace.yaml'))) {
  const up = dirname(root);
  if (up === root) {
    process.stderr.write(`parity: no pnpm-workspace.yaml at or above ${cli}: the command line runs from inside its workspace\n`);
    process.exit(2);
  }
  root = up;
}
if (process.env.PARITY_DEBUG) process.setSourceMapsEnabled(true);
try {
  await ensureCompiled(root);
} catch (e) {
  process.stderr.write(
    `parity: cannot compile the workspace's TypeScript to JavaScript:\n${e instanceof Error ? e.message : String(e)}\nfix the file named above (\`pnpm typecheck\` shows more), then run the command again\n`,
  );
  process.exit(2);
}
const { main } = /** @type {{ main(argv: string[]): Promise<number> }} */ (
  await import(pathToFileURL(join(cli, COMPILED_DIR, 'main.js')).href)
);
process.exitCode = await main(process.argv);
