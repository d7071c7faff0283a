/**
 * The evidence record of one drill: what an auditor files, beside the drill report
 * (`environments/<dr-env>/drills/<stamp>.evidence.{json,md}`). It restates the report as the
 * fields a test record needs (scenario, scope, date, tooling, who ran it, targets against what was
 * measured, what was not exercised, deviations and follow-ups) and names, per field, the clause of
 * DORA's RTS (EU) 2024/1774 Art. 25 and of SOC 2's A1.3 it answers (docs/drills.md's table cites
 * the texts). It is a record of facts, not an assessment of compliance.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '@parity/io';
import { type DrillReport, drillReportsDir, reportStamp } from '@parity/model';

export const EVIDENCE_SCHEMA = 'parity.drill-evidence/1';

/** Which clause each field answers (docs/drills.md quotes them). */
export const CLAUSES = {
  scenario: ['RTS 2024/1774 Art. 25(2)(a)', 'SOC 2 A1.3 (testing scenarios)'],
  switchover: ['RTS 2024/1774 Art. 25(2)(c)'],
  scope: ['RTS 2024/1774 Art. 25(2)', 'SOC 2 A1.3 (scope)'],
  date: ['RTS 2024/1774 Art. 25(1) with DORA Art. 11(6) (tested at least yearly)', 'SOC 2 A1.3 (periodic testing)'],
  tooling: ['RTS 2024/1774 Art. 25(2)(e) (ICT systems and services)'],
  by: ['SOC 2 A1.3 (who performed the test)'],
  objectives: [
    'RTS 2024/1774 Art. 25(2) (continuity of critical or important functions)',
    'SOC 2 A1.3 (actual recovery time and data loss)',
  ],
  data: ['SOC 2 A1.3 (integrity and completeness of back-up data)', 'DORA Art. 12 (restoration and recovery)'],
  notExercised: ['RTS 2024/1774 Art. 25(2)(d) (challenge the assumptions)'],
  followUps: ['SOC 2 A1.3 (revision of plans based on test results)', 'RTS 2024/1774 Art. 25(2)(d)'],
} as const;

export interface Evidence {
  readonly schema: typeof EVIDENCE_SCHEMA;
  /** The drill report this record is made from. */
  readonly report: string;
  readonly outcome: DrillReport['status'];
  readonly scenario: { readonly kind: 'region-loss'; readonly description: string; readonly switchover: string };
  readonly scope: {
    readonly pair: string;
    readonly primary: string;
    readonly dr: string;
    readonly stores: string[];
    readonly policy: string;
  };
  readonly date: { readonly startedAt: string; readonly finishedAt?: string; readonly lossAt?: string; readonly verifiedAt?: string };
  readonly tooling: Record<string, string>;
  readonly target: string;
  readonly by: string;
  readonly objectives: {
    readonly rto: {
      readonly targetMinutes?: number;
      readonly measuredMinutes?: number;
      readonly met?: boolean;
      readonly estimateMinutes?: number;
    };
    readonly rpo: {
      readonly targetMinutes?: number;
      readonly measuredMinutes?: number;
      readonly measuredRows?: number;
      readonly measuredSecondsOfWrites?: number;
      readonly worstCaseMinutes?: number;
      readonly met?: boolean;
    };
  };
  readonly data?: {
    readonly engine: string;
    readonly mechanism: string;
    readonly acknowledged?: number;
    readonly recovered?: number;
    readonly checksumsVerified?: number;
    readonly checksumsFailed?: number;
    readonly unexplainedRows?: number;
    readonly failbackMissingRows?: number;
  };
  /** The messages in flight at the loss, per queue: produced, processed before it (the checkpoint), replayed, delivered, lost. */
  readonly queues?: ReadonlyArray<{
    readonly queue: string;
    readonly produced: number;
    readonly checkpointed: number;
    readonly replayed: number;
    readonly delivered: number;
    readonly lost: number;
  }>;
  readonly fence?: { readonly region: string; readonly refused: number; readonly needed: number };
  readonly failback?: { readonly durationSeconds?: number; readonly verifiedAt?: string };
  readonly notExercised: ReadonlyArray<{ readonly what: string; readonly why: string }>;
  readonly deviations: string[];
  readonly followUps: string[];
  readonly clauses: typeof CLAUSES;
}

