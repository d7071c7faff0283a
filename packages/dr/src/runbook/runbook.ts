/**
 * `environments/<dr-env>/RUNBOOK.md`: the failover of one DR pair as a procedure someone who has
 * never seen the project can follow, generated from the model (the pair's policy, both
 * environments' Terraform, `pnpm check`'s figures, the last drill) with
 * `templates/runbook/RUNBOOK.md.hbs` (Handlebars, strict mode: a key missing from the typed view
 * is an error, not empty text). Written by `gen env` and by each drill; `pnpm check` fails on a
 * runbook that no longer matches (`runbookFindings`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import type { CheckReport, DrPair, Finding } from '@parity/checks';
import { holdsExactly, lastDrillReport, readWorkspaceFile, runbookStale, type Workspace } from '@parity/model';
import { writeFileAtomic } from '@parity/io';
import { CLOUD_FLAG, failoverLine } from '../cloud/target.js';
import { failoverProcedure, type FailoverProcedureStep } from '../failover/procedure.js';
import { archivesQueues } from '../failover/replay-plan.js';
import { names } from '../names.js';
import { type Pair, pairIn } from '../pair.js';
import { strategyFor } from '../strategy/strategies.js';
import type { DrStrategy } from '../strategy/strategy.js';
import { failbackView } from './failback.js';
import type { DrillReport, StepId } from '@parity/model';
import { literal, placedResources, type TerraformJson } from '@parity/model/terraform';

export const RUNBOOK_FILE = 'RUNBOOK.md';
const TEMPLATE = join('templates', 'runbook', 'RUNBOOK.md.hbs');

/** What the template reads; every key is set (strict mode). */
export interface RunbookView {
  readonly drEnv: string;
  readonly primary: string;
  readonly primaryRegion: string;
  readonly drRegion: string;
  readonly cloud: string;
  readonly policy: string;
  readonly strategy: string;
  readonly strategyText: string;
  readonly rpoMinutes: number;
  readonly rtoMinutes: number;
  readonly mechanism: string;
  readonly estimate: string;
  readonly declare: { readonly who: string; readonly criteria: readonly string[] };
  readonly prechecks: ReadonlyArray<{ readonly what: string; readonly commands: readonly string[] }>;
  /** Step 1 for people: what the command does (it writes the step, or with a step the command runs itself, plans it). */
  readonly failoverWrite: string;
  /** Which step writes the manifest change. */
  readonly failoverWho: string;
  readonly failoverCommand: string;
  readonly failoverSteps: string;
  readonly steps: ReadonlyArray<{
    readonly n: number;
    readonly title: string;
    readonly by: string;
    readonly changes: string;
    readonly commands: readonly string[];
    readonly budget: string;
    readonly lastDrill: string;
  }>;
  /** What happens to the queues' messages in flight: lost, or archived and replayed (which step). */
  readonly queueLoss: string;
  readonly lastDrill: string;
  readonly failbackIntro: string;
  readonly failback: ReadonlyArray<{
    readonly n: number;
    readonly title: string;
    readonly by: string;
    readonly changes: string;
    readonly commands: readonly string[];
  }>;
}

/** The drill steps that correspond to a procedure step. */
const DRILLED: Partial<Record<FailoverProcedureStep['id'], StepId[]>> = {
  apply: ['apply-dr', 'promote'],
  complete: ['complete'],
  replay: ['replay'],
  verify: ['verify'],
};

function drilled(report: DrillReport | undefined, id: FailoverProcedureStep['id']): string {
  const steps = (DRILLED[id] ?? [])
    .map((s) => report?.steps.find((x) => x.id === s && x.status === 'passed'))
    .filter((x) => x?.durationSeconds !== undefined);
  if (!report) return 'not drilled yet';
  if (!steps.length) return 'not part of the drill';
  const secs = steps.reduce((a, s) => a + s!.durationSeconds!, 0);
  return `${secs < 120 ? `${Math.round(secs)} s` : `${Math.round(secs / 60)} min`} (${report.target.kind === 'aws' ? 'AWS' : 'emulator'}, ${report.startedAt.slice(0, 10)})`;
}

