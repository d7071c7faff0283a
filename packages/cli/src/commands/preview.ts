/**
 * `pnpm preview <id> [--from <env>] [--ttl 72h] [--cloud aws|gcp] [--region <code>]`: an
 * ephemeral environment derived from a base environment (model/src/preview.ts), recorded in
 * environments/preview-<id>/preview.yaml (gitignored). `--list [--expired] [--json]`: the previews
 * of this checkout with their expiry (in CI, the records the workflow copied from the state
 * buckets). `<id> --remove`: the local record and synth output, once the preview is destroyed.
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pc from 'picocolors';
import { writeFileAtomic } from '@parity/io';
import {
  type Cloud,
  environmentMissing,
  expiryOf,
  isExpired,
  isPreview,
  loadWorkspace,
  type Manifest,
  previewBaseInvalid,
  previewBaseMissing,
  previewBases,
  previewCloudMismatch,
  previewIdInvalid,
  previewName,
  previewRecordFile,
  previewRecordText,
  PREVIEW_ID_MAX,
  PREVIEW_TTL_MAX_HOURS,
  previewTtlInvalid,
  refuseOne,
  resolveEnvironment,
  type ResolvedEnvironment,
  type SourceFile,
  ttlHours,
  validPreviewId,
  withPreview,
  type Workspace,
} from '@parity/model';
import { npmInstaller } from '@parity/release/install';
import { failOnErrors } from '../report.js';

export interface PreviewFlags {
  from?: string;
  ttl?: string;
  cloud?: Cloud;
  region?: string;
  list?: boolean;
  expired?: boolean;
  json?: boolean;
  remove?: boolean;
}

/** One line of `--list`: a preview, its base, where its state lives and when it expires. */
export interface PreviewRow {
  readonly id: string;
  readonly env: string;
  readonly from: string;
  readonly cloud?: string;
  readonly region?: string;
  readonly expires: string;
  readonly expired: boolean;
  /** Its state bucket and key (GCS: prefix), when it resolves. */
  readonly bucket?: string;
  readonly key?: string;
}

const COMMAND_LINE = { file: '(command line)', path: '--ttl' };

export async function preview(id: string | undefined, flags: PreviewFlags = {}, root?: string, now = new Date()): Promise<void> {
  if (flags.list) {
    listPreviews(await loadWorkspace(root), flags, now);
    return;
  }
  if (id === undefined) {
    process.stderr.write('error: name a preview id (pnpm preview pr-1234 --from staging), or --list\n');
    process.exitCode = 2;
    return;
  }
  if (!validPreviewId(id)) refuseOne(previewIdInvalid(id, PREVIEW_ID_MAX));
  const ws = await loadWorkspace(root, { installer: npmInstaller });
  if (flags.remove) removePreview(ws, id);
  else makePreview(ws, id, flags, now);
}

/** Derive the preview in memory, refuse it with every problem, else write its record. */
function makePreview(ws: Workspace, id: string, flags: PreviewFlags, now: Date): void {
  const base = baseOf(ws, flags);
  const ttl = flags.ttl ?? ws.definition.data.previews?.ttl ?? '72h';
  const hours = ttlHours(ttl);
  if (hours === undefined) refuseOne(previewTtlInvalid(COMMAND_LINE, ttl, PREVIEW_TTL_MAX_HOURS));
  const record = {
    id,
    from: base.data.name,
    ttl,
    created: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    expires: expiryOf(now, hours)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    ...(flags.region ? { region: flags.region } : {}),
  };
  const name = previewName(id);
  const r = resolveEnvironment(withPreview(ws, record), name);
  failOnErrors(r.issues, `cannot make the preview ${name}`);
  writeFileAtomic(join(ws.root, previewRecordFile(name)), previewRecordText(record));
  printMade(r.env!);
}

