/**
 * The runbook's failback section: the steps of `pnpm failback`, with the exact commands for this
 * pair (names from both environments' Terraform), as the pair's strategy makes them, on AWS and
 * on GCP. A GCP pair whose strategy `pnpm failback` does not run there (backup & restore) gets
 * the commands to fail back by hand.
 */
import type { TerraformJson } from '@parity/model/terraform';
import { CLOUD_FLAG } from '../cloud/target.js';
import { names } from '../names.js';
import type { Pair } from '../pair.js';
import { GCP_STRATEGY_OF } from '../strategy/strategies.js';
import type { DrStrategy } from '../strategy/strategy.js';

export interface FailbackRunbookStep {
  readonly n: number;
  readonly title: string;
  readonly by: string;
  readonly changes: string;
  readonly commands: readonly string[];
}

/** GCP backup & restore: the way back by hand: a Cloud SQL replica of the dr instance in the primary region, promoted at a fenced moment. */
function gcpByHand(p: Pair, primaryJson: TerraformJson, drJson: TerraformJson): { failbackIntro: string; failback: FailbackRunbookStep[] } {
  const { primary, dr } = p;
  const n = names(primaryJson, drJson, p);
  const pp = primary.gcpProject ? ` --project ${primary.gcpProject}` : '';
  const steps = [
    {
      title: `Re-protect: a Cloud SQL replica of ${dr.name}'s instance in ${primary.region}`,
      by: 'by hand',
      changes: `${primary.name}'s old instance diverged at the failover: delete it, and create a cross-region replica of ${n.drDb ?? `${dr.name}'s instance`} in its place`,
      commands: [
        `gcloud sql instances create ${n.primaryDb ?? `<${primary.name}'s instance>`} --master-instance-name=${dr.gcpProject ? `${dr.gcpProject}:` : ''}${n.drDb ?? '<dr instance>'} --region ${primary.region}${pp}`,
      ],
    },
    {
      title: `Switch over at a fenced moment: stop ${dr.name}'s writers, wait for the replica to catch up, promote it`,
      by: 'by hand',
      changes: `${primary.name}'s instance a standalone primary again; point traffic back at ${primary.region}`,
      commands: [`gcloud sql instances promote-replica ${n.primaryDb ?? `<${primary.name}'s instance>`}${pp}`],
    },
    {
      title: 'Restore the roles',
      by: 'by hand',
      changes: `remove ${dr.name}'s \`failover:\` section (keep its comment as the history) and apply both: ${dr.name}'s instance becomes a replica of ${primary.name}'s again`,
      commands: [`pnpm check ${primary.name} ${dr.name}`],
    },
  ];
  return {
    failbackIntro: `\`pnpm failback\` does not run ${p.dr.dr.strategy} on GCP: fail back by hand, in this order.`,
    failback: steps.map((s, i) => ({ n: i + 1, ...s })),
  };
}

/** The failback section of a pair's runbook. */
export function failbackView(
  p: Pair,
  primaryJson: TerraformJson,
  drJson: TerraformJson,
  strategy: DrStrategy,
): { failbackIntro: string; failback: FailbackRunbookStep[] } {
  if (p.dr.cloud === 'gcp' && !GCP_STRATEGY_OF[p.dr.dr.strategy]) return gcpByHand(p, primaryJson, drJson);
  return {
    failbackIntro: `Once ${p.primary.region} is back, \`pnpm failback ${CLOUD_FLAG[p.dr.cloud]}\` returns one step per run, each a reviewable manifest change (\`--dry-run\` shows it first; ${p.dr.cloud === 'aws' ? `\`pnpm drill ${p.dr.name} --failback\` practises all of it` : 'no drill practises it: drills run on an AWS emulator, and no GCP emulator exists'}). Run it again after each apply:`,
    failback: strategy.runbook.failback(p, primaryJson, drJson).map((s, i) => ({ n: i + 1, ...s })),
  };
}