function budgets(pair: DrPair | undefined, id: FailoverProcedureStep['id'], strategy: string): string {
  const rto = pair?.rto;
  if (!rto) return 'no estimate (pnpm check)';
  const cutover = Object.entries(rto.breakdown).find(([k]) => k.startsWith('cutover'))?.[1] ?? 0;
  if (id === 'apply')
    return `${rto.minutes - cutover} min (${Object.entries(rto.breakdown)
      .filter(([k]) => !k.startsWith('cutover'))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`;
  if (id === 'promote') return `part of the ${rto.minutes - cutover} min of the apply below (the promotion restarts the instance)`;
  if (id === 'complete') return `within the ${rto.minutes - cutover} min above (${strategy}: the database is already serving)`;
  if (id === 'traffic' || id === 'verify') return `${cutover} min together (cut-over)`;
  return 'a few minutes, outside the RTO model';
}

/** Who may declare the disaster, and on what criteria: the definition's, or what to fill in. */
function declare(ws: Workspace): RunbookView['declare'] {
  const declaration = ws.definition?.data.dr.declaration;
  return {
    who:
      declaration?.who ??
      '<fill in dr.declaration.who in environments/platform.yaml: the role that may declare a disaster, and how to reach them>',
    criteria: declaration?.criteria ?? [
      "<fill in dr.declaration.criteria in environments/platform.yaml: e.g. the region has been unavailable for 30 minutes and the provider's status page confirms it>",
    ],
  };
}

/** Before the failover: the recovery point, the DR region's capacity, the pair's check. */
function prechecks(p: Pair, way: DrStrategy, drDb: string | undefined): RunbookView['prechecks'] {
  const aws = p.dr.cloud === 'aws';
  return [
    {
      what: way.runbook.dataCheck(p),
      commands: [
        `pnpm failover ${p.dr.name} ${CLOUD_FLAG[p.dr.cloud]} --dry-run`,
        ...(!aws && drDb
          ? [
              `gcloud sql instances describe ${drDb}${p.dr.gcpProject ? ` --project ${p.dr.gcpProject}` : ''} --format='value(state,instanceType,masterInstanceName)'`,
            ]
          : []),
      ],
    },
    {
      what: `Capacity: the DR environment at full size fits the account's quotas in ${p.dr.region}`,
      commands: aws
        ? [
            `aws service-quotas get-service-quota --region ${p.dr.region} --service-code ec2 --quota-code L-1216C47A`,
            `aws rds describe-account-attributes --region ${p.dr.region}`,
          ]
        : [
            `gcloud compute regions describe ${p.dr.region}${p.dr.gcpProject ? ` --project ${p.dr.gcpProject}` : ''} --format='table(quotas.metric,quotas.limit,quotas.usage)'`,
          ],
    },
    { what: 'The pair: pnpm check reports no error for it', commands: [`pnpm check ${p.primary.name} ${p.dr.name}`] },
  ];
}

/** The last drill of the pair, in one line. */
function lastDrillLine(report: DrillReport | undefined, p: Pair): string {
  return report
    ? `${report.startedAt} on ${report.target.kind === 'aws' ? 'AWS' : 'the emulator'}: ${report.status}${report.rto ? `, RTO ${report.rto.measuredMinutes} min` : ''}${report.rpo ? `, RPO ${report.rpo.measuredMinutes} min` : ''} (${report.files?.markdown ?? 'drills/'})`
    : `never (pnpm drill ${p.dr.name})`;
}

