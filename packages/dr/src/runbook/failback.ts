/**
 * The runbook's failback section: the steps of `pnpm failback`, with the exact commands for this
 * pair (names from both environments' Terraform), for a replica pair and a backup & restore pair.
 * GCP pairs get the commands to fail back by hand (`pnpm failback` runs on AWS only).
 */
import type { TerraformJson } from '@parity/model/terraform';
import { databaseOf } from '../failback/procedure.js';
import type { Pair } from '../pair.js';
import { names } from '../failover/procedure.js';

export interface FailbackRunbookStep {
  readonly n: number;
  readonly title: string;
  readonly by: string;
  readonly changes: string;
  readonly commands: readonly string[];
}

const stack = (env: string) => `environments/${env}/cdktf.out/stacks/${env}`;
const apply = (env: string, replace?: string) => [
  `pnpm synth ${env}`,
  `terraform -chdir=${stack(env)} init -input=false`,
  `terraform -chdir=${stack(env)} plan${replace ? ` -replace=${replace}` : ''} -out=failback.tfplan`,
  `terraform -chdir=${stack(env)} apply failback.tfplan`,
];

/** GCP: the same way back, by hand: a Cloud SQL replica of the dr instance in the primary region, promoted at a fenced moment. */
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
    failbackIntro: '`pnpm failback` runs on AWS only today: fail back by hand, in this order.',
    failback: steps.map((s, i) => ({ n: i + 1, ...s })),
  };
}

