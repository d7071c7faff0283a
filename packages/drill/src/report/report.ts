/**
 * The drill report: JSON (read back by `pnpm check` as "last drilled": top-level `startedAt`,
 * `status`, `rto.measuredMinutes`, `rpo.measuredMinutes`) and markdown for people, written to
 * `environments/<dr-env>/drills/<timestamp>.{json,md}` through a temporary file and a rename.
 */
import { mkdirSync } from 'node:fs';
import { writeFileAtomic } from '@parity/io';
import { join } from 'node:path';
import {
  type DataOutcome,
  type DataPlaneRecord,
  type DrillReport,
  drillReportsDir,
  type FailbackRecord,
  type FenceRecord,
  type Measured,
  type NotExercised,
  reportStamp,
} from '@parity/model';
import { STRATEGY_OF, strategyNamed } from '@parity/dr';
import { writeEvidence } from './evidence.js';
import { duration } from './metrics.js';

/** The queue replay: produced before the loss against delivered by the failover's replay, per queue. */
function queueSection(q: NonNullable<DrillReport['queues']>): string[] {
  return [
    '',
    '## Queue messages: produced against delivered',
    '',
    '| queue | produced | checkpointed | archived | replayed | delivered | lost |',
    '|---|---|---|---|---|---|---|',
    ...q.counts.map(
      (c) => `| ${esc(c.queue)} | ${c.produced} | ${c.checkpointed} | ${c.archived} | ${c.replayed} | ${c.delivered} | ${c.lost} |`,
    ),
    '',
    `Checkpointed: completed by the consumers before the loss, so not sent again. ${esc(q.note)}`,
  ];
}

const icon = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? '✅' : '❌');
const esc = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');

function targetLine(label: string, m: (Measured & { note?: string; worstCaseMinutes?: number }) | undefined): string {
  if (!m) return `| ${label} | not measured | | |`;
  return `| ${label} | ${m.measuredMinutes} min (${duration(m.measuredSeconds)}) | ${m.targetMinutes} min | ${icon(m.met)} ${m.met ? `met, ${m.marginMinutes} min to spare` : `breached by ${-m.marginMinutes} min`} |`;
}

function failbackSection(r: DrillReport, f: FailbackRecord): string[] {
  const out = ['', `## Failback: ${r.drEnv} (${r.drRegion}) → ${r.primary} (${r.primaryRegion})`, ''];
  const took =
    f.durationSeconds !== undefined
      ? `${duration(f.durationSeconds)} (${Math.round((f.durationSeconds / 60) * 100) / 100} min)`
      : 'not measured';
  out.push(`- **Started:** ${f.startedAt}${f.verifiedAt ? ` · **verified:** ${f.verifiedAt}` : ''} · **took:** ${took}`);
  for (const s of f.steps) out.push(`- **${s.step}:** ${s.detail}`);
  // a report names its pair's strategy; one without (an older drill's) was of a replica pair
  const way = strategyNamed(r.policy?.strategy) ?? STRATEGY_OF['pilot-light'];
  const reverse = `${way.failback.reverse[0]?.toUpperCase()}${way.failback.reverse.slice(1)}`;
  if (f.replaced?.length) out.push(`- **Replaced (${way.drill.replacedBecause}):** ${f.replaced.join('; ')}`);
  if (f.beforeFence) out.push(`- **${reverse} before the fence:** ${f.beforeFence}`);
  if (f.fenced) out.push(`- **Fenced:** ${f.fenced.join(', ') || 'no node group'}`);
  if (f.atSwitchover) out.push(`- **At the switchover:** ${f.atSwitchover}`);
  if (f.manifestsRestored !== undefined)
    out.push(
      `- **Manifests:** ${f.manifestsRestored ? 'byte for byte as before the failover, apart from the history comment' : 'NOT as before the failover'}`,
    );
  if (f.note) out.push(`- ${f.note}`);
  return out;
}

