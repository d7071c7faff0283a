import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@parity/io';
import { holdsExactly, isPreview, readWorkspaceJson, refuse, workflowsStale } from '@parity/model';
import pc from 'picocolors';
import { ciView, previewView, renderWorkflows, WORKFLOW_DIR } from '../ci.js';
import { resolveOrFail } from './synth.js';

/** Generated workflows no template makes any more (a template removed or renamed). */
function leftovers(root: string, files: ReadonlyMap<string, string>): string[] {
  const dir = join(root, WORKFLOW_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.startsWith('parity-') && f.endsWith('.yml'))
    .map((f) => `${WORKFLOW_DIR}/${f}`)
    .filter((f) => !files.has(f))
    .sort();
}

/**
 * Write .github/workflows/parity-*.yml from templates/ci (each through a temporary file and a
 * rename) and remove those no template makes; or (`--check`) fail when any is stale.
 */
export async function genCi(flags: { check?: boolean }, root?: string): Promise<void> {
  const { root: r, envs: all, ws } = await resolveOrFail([], root);
  // the committed fleet only: a local preview changes no workflow
  const envs = all.filter((e) => !isPreview(e));
  const settings = ws.definition.data.previews;
  const base = settings ? envs.find((e) => e.name === settings.from) : undefined;
  // the preview workflow derives from that environment: it must exist (a warning while the fleet is stamped)
  if (settings && !base)
    refuse(
      'cannot write the preview workflow',
      ...ws.issues.filter((i) => i.path === 'previews.from').map((i) => ({ ...i, severity: 'error' as const })),
    );
  const pkg = readWorkspaceJson<{ packageManager: string }>(r, 'package.json', { kind: 'config', what: 'package.json' });
  const files = renderWorkflows(
    r,
    ciView({
      pnpmVersion: pkg.packageManager.split('@')[1]!,
      clouds: new Set(envs.map((e) => e.cloud)),
      ...(settings && base ? { previews: previewView(ws.definition.data.platform, settings, base) } : {}),
    }),
  );
  const stale: { file: string; orphan: boolean }[] = [];
  for (const [file, content] of files) {
    const path = join(r, file);
    if (holdsExactly(r, file, content)) continue;
    if (flags.check) {
      stale.push({ file, orphan: false });
      continue;
    }
    writeFileAtomic(path, content);
    process.stdout.write(`${pc.green('✔')} wrote ${file}\n`);
  }
  for (const file of leftovers(r, files)) {
    if (flags.check) stale.push({ file, orphan: true });
    else {
      rmSync(join(r, file));
      process.stdout.write(`${pc.green('✔')} removed ${file} (no template makes it)\n`);
    }
  }
  if (stale.length > 0) refuse('workflows are stale', ...workflowsStale(stale));
  process.stdout.write(`${pc.green('✔')} ${files.size} workflows ${flags.check ? 'up to date' : 'current'}\n`);
}