/** Backup & restore: reprotect (the dr environment's backups copied back), restore at a fenced moment, complete. */
function backupFailback(
  p: Pair,
  primaryJson: TerraformJson,
  drJson: TerraformJson,
): { failbackIntro: string; failback: FailbackRunbookStep[] } {
  const { primary, dr } = p;
  const run = `pnpm failback ${dr.name} --aws --reason "<why now>" --by "<who>"`;
  const pdb = databaseOf(primaryJson);
  const ddb = databaseOf(drJson);
  const n = names(primaryJson, drJson, p);
  const lift = (region: string, id: string | undefined) =>
    `aws rds modify-db-instance --region ${region} --db-instance-identifier ${id} --no-deletion-protection --apply-immediately`;
  const steps = [
    {
      title: `Re-protect: ${dr.name}'s backups copied into ${primary.region} (failback.step reprotect)`,
      by: 'pnpm failback, then Terraform',
      changes: `writes \`failback: step: reprotect\` into environments/${primary.name}/environment.yaml and shows the newest copy of ${dr.name}'s database found in ${primary.region}. The apply of ${dr.name} adds a copy vault with its own key in ${primary.region}, copy actions to it and replicated automated backups; ${primary.name} is not changed`,
      commands: [run, ...apply(dr.name)],
    },
    {
      title: 'Switch over at a fenced moment (failback.step restore)',
      by: 'pnpm failback, then Terraform',
      changes: `waits until a copy in ${primary.region} is within the RPO (${dr.dr.rpoMinutes} min), fences ${dr.name}'s writers (its node groups to zero), snapshots ${ddb?.id ?? 'its database'} after the fence (nothing written before it is lost), copies it into ${primary.region} with ${primary.name}'s database key, then writes \`failback.step: restore\` naming the copy. The apply REPLACES ${primary.name}'s old, diverged database with one restored from it${pdb?.finalSnapshot ? ` (Terraform's delete keeps a final snapshot, ${pdb.finalSnapshot})` : ''}. Then point traffic back at ${primary.region}`,
      commands: [
        run,
        ...n.drNodeGroups.map(
          (g) =>
            `# the fence it runs: aws eks update-nodegroup-config --region ${dr.region} --cluster-name ${n.drCluster} --nodegroup-name ${g} --scaling-config minSize=0,maxSize=1,desiredSize=0`,
        ),
        ...(pdb?.protected ? [lift(primary.region, pdb.id)] : []),
        ...apply(primary.name, pdb?.address),
      ],
    },
    {
      title: 'Restore the original roles (complete)',
      by: 'pnpm failback, then Terraform',
      changes: `removes \`failback:\` from ${primary.name}'s manifest and \`failover:\` from ${dr.name}'s (their comments stay as the history): both exactly as before the failover. ${primary.name}'s restored database is kept (snapshot_identifier is read at creation only); ${dr.name} is destroyed again (backup & restore keeps only the backup plane in ${dr.region})${ddb?.finalSnapshot ? `, its database's final snapshot kept (${ddb.finalSnapshot})` : ''}`,
      commands: [
        run,
        ...apply(primary.name),
        ...(ddb?.protected ? [lift(dr.region, ddb.id)] : []),
        `pnpm synth ${dr.name}`,
        `terraform -chdir=${stack(dr.name)} init -input=false`,
        `terraform -chdir=${stack(dr.name)} plan -destroy -out=destroy.tfplan`,
        `terraform -chdir=${stack(dr.name)} apply destroy.tfplan`,
        `pnpm check ${primary.name} ${dr.name}`,
        `pnpm gen runbook ${dr.name}`,
      ],
    },
  ];
  return {
    failbackIntro: `Once ${primary.region} is back, \`pnpm failback\` returns one step per run, each a reviewable manifest change (\`--dry-run\` shows it first; \`pnpm drill ${dr.name} --failback\` practises all of it). Run it again after each apply:`,
    failback: steps.map((s, i) => ({ n: i + 1, ...s })),
  };
}

/** The failback section of a pair's runbook. */
export function failbackView(
  p: Pair,
  primaryJson: TerraformJson,
  drJson: TerraformJson,
): { failbackIntro: string; failback: FailbackRunbookStep[] } {
  const { primary, dr } = p;
  if (dr.cloud !== 'aws') return gcpByHand(p, primaryJson, drJson);
  if (dr.dr.strategy === 'backup-restore') return backupFailback(p, primaryJson, drJson);
  const run = `pnpm failback ${dr.name} --aws --reason "<why now>" --by "<who>"`;
  const pdb = databaseOf(primaryJson);
  const ddb = databaseOf(drJson);
  const n = names(primaryJson, drJson, p);
  const lift = (region: string, id: string | undefined) =>
    `aws rds modify-db-instance --region ${region} --db-instance-identifier ${id} --no-deletion-protection --apply-immediately`;
  const steps = [
    {
      title: `Re-protect: ${primary.name} becomes the DR of ${dr.name} (failback.step reprotect)`,
      by: 'pnpm failback, then Terraform',
      changes: `writes \`failback: step: reprotect\` into environments/${primary.name}/environment.yaml. AWS cannot turn a standalone instance into a read replica, so ${primary.name}'s old, diverged database is REPLACED by a read replica of ${dr.name}'s${pdb?.finalSnapshot ? ` (Terraform's delete keeps a final snapshot, ${pdb.finalSnapshot})` : ''}; its compute goes to standby size`,
      commands: [run, ...(pdb?.protected ? [lift(primary.region, pdb.id)] : []), ...apply(primary.name, pdb?.address)],
    },
    {
      title: `Switch over at a fenced moment (failback.step promote)`,
      by: 'pnpm failback, then Terraform',
      changes: `waits until the replica in ${primary.region} is within the RPO (${dr.dr.rpoMinutes} min), fences ${dr.name}'s writers (its node groups to zero), waits for replica lag 0 (nothing lost), then writes \`failback.step: promote\`; the apply promotes ${pdb?.id ?? 'the replica'} and scales up. Then point traffic back at ${primary.region}`,
      commands: [
        run,
        ...n.drNodeGroups.map(
          (g) =>
            `# the fence it runs: aws eks update-nodegroup-config --region ${dr.region} --cluster-name ${n.drCluster} --nodegroup-name ${g} --scaling-config minSize=0,maxSize=1,desiredSize=0`,
        ),
        ...apply(primary.name),
      ],
    },
    {
      title: `Complete (failback.step complete)`,
      by: 'pnpm failback, then Terraform',
      changes: `${primary.name}'s database a full primary again (backups, managed master password, deletion protection), in place`,
      commands: [run, ...apply(primary.name)],
    },
    {
      title: 'Restore the original roles',
      by: 'pnpm failback, then Terraform',
      changes: `removes \`failback:\` from ${primary.name}'s manifest and \`failover:\` from ${dr.name}'s (their comments stay as the history): both exactly as before the failover. ${dr.name}'s database is REPLACED by a read replica of ${primary.name}'s${ddb?.finalSnapshot ? ` (final snapshot ${ddb.finalSnapshot})` : ''}, its compute back to standby size; ${primary.name}'s plan shows no change`,
      commands: [
        run,
        ...(ddb?.protected ? [lift(dr.region, ddb.id)] : []),
        ...apply(dr.name, ddb?.address),
        `terraform -chdir=${stack(primary.name)} plan -detailed-exitcode`,
        `pnpm check ${primary.name} ${dr.name}`,
        `pnpm gen runbook ${dr.name}`,
      ],
    },
  ];
  return {
    failbackIntro: `Once ${primary.region} is back, \`pnpm failback\` returns one step per run, each a reviewable manifest change (\`--dry-run\` shows it first; \`pnpm drill ${dr.name} --failback\` practises all of it). Run it again after each apply:`,
    failback: steps.map((s, i) => ({ n: i + 1, ...s })),
  };
}