/** The base: --from, else the definition's `previews.from` (on --cloud, if given), else the staging environment of that cloud. */
function baseOf(ws: Workspace, flags: PreviewFlags): SourceFile<Manifest> {
  const committed = new Map([...ws.manifests].filter(([, s]) => !isPreview(s.data)));
  const bases = previewBases(committed);
  const cloud = flags.cloud ?? ws.definition.data.defaults.cloud;
  const fromDefinition = ws.definition.data.previews?.from;
  const name =
    flags.from ??
    (fromDefinition && committed.get(fromDefinition)?.data.cloud === cloud ? fromDefinition : undefined) ??
    [...committed.values()].find((s) => s.data.role === 'staging' && s.data.cloud === cloud)?.data.name;
  const at = { file: '(command line)', path: '--from' };
  if (name === undefined) refuseOne(previewBaseMissing(at, `staging on ${cloud}`, bases));
  const base = committed.get(name);
  if (!base) {
    if (ws.manifests.has(name)) refuseOne(previewBaseInvalid(at, name, 'preview', bases));
    refuseOne(previewBaseMissing(at, name, bases));
  }
  if (base.data.role !== 'staging' && base.data.role !== 'production') refuseOne(previewBaseInvalid(at, name, base.data.role, bases));
  if (flags.cloud && flags.cloud !== base.data.cloud) refuseOne(previewCloudMismatch(name, base.data.cloud, flags.cloud));
  return base;
}

function printMade(env: ResolvedEnvironment): void {
  const p = env.preview!;
  const s = env.state;
  const state = s.backend === 's3' ? `s3://${s.bucket}/${s.key}` : `gs://${s.bucket}/${s.prefix}`;
  process.stdout.write(
    [
      `${pc.green('✔')} ${pc.bold(env.name)}: a preview of ${p.from} on ${env.cloud} ${env.region}, tier ${env.tier}, no DR pair`,
      `  expires ${p.expires} (${p.ttl}); every resource is tagged with it`,
      `  state:  ${state}`,
      `  wrote ${previewRecordFile(env.name)} ${pc.dim('(gitignored: a preview is never committed)')}`,
      '',
      `Next: ${pc.cyan(`pnpm synth ${env.name}`)}${env.cloud === 'aws' ? ` then ${pc.cyan(`pnpm validate ${env.name}`)}` : ''}, and ${pc.cyan('pnpm check')} (the preview at parity with ${p.from})`,
      '',
    ].join('\n'),
  );
}

/** Remove the record and the synth output of a preview (after `terraform destroy`: its resources are not touched). */
function removePreview(ws: Workspace, id: string): void {
  const name = previewName(id);
  const dir = join(ws.environmentsDir, name);
  if (!existsSync(dir)) refuseOne(environmentMissing(name, ws.previews?.keys() ?? [], 'name a preview pnpm preview --list shows'));
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(
    `${pc.green('✔')} removed environments/${name}/ ${pc.dim('(its record and synth output; destroy its resources first: terraform destroy)')}\n`,
  );
}

/** The previews of the workspace, each with its expiry and state, soonest to expire first. */
export function previewRows(ws: Workspace, now: Date): PreviewRow[] {
  return [...(ws.previews ?? new Map())]
    .map(([env, rec]) => {
      const r = resolveEnvironment(ws, env, { lenient: true }).env;
      const s = r?.state;
      return {
        id: rec.data.id,
        env,
        from: rec.data.from,
        ...(r ? { cloud: r.cloud, region: r.region } : {}),
        expires: rec.data.expires,
        expired: isExpired(rec.data, now),
        ...(s ? { bucket: s.bucket, key: s.backend === 's3' ? s.key : s.prefix } : {}),
      };
    })
    .sort((a, b) => a.expires.localeCompare(b.expires) || a.env.localeCompare(b.env));
}

function listPreviews(ws: Workspace, flags: PreviewFlags, now: Date): void {
  const rows = previewRows(ws, now).filter((r) => !flags.expired || r.expired);
  // the records that cannot be read are named, not hidden
  for (const i of ws.issues.filter((x) => x.kind.startsWith('preview-'))) process.stderr.write(`${pc.yellow(`warning: ${i.message}`)}\n`);
  if (flags.json) {
    process.stdout.write(`${JSON.stringify({ include: rows })}\n`);
    return;
  }
  for (const r of rows) {
    const when = r.expired ? pc.red(`expired ${r.expires}`) : `expires ${r.expires}`;
    process.stdout.write(
      `${pc.bold(r.env.padEnd(28))} ${`from ${r.from}`.padEnd(20)} ${`${r.cloud ?? '?'} ${r.region ?? '?'}`.padEnd(20)} ${when}${r.bucket ? pc.dim(`  ${r.bucket}/${r.key}`) : ''}\n`,
    );
  }
  const expired = rows.filter((r) => r.expired).length;
  process.stdout.write(
    pc.dim(
      `${rows.length} preview${rows.length === 1 ? '' : 's'}${flags.expired ? ' expired' : `, ${expired} expired`} (at ${now.toISOString()})\n`,
    ),
  );
}