/** Everything the template needs, from the model. */
export function runbookView(
  ws: Workspace,
  p: Pair,
  pair: DrPair | undefined,
  primaryJson: TerraformJson,
  drJson: TerraformJson,
  way: DrStrategy = strategyFor(p.dr),
): RunbookView {
  const strategy = p.dr.dr.strategy;
  const failoverSteps = way.failover.steps.map((x) => x.step);
  const steps = failoverSteps[0] ? failoverProcedure(p, failoverSteps[0], primaryJson, drJson, way) : [];
  const report = lastDrillReport(ws.root, p.dr.name)?.report;
  const aws = p.dr.cloud === 'aws';
  const primaryQueues = aws ? 'aws_sqs_queue' : 'google_pubsub_subscription';
  // a step the command carries out itself once confirmed (GCP: the promotion) is in the procedure: step 1 plans it
  const selfRun = steps.some((s) => s.by === 'failover');
  const n = names(primaryJson, drJson, p);
  return {
    drEnv: p.dr.name,
    primary: p.primary.name,
    primaryRegion: p.primary.region,
    drRegion: p.dr.region,
    cloud: p.dr.cloud,
    policy: p.dr.dr.policy,
    strategy,
    strategyText: way.runbook.peacetime(strategy),
    rpoMinutes: p.dr.dr.rpoMinutes,
    rtoMinutes: p.dr.dr.rtoMinutes,
    mechanism: pair?.rpo
      ? pair.rpo.drivers.map((d) => `${d.bundle}: ${d.mechanism}`).join('; ')
      : 'none reaches the DR region (pnpm check)',
    estimate: pair?.rto && pair.rpo ? `RPO ${pair.rpo.minutes} min worst case, RTO ${pair.rto.minutes} min estimated` : 'see pnpm check',
    declare: declare(ws),
    prechecks: prechecks(p, way, n.drDb),
    failoverWrite: selfRun
      ? `**Plan the failover** (it reads the replica in ${p.dr.region} and shows the manifest change, the Terraform difference, and the steps below; \`--dry-run\` changes nothing and writes nothing). The failover itself is step ${steps.findIndex((s) => s.by === 'failover') + 2}.`
      : `**Write the failover into the manifest** (it finds the recovery point in ${p.dr.region} and shows\n   its age against the RPO, the Terraform difference, and the steps below; \`--dry-run\` writes\n   nothing). Review the change and commit it.`,
    failoverWho: `Step ${selfRun ? steps.findIndex((s) => s.by === 'failover') + 2 : 1} writes it`,
    failoverCommand: selfRun ? `pnpm failover ${p.dr.name} ${CLOUD_FLAG[p.dr.cloud]} --dry-run` : failoverLine(p),
    failoverSteps: stepsText(failoverSteps),
    steps: steps.map((s, i) => ({
      n: i + 2,
      title: s.title,
      by: BY[s.by],
      changes: s.changes,
      commands: s.commands,
      budget: budgets(pair, s.id, strategy),
      lastDrill: drilled(report, s.id),
    })),
    queueLoss: queueLoss(
      p,
      placedResources(primaryJson, primaryQueues)
        .map((q) => literal(q.body.name))
        .filter((n): n is string => !!n),
      2 + steps.findIndex((s) => s.id === 'replay'),
    ),
    lastDrill: lastDrillLine(report, p),
    ...failbackView(p, primaryJson, drJson, way),
  };
}

/**
 * The runbook's "what is lost" for the queues: without archives, every message in flight in the
 * primary region; with them (queue.replay: archive), only what had not reached the archive in the
 * DR region at the loss, the rest replayed by step `replayStep` (1 if the procedure has none).
 */