/** The deviations from a real region loss, and the follow-ups, from what the report holds. */
function deviationsOf(r: DrillReport): { deviations: string[]; followUps: string[] } {
  const deviations: string[] = [];
  const followUps: string[] = [];
  if (r.target.kind !== 'aws')
    deviations.push(
      `control plane on an AWS emulator (${r.target.description}): measured times are the drill's steps and the provider's waiters, not AWS's`,
    );
  if (r.data)
    deviations.push(
      `data plane: ${r.data.engine} on loopback stands in for the database (one database, the drill's)${r.data.scale ? `; the backup schedule runs scaled, ${r.data.scale}` : ''}`,
    );
  if (r.fence)
    deviations.push(
      `the loss of ${r.fence.region} is a fence at a proxy in front of the emulator: it proves no client called the region, not that the emulator's own cross-region reads would fail`,
    );
  else
    deviations.push('the primary region was not fenced (real AWS target: no proxy); that the failover reads nothing from it is not shown');
  const left = Object.values(r.leftOut).reduce((n, l) => n + l.length, 0);
  if (left) deviations.push(`${left} resource(s) left out of the applies (the emulator cannot create them), listed in the report`);
  if (r.status !== 'passed') followUps.push(`the drill ${r.status} at ${r.failedStep}: ${r.error ?? ''}; fix and drill again`);
  if (r.rto && !r.rto.met) followUps.push(`RTO ${r.rto.measuredMinutes} min breaches the ${r.rto.targetMinutes} min target`);
  if (r.rpo && !r.rpo.met) followUps.push(`RPO ${r.rpo.measuredMinutes} min breaches the ${r.rpo.targetMinutes} min target`);
  for (const x of r.fence?.refused.filter((f) => f.needed) ?? [])
    followUps.push(`${x.caller} called ${x.service ?? '?'} ${x.action} in the lost ${x.region ?? 'region'}: remove the dependency`);
  for (const o of [r.data?.failover, r.data?.failback]) for (const p of o?.problems ?? []) followUps.push(`data: ${p}`);
  for (const c of r.queues?.counts.filter((q) => q.lost > 0) ?? [])
    followUps.push(`queue ${c.queue}: ${c.lost} message(s) produced after the checkpoint never delivered: find where the replay lost them`);
  if (r.notExercised.length)
    followUps.push(
      `${r.notExercised.length} item(s) not exercised (listed): exercise them on AWS (pnpm drill --aws) where the emulator cannot`,
    );
  return { deviations, followUps };
}

/** The scenario: what was lost, and how the DR side took over. */
function scenarioOf(r: DrillReport): Evidence['scenario'] {
  const replica = r.policy?.strategy !== 'backup-restore';
  return {
    kind: 'region-loss',
    description: `loss of ${r.primaryRegion}, the region of ${r.primary}: every request to it refused from the loss on${r.data ? ', its database killed (SIGKILL) under write load' : ''}${r.fence?.registry ? ', the bundle registry stopped' : ''}, recovery into ${r.drRegion}`,
    switchover: replica
      ? `switch-over to the redundant capacity: ${r.drEnv}'s standby promoted and scaled up (${r.policy?.strategy ?? 'replica'})`
      : `restoration from backups already in ${r.drRegion}: ${r.drEnv} applied and its database restored (${r.policy?.strategy})`,
  };
}

/** RTO and RPO against their targets; the RPO in rows and seconds of writes when the data plane measured it. */
function objectivesOf(r: DrillReport): Evidence['objectives'] {
  const failover = r.data?.failover;
  return {
    rto: {
      ...(r.rto ? { targetMinutes: r.rto.targetMinutes, measuredMinutes: r.rto.measuredMinutes, met: r.rto.met } : {}),
    },
    rpo: {
      ...(r.rpo
        ? {
            targetMinutes: r.rpo.targetMinutes,
            measuredMinutes: r.rpo.measuredMinutes,
            met: r.rpo.met,
            ...(r.rpo.worstCaseMinutes !== undefined ? { worstCaseMinutes: r.rpo.worstCaseMinutes } : {}),
          }
        : {}),
      ...(failover ? { measuredRows: failover.rpoRows, measuredSecondsOfWrites: failover.rpoSeconds } : {}),
    },
  };
}

