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
import { failoverProcedure, type FailoverProcedureStep } from '../failover/procedure.js';
import { archivesQueues } from '../failover/replay.js';
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
  if (id === 'complete') return `within the ${rto.minutes - cutover} min above (${strategy}: the database is already serving)`;
  if (id === 'traffic' || id === 'verify') return `${cutover} min together (cut-over)`;
  return 'a few minutes, outside the RTO model';
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
  const declaration = ws.definition?.data.dr.declaration;
  const aws = p.dr.cloud === 'aws';
  const primaryQueues = aws ? 'aws_sqs_queue' : 'google_pubsub_subscription';
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
    declare: {
      who:
        declaration?.who ??
        '<fill in dr.declaration.who in environments/platform.yaml: the role that may declare a disaster, and how to reach them>',
      criteria: declaration?.criteria ?? [
        "<fill in dr.declaration.criteria in environments/platform.yaml: e.g. the region has been unavailable for 30 minutes and the provider's status page confirms it>",
      ],
    },
    prechecks: [
      {
        what: way.runbook.dataCheck(p),
        commands: aws
          ? [`pnpm failover ${p.dr.name} --aws --dry-run`]
          : [`gcloud sql instances describe <the DR replica> --format='value(replicaConfiguration)'`],
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
    ],
    failoverCommand: aws
      ? `pnpm failover ${p.dr.name} --aws --reason "<why>" --by "<who declared>"`
      : `# pnpm failover runs on AWS only today: add the failover: section to environments/${p.dr.name}/environment.yaml by hand (docs/failover-failback.md)`,
    failoverSteps: stepsText(failoverSteps),
    steps: steps.map((s, i) => ({
      n: i + 2,
      title: s.title,
      by: s.by === 'terraform' ? 'Terraform' : 'by hand',
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
    lastDrill: report
      ? `${report.startedAt} on ${report.target.kind === 'aws' ? 'AWS' : 'the emulator'}: ${report.status}${report.rto ? `, RTO ${report.rto.measuredMinutes} min` : ''}${report.rpo ? `, RPO ${report.rpo.measuredMinutes} min` : ''} (${report.files?.markdown ?? 'drills/'})`
      : `never (pnpm drill ${p.dr.name})`,
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
