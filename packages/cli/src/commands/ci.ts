import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pc from 'picocolors';
import { ciView, renderWorkflows } from '../ci.js';
import { resolveOrFail } from './synth.js';

/** Write .github/workflows/parity-*.yml from templates/ci, or (`--check`) fail when one is stale. */
export async function genCi(flags: { check?: boolean }, root?: string): Promise<void> {
  const { root: r, envs } = await resolveOrFail([], root);
  const pnpmVersion = (JSON.parse(readFileSync(join(r, 'package.json'), 'utf8')) as { packageManager: string }).packageManager.split(
    '@',
  )[1]!;
  const files = renderWorkflows(r, ciView({ pnpmVersion, clouds: new Set(envs.map((e) => e.cloud)) }));
  const stale: string[] = [];
  for (const [file, content] of files) {
    const path = join(r, file);
    if (existsSync(path) && readFileSync(path, 'utf8') === content) continue;
    if (flags.check) {
      stale.push(file);
      continue;
    }
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, content);
    renameSync(tmp, path);
    process.stdout.write(`${pc.green('✔')} wrote ${file}\n`);
  }
  if (stale.length > 0) throw new Error(`workflows are stale: ${stale.join(', ')}. Fix: run pnpm gen ci and commit the result.`);
  process.stdout.write(`${pc.green('✔')} ${files.size} workflows ${flags.check ? 'up to date' : 'current'}\n`);
}