/** The data plane's counts: what was acknowledged, recovered and verified. */
function dataOf(data: NonNullable<DrillReport['data']>): NonNullable<Evidence['data']> {
  const failover = data.failover;
  return {
    engine: data.engine,
    mechanism: data.mechanism,
    ...(failover
      ? {
          acknowledged: failover.acknowledged,
          recovered: failover.recovered,
          checksumsVerified: failover.checksumsVerified,
          checksumsFailed: failover.checksumsFailed,
          unexplainedRows: failover.unexplainedRows,
        }
      : {}),
    ...(data.failback ? { failbackMissingRows: data.failback.rpoRows } : {}),
  };
}

/** The evidence record of a drill report. */
export function evidenceOf(r: DrillReport, reportFile: string): Evidence {
  const stores = [
    ...(r.data ? [`database (${r.data.engine} data plane)`] : []),
    ...(r.queues?.counts.map((c) => `queue ${c.queue} (archive replay)`) ?? []),
  ];
  const { deviations, followUps } = deviationsOf(r);
  return {
    schema: EVIDENCE_SCHEMA,
    report: reportFile,
    outcome: r.status,
    scenario: scenarioOf(r),
    scope: {
      pair: `${r.primary} → ${r.drEnv}`,
      primary: `${r.primary} (${r.primaryRegion})`,
      dr: `${r.drEnv} (${r.drRegion})`,
      stores: [...stores, ...r.verification.filter((v) => v.ok).map((v) => v.what)],
      policy: `${r.policy?.name ?? '?'} (${r.policy?.strategy ?? '?'})`,
    },
    date: {
      startedAt: r.startedAt,
      ...(r.finishedAt ? { finishedAt: r.finishedAt } : {}),
      ...(r.lossAt ? { lossAt: r.lossAt } : {}),
      ...(r.verifiedAt ? { verifiedAt: r.verifiedAt } : {}),
    },
    tooling: { ...r.tools, ...(r.data ? { 'data plane': r.data.engine } : {}) },
    target: r.target.description,
    by: r.by ?? 'not given (pnpm drill --by <name>)',
    objectives: objectivesOf(r),
    ...(r.data ? { data: dataOf(r.data) } : {}),
    ...(r.queues
      ? {
          queues: r.queues.counts.map((c) => ({
            queue: c.queue,
            produced: c.produced,
            checkpointed: c.checkpointed,
            replayed: c.replayed,
            delivered: c.delivered,
            lost: c.lost,
          })),
        }
      : {}),
    ...(r.fence
      ? { fence: { region: r.fence.region, refused: r.fence.refused.length, needed: r.fence.refused.filter((x) => x.needed).length } }
      : {}),
    ...(r.failback
      ? {
          failback: {
            ...(r.failback.durationSeconds !== undefined ? { durationSeconds: r.failback.durationSeconds } : {}),
            ...(r.failback.verifiedAt ? { verifiedAt: r.failback.verifiedAt } : {}),
          },
        }
      : {}),
    notExercised: r.notExercised.map((n) => ({ what: n.env ? `${n.env}: ${n.what}` : n.what, why: n.why })),
    deviations,
    followUps,
    clauses: CLAUSES,
  };
}

const esc = (s: string) => s.replaceAll('|', '\\|').replaceAll('\n', ' ');
const cite = (k: keyof typeof CLAUSES) => CLAUSES[k].join('; ');
const show = (v: unknown) => (v === undefined ? 'not measured' : String(v));