export function queueLoss(p: Pair, queues: readonly string[], replayStep: number): string {
  const { primary, dr } = p;
  if (!queues.length) return `${primary.name} defines no queues.`;
  const list = queues.map((q) => `\`${q}\``).join(', ');
  const dlq = 'Messages in the dead-letter queues are lost too: note what they held from your monitoring.';
  const archived = archivesQueues(primary);
  if (!archived.length) {
    return `Queues are not replicated. Messages in flight in ${primary.region} at the loss are lost with the region: ${list}. Producers must be able to send again what was not acknowledged, and consumers must be idempotent (the same message may come twice). ${dlq} (Set queue.replay: archive to archive every message in ${dr.region} and replay it at failover.)`;
  }
  const where =
    primary.cloud === 'aws'
      ? `SNS delivered every message of ${archived.join(', ')} to an archive queue in ${dr.region} as well (seconds; check budgets a minute)`
      : `a Cloud Storage subscription wrote every message of ${archived.join(', ')} to a bucket in ${dr.region} (a file a minute)`;
  const step = replayStep > 1 ? `step ${replayStep}` : 'the replay step';
  const lost =
    primary.cloud === 'aws'
      ? 'messages SNS had not delivered to the archive at the loss (the last seconds), and messages sent straight to a queue instead of through its topic (not archived)'
      : "messages in the subscription's file not yet written at the loss (up to two minutes)";
  return `Queues are not replicated, but ${where}. ${step[0]!.toUpperCase()}${step.slice(1)} replays into ${dr.name}'s queues each archived message newer than the consumers' checkpoint, once; consumers drop a message whose idempotency key they already completed. Lost: ${lost}. ${dlq}`;
}

/** Who carries out a procedure step, as the runbook says it. */
const BY: Record<FailoverProcedureStep['by'], string> = {
  terraform: 'Terraform',
  failover: 'pnpm failover, once confirmed',
  operator: 'by hand',
};

/** `one step: \`failover.step: restore\``, `two steps: … , then …`. */
function stepsText(steps: readonly string[]): string {
  const count = ['no steps', 'one step', 'two steps', 'three steps'][steps.length] ?? `${steps.length} steps`;
  return `${count}: ${steps.map((x) => `\`failover.step: ${x}\``).join(', then ')}`;
}

/** The runbook's text: the view through the template, compiled in strict mode. */
export function renderRunbook(root: string, view: RunbookView): string {
  const template = Handlebars.compile(readWorkspaceFile(root, TEMPLATE, { kind: 'template' }), { noEscape: true, strict: true });
  return template(view);
}

/** Write `environments/<dr-env>/RUNBOOK.md` (atomically); returns the path relative to the root. */
export function writeRunbook(root: string, drEnv: string, text: string): string {
  const rel = join('environments', drEnv, RUNBOOK_FILE);
  writeFileAtomic(join(root, rel), text);
  return rel;
}

/** The runbook a DR environment's model gives, from a check report and the Terraform of both environments; none if either has no Terraform. */
export function runbookText(
  ws: Workspace,
  drEnv: string,
  report: CheckReport,
  jsonOf: (env: string) => TerraformJson | undefined,
): string | undefined {
  const p = pairIn(ws, drEnv, 'runbook');
  const [primaryJson, drJson] = [jsonOf(p.primary.name), jsonOf(drEnv)];
  if (!primaryJson || !drJson) return undefined;
  const pair = report.dr.find((x) => x.dr?.name === drEnv);
  return renderRunbook(ws.root, runbookView(ws, p, pair, primaryJson as TerraformJson, drJson as TerraformJson));
}

/** `pnpm check`: every DR environment of the report whose RUNBOOK.md is missing or no longer what the model gives. */
export function runbookFindings(ws: Workspace, report: CheckReport, jsonOf: (env: string) => TerraformJson | undefined): Finding[] {
  const out: Finding[] = [];
  for (const pair of report.dr) {
    const name = pair.dr?.name;
    // a pair that does not resolve has its own findings; its runbook is judged once it does
    const valid = (env: string | undefined) => !!env && !!report.envs.find((e) => e.name === env)?.valid;
    if (!name || !valid(name) || !valid(pair.primary)) continue;
    const text = runbookText(ws, name, report, jsonOf);
    const file = `environments/${name}/${RUNBOOK_FILE}`;
    if (text === undefined || holdsExactly(ws.root, file, text)) continue;
    out.push({ check: 'dr', env: name, ...runbookStale(name, file, !existsSync(join(ws.root, file))) });
  }
  return out;
}