/** The report's opening lines: when, what, where, with what, by whom, and its evidence record. */
function headLines(r: DrillReport): string[] {
  const out: string[] = [];
  out.push(`- **Started:** ${r.startedAt}${r.finishedAt ? ` · **finished:** ${r.finishedAt}` : ''}`);
  out.push(`- **Failover:** ${r.primary} (${r.primaryRegion}) → ${r.drEnv} (${r.drRegion})`);
  out.push(`- **Target:** ${r.target.description}`);
  if (Object.keys(r.tools).length)
    out.push(
      `- **Tools:** ${Object.entries(r.tools)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}`,
    );
  out.push(`- **Work folder:** \`${r.workDir}\``);
  if (r.by) out.push(`- **Run by:** ${r.by}`);
  if (r.files?.evidence)
    out.push(
      `- **Evidence record:** [${r.files.evidence.markdown.split('/').at(-1)}](${r.files.evidence.markdown.split('/').at(-1)}) (and .json)`,
    );
  return out;
}

/** The drill's report as markdown: a table of contents of its sections. */
export function renderMarkdown(r: DrillReport): string {
  const title =
    r.status === 'passed' ? '✅ passed' : r.status === 'aborted' ? `⏹️ aborted at \`${r.failedStep}\`` : `❌ failed at \`${r.failedStep}\``;
  const out: string[] = [`# DR drill: ${r.drEnv} recovering ${r.primary} — ${title}`, '', ...headLines(r)];
  if (r.error) out.push('', `> **${r.status === 'aborted' ? 'Aborted' : 'Failed'} at \`${r.failedStep}\`:** ${esc(r.error)}`);
  out.push(...objectivesSection(r), ...timelineSection(r));
  if (r.queues) out.push(...queueSection(r.queues));
  if (r.data) out.push(...dataSection(r, r.data));
  if (r.fence) out.push(...fenceSection(r.fence));
  if (r.failback) out.push(...failbackSection(r, r.failback));
  out.push(...stepsSection(r), ...notExercisedSection(r), ...leftOutSection(r), ...adoptedSection(r));
  out.push(
    '',
    '## Teardown',
    '',
    r.teardown ? `${icon(r.teardown.ok)} ${r.teardown.action}${r.teardown.detail ? `\n\n${r.teardown.detail}` : ''}` : 'Not run.',
  );
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

/** RTO and RPO, measured against their targets, with the worst case `pnpm check` computed. */
function objectivesSection(r: DrillReport): string[] {
  const out = ['', '## Recovery objectives', '', '| | measured | target | |', '|---|---|---|---|'];
  out.push(targetLine('RTO (loss → verified)', r.rto));
  out.push(targetLine(r.data ? 'RPO (acknowledged writes lost, data plane)' : 'RPO (age of restored data at loss)', r.rpo));
  if (r.rpo?.worstCaseMinutes !== undefined)
    out.push(`| RPO worst case (pnpm check) | ${r.rpo.worstCaseMinutes} min | ${r.rpo.targetMinutes} min | computed from the Terraform |`);
  const notes = [r.rto?.note, r.rpo?.note].filter((n): n is string => !!n);
  if (notes.length) out.push('', ...notes.map((n) => `- ${n}`));
  return out;
}

/** The marker, the loss, the copy and restore, the verification: when each happened. */
function timelineSection(r: DrillReport): string[] {
  if (!(r.marker || r.lossAt || r.recovery)) return [];
  const out = ['', '## Timeline', ''];
  if (r.marker)
    out.push(
      `- **Marker** \`${r.marker.id}\`: snapshot \`${r.marker.snapshotId}\` created ${r.marker.snapshotCreatedAt}. ${r.marker.note}`,
    );
  if (r.marker?.queueMessage) out.push(`- **Queue marker:** ${r.marker.queueMessage}`);
  if (r.lossAt) out.push(`- **Loss of ${r.primaryRegion} declared:** ${r.lossAt} (recovery clock started)`);
  if (r.recovery?.copySnapshotArn)
    out.push(
      `- **Copied into ${r.drRegion}:** \`${r.recovery.copySnapshotArn}\`, encrypted with \`${r.recovery.copyKmsKeyArn}\`${r.recovery.keySource ? ` (${r.recovery.keySource})` : ''}`,
    );
  if (r.recovery?.restoredInstanceArn) out.push(`- **Restored:** \`${r.recovery.restoredInstanceArn}\``);
  if (r.verifiedAt) out.push(`- **Verified:** ${r.verifiedAt} (recovery clock stopped)`);
  return out;
}

/** Every step with its status and time, then what was verified through the AWS API. */
function stepsSection(r: DrillReport): string[] {
  const out = ['', '## Steps', '', '| step | status | duration | detail |', '|---|---|---|---|'];
  for (const s of r.steps) {
    const st =
      s.status === 'passed' ? '✅ passed' : s.status === 'failed' ? '❌ failed' : s.status === 'aborted' ? '⏹️ aborted' : '⏭️ skipped';
    out.push(
      `| ${esc(s.title)} | ${st} | ${s.durationSeconds !== undefined ? duration(s.durationSeconds) : ''} | ${esc(s.error ?? s.detail ?? '')} |`,
    );
  }
  if (r.verification.length) {
    out.push('', `## Verified in ${r.drRegion} through the AWS API`, '', '| | what | detail |', '|---|---|---|');
    for (const v of r.verification) out.push(`| ${icon(v.ok)} | ${esc(v.what)} | ${esc(v.detail)} |`);
  }
  return out;
}

/** What the drill did not exercise: one row per reason, naming every address (by environment) it applies to. */
function notExercisedSection(r: DrillReport): string[] {
  const out = ['', '## Not exercised', ''];
  if (r.notExercised.length === 0) return [...out, 'Nothing: every resource and step was exercised.'];
  const groups = new Map<string, NotExercised[]>();
  for (const n of r.notExercised) groups.set(n.why, [...(groups.get(n.why) ?? []), n]);
  out.push('| what | why |', '|---|---|');
  for (const [why, list] of groups) {
    const byEnv = new Map<string, string[]>();
    for (const n of list) byEnv.set(n.env ?? '', [...(byEnv.get(n.env ?? '') ?? []), n.what]);
    const what = [...byEnv]
      .map(([env, ws]) => `${env ? `${env}: ` : ''}${ws.map((w) => (/^(data\.)?aws_/.test(w) ? `\`${esc(w)}\`` : esc(w))).join(', ')}`)
      .join('<br>');
    out.push(`| ${what} | ${esc(why)} |`);
  }
  return out;
}

/** The resources the emulator cannot hold, left out of the applies, and the orderings dropped with them. */
function leftOutSection(r: DrillReport): string[] {
  const leftOut = Object.entries(r.leftOut).filter(([, v]) => v.length);
  if (!leftOut.length) return [];
  const out = ['', '## Left out of the applies', ''];
  for (const [env, list] of leftOut) {
    out.push(`**${env}** (${list.length}):`, '');
    for (const l of list) out.push(`- \`${l.address}\`: ${l.reason}`);
    out.push('');
  }
  const dropped = Object.entries(r.droppedDependsOn).filter(([, v]) => v.length);
  for (const [env, list] of dropped)
    for (const d of list)
      out.push(`- ${env}: \`${d.address}\` kept; its \`depends_on\` on ${d.on.map((a) => `\`${a}\``).join(', ')} dropped (ordering only)`);
  return out;
}

/** One recovery of the data plane, as rows. */
function outcomeRows(label: string, o: DataOutcome): string[] {
  const schedule = o.rpoScheduleSeconds !== undefined ? ` (${duration(o.rpoScheduleSeconds)} of schedule)` : '';
  return [
    `| ${label}: how | ${esc(o.how)}: ${esc(o.from)} |`,
    `| ${label}: acknowledged commits | ${o.acknowledged} |`,
    `| ${label}: missing after recovery (RPO) | ${icon(o.ok)} ${o.rpoRows} rows${o.missingSeqs ? ` (seq ${o.missingSeqs}, the newest)` : ''}, ${o.rpoSeconds} s of writes${schedule} |`,
    `| ${label}: present but never acknowledged | ${o.inFlightRecovered} in flight at the loss (explained), ${o.unexplainedRows} unexplained |`,
    `| ${label}: checksums | ${icon(o.checksumsFailed === 0)} ${o.checksumsVerified} of ${o.recovered} recovered rows verified (sha256 of the payload, and the writer's own)${o.checksumsFailed ? `, ${o.checksumsFailed} FAILED` : ''} |`,
    ...(o.lagAtLossSeconds !== undefined ? [`| ${label}: replica lag at the loss | ${o.lagAtLossSeconds} s |`] : []),
    ...(o.problems.length ? [`| ${label}: problems | ${esc(o.problems.join('; '))} |`] : []),
  ];
}