/** The record for people: one table of fields, each with the clause it answers. */
export function renderEvidence(e: Evidence): string {
  const o = e.objectives;
  const rows: Array<[string, string, keyof typeof CLAUSES]> = [
    ['Scenario', e.scenario.description, 'scenario'],
    ['Switch-over / restoration', e.scenario.switchover, 'switchover'],
    ['Scope', `${e.scope.pair}; policy ${e.scope.policy}; ${e.scope.stores.length} item(s) verified (listed in the report)`, 'scope'],
    [
      'Date',
      `${e.date.startedAt} → ${e.date.finishedAt ?? '?'} (loss ${e.date.lossAt ?? '—'}, verified ${e.date.verifiedAt ?? '—'})`,
      'date',
    ],
    [
      'Tooling and versions',
      Object.entries(e.tooling)
        .map(([k, v]) => `${k} ${v}`)
        .join(', '),
      'tooling',
    ],
    ['Run by', e.by, 'by'],
    [
      'RTO',
      `target ${show(o.rto.targetMinutes)} min, measured ${show(o.rto.measuredMinutes)} min (${o.rto.met ? 'met' : 'NOT met'})`,
      'objectives',
    ],
    [
      'RPO',
      `target ${show(o.rpo.targetMinutes)} min, computed worst case ${show(o.rpo.worstCaseMinutes)} min, measured ${show(o.rpo.measuredMinutes)} min = ${show(o.rpo.measuredRows)} acknowledged rows (${show(o.rpo.measuredSecondsOfWrites)} s of writes) (${o.rpo.met ? 'met' : 'NOT met'})`,
      'objectives',
    ],
  ];
  if (e.data)
    rows.push([
      'Data integrity',
      `${e.data.mechanism}; ${show(e.data.recovered)} rows recovered of ${show(e.data.acknowledged)} acknowledged, ${show(e.data.checksumsVerified)} checksums verified, ${show(e.data.checksumsFailed)} failed, ${show(e.data.unexplainedRows)} rows never acknowledged unexplained${e.data.failbackMissingRows !== undefined ? `; failback: ${e.data.failbackMissingRows} rows missing` : ''}`,
      'data',
    ]);
  if (e.queues)
    rows.push([
      'Queued messages',
      e.queues
        .map(
          (q) =>
            `${q.queue}: ${q.produced} produced, ${q.checkpointed} processed before the loss, ${q.replayed} replayed, ${q.delivered} delivered, ${q.lost} lost`,
        )
        .join('; '),
      'data',
    ]);
  rows.push(
    ['Not exercised', `${e.notExercised.length} item(s), below`, 'notExercised'],
    ['Deviations and follow-ups', `${e.deviations.length} deviation(s), ${e.followUps.length} follow-up(s), below`, 'followUps'],
  );
  const out = [
    `# Drill evidence: ${e.scope.pair} — ${e.outcome}`,
    '',
    `Drill report: \`${e.report}\`. This record states facts measured by \`pnpm drill\`; it is not an assessment of compliance.`,
    '',
    '| field | value | answers |',
    '|---|---|---|',
    ...rows.map(([f, v, k]) => `| ${f} | ${esc(v)} | ${esc(cite(k))} |`),
    '',
    '## Not exercised',
    '',
    ...(e.notExercised.length ? e.notExercised.map((n) => `- ${n.what}: ${n.why}`) : ['Nothing.']),
    '',
    '## Deviations from a real region loss',
    '',
    ...e.deviations.map((d) => `- ${d}`),
    '',
    '## Follow-ups',
    '',
    ...(e.followUps.length ? e.followUps.map((f) => `- ${f}`) : ['None.']),
  ];
  return `${out.join('\n')}\n`;
}

/** Write `environments/<dr-env>/drills/<stamp>.evidence.{json,md}`; returns the paths relative to `root`. */
export function writeEvidence(root: string, report: DrillReport, reportFile: string): { json: string; markdown: string } {
  const rel = drillReportsDir(report.drEnv);
  const stamp = reportStamp(report.startedAt);
  const files = { json: join(rel, `${stamp}.evidence.json`), markdown: join(rel, `${stamp}.evidence.md`) };
  const e = evidenceOf(report, reportFile);
  writeFileAtomic(join(root, files.markdown), renderEvidence(e));
  writeFileAtomic(join(root, files.json), `${JSON.stringify(e, null, 2)}\n`);
  return files;
}
