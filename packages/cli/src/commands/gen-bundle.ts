/**
 * `pnpm gen bundle <name>`: write a new bundle from templates/bundle, then make it usable at once:
 * `pnpm install` (links it into the workspace), `pnpm schemas` (the definition's and manifest's
 * schemas now know it), the dr environments' runbooks (`pnpm gen runbook`: a stateful bundle adds to
 * what each pair protects), and its first reviewed snapshots. `--no-install` stops after writing.
 */
import { join } from 'node:path';
import pc from 'picocolors';
import { planBundle, writeBundle } from '@parity/generator';
import { issue, loadWorkspace, ParityError, type Cloud } from '@parity/model';
import { failOnErrors } from '../report.js';
import { runChecked } from '@parity/io';

export interface GenBundleFlags {
  clouds?: string;
  stateful?: boolean;
  connects?: string;
  install?: boolean;
}

/** What `gen bundle` leaves to do by hand (also in docs/bundles.md, "Add a bundle"). */
export const BY_HAND = [
  'write the real resources in src/aws.ts and src/gcp.ts (the scaffold has a first, secure one) and their exports in src/index.ts',
  'replace the example parameter with the bundle’s own, then `pnpm schemas`',
  'say in the changeset what the first release brings',
] as const;

function parseClouds(text: string | undefined): Cloud[] | undefined {
  if (text === undefined) return undefined;
  const clouds = text
    .split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const bad = clouds.filter((c) => c !== 'aws' && c !== 'gcp');
  if (bad.length > 0 || clouds.length === 0) {
    throw new ParityError(
      [
        issue({
          kind: 'bundle-cloud',
          file: '(command line)',
          path: '--clouds',
          value: text,
          message: 'unknown cloud',
          allowed: 'aws, gcp, or aws,gcp',
          fix: '--clouds aws,gcp',
        }),
      ],
      'cannot generate the bundle',
    );
  }
  return clouds as Cloud[];
}

export async function genBundle(name: string, flags: GenBundleFlags, root?: string): Promise<void> {
  const ws = await loadWorkspace(root);
  const connects = flags.connects
    ?.split(',')
    .map((c) => c.trim())
    .filter(Boolean);
  const { plan, issues } = planBundle(ws, name, { clouds: parseClouds(flags.clouds), stateful: flags.stateful, connects });
  if (!plan) {
    failOnErrors(issues, `cannot generate bundle ${name}`);
    return;
  }
  failOnErrors(issues, `cannot generate bundle ${name}`);
  for (const f of writeBundle(ws.root, plan)) process.stdout.write(`  wrote ${f}\n`);
  if (flags.install !== false) {
    process.stdout.write(`${pc.dim('pnpm install')}\n`);
    const bin = join(ws.root, 'packages', 'cli', 'bin', 'parity.js');
    await runChecked('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile'], { cwd: ws.root, echo: true });
    await runChecked(process.execPath, [bin, 'schemas'], { cwd: ws.root, echo: true });
    // every dr environment's runbook lists what its pair protects: a stateful bundle adds to it
    await runChecked(process.execPath, [bin, 'gen', 'runbook'], { cwd: ws.root, echo: true });
    await runChecked('pnpm', ['exec', 'vitest', 'run', 'src/snapshot.test.ts', '--update'], { cwd: join(ws.root, 'bundles', name) });
    process.stdout.write(`  wrote bundles/${name}/src/__snapshots__ (review them)\n`);
  }
  process.stdout.write(`${pc.green('✔')} bundle ${pc.bold(name)} (${plan.view.pkg}) in every environment of the definition\n`);
  process.stdout.write(`\nNext: ${pc.cyan('pnpm test')} passes as it is. Then, by hand:\n${BY_HAND.map((s) => `  - ${s}\n`).join('')}`);
}