/** The data plane: what was written, lost and verified. */
function dataSection(r: DrillReport, d: DataPlaneRecord): string[] {
  const out = ['', '## Data', '', `${d.note}`, '', '| | |', '|---|---|'];
  out.push(`| engine | ${esc(d.engine)} |`, `| mechanism | ${esc(d.mechanism)} |`);
  if (d.scale) out.push(`| scale | ${d.scale} |`);
  out.push(
    `| writer | \`${d.writer.marker}\` at ${d.writer.ratePerSecond} commits/s${d.writer.achievedPerSecond !== undefined ? ` (${d.writer.achievedPerSecond}/s achieved)` : ''} |`,
  );
  if (d.lag)
    out.push(
      `| replica lag before the loss | ${icon(d.lag.withinThreshold)} ${d.lag.seconds} s (${d.lag.bytes ?? '?'} bytes), ${d.lag.state}; the ReplicaLag alarm's threshold in the Terraform: ${d.lag.thresholdSeconds} s |`,
    );
  if (d.failover) out.push(...outcomeRows(`failover to ${r.drRegion}`, d.failover));
  if (d.failback) out.push(...outcomeRows(`failback to ${r.primaryRegion}`, d.failback));
  return out;
}

/** The region fence: every refused request, with its caller. */
function fenceSection(f: FenceRecord): string[] {
  const out = ['', `## Region fence: ${f.region}`, '', f.note, ''];
  out.push(`- **Fenced:** ${f.fencedAt ?? 'never (the drill stopped before the loss)'}${f.liftedAt ? ` · **lifted:** ${f.liftedAt}` : ''}`);
  const through = Object.entries(f.forwarded)
    .map(([region, n]) => `${region} ${n}`)
    .join(', ');
  if (through) out.push(`- **Requests let through, per region signed for:** ${through}`);
  if (f.registry) out.push(`- **Registry:** ${f.registry}; the failover loaded every pinned bundle from what is installed`);
  if (!f.refused.length) {
    out.push('- **Refused:** none: no client called the lost region after the loss.');
    return out;
  }
  const needed = f.refused.filter((x) => x.needed).length;
  out.push(`- **Refused:** ${f.refused.length} (${needed} needed by a step, which failed the drill)`, '');
  out.push('| at | step | caller | service | action | region | reason | needed |', '|---|---|---|---|---|---|---|---|');
  for (const x of f.refused)
    out.push(
      `| ${x.at} | ${x.step ?? ''} | ${esc(x.caller)} | ${x.service ?? ''} | ${esc(x.action)} | ${x.region ?? ''} | ${x.reason} | ${x.needed ? '❌ yes' : 'no'} |`,
    );
  return out;
}

/** The creates the drill imported after a lost emulator answer (none: no section). */
function adoptedSection(r: DrillReport): string[] {
  if (!r.adopted?.length) return [];
  return [
    '',
    '## Imported after a lost answer',
    '',
    'The emulator made these for a request whose answer was lost; the retried request was refused as already existing, so the drill imported them and applied again:',
    '',
    ...r.adopted.map((a) => `- ${a.env}: \`${a.address}\` (${esc(a.id)})`),
  ];
}

/** Write `environments/<dr-env>/drills/<stamp>.{json,md}`; returns the paths relative to `root`. */
export function writeReport(root: string, report: DrillReport): { json: string; markdown: string } {
  const rel = drillReportsDir(report.drEnv);
  mkdirSync(join(root, rel), { recursive: true });
  const stamp = reportStamp(report.startedAt);
  const files = { json: join(rel, `${stamp}.json`), markdown: join(rel, `${stamp}.md`) };
  report.files = files;
  report.files.evidence = writeEvidence(root, report, files.json);
  writeFileAtomic(join(root, files.markdown), renderMarkdown(report));
  writeFileAtomic(join(root, files.json), `${JSON.stringify(report, null, 2)}\n`);
  return files;
}
