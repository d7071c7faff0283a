import pc from 'picocolors';
import { lastDrill, resolveForCheck, runChecks, type Finding } from '@parity/checks';
import { join, relative } from 'node:path';
import {
  candidateWorkspace,
  planEnvironment,
  renderEnvironment,
  stampedDependents,
  stampedFiles,
  writeEnvironment,
  type GenPlan,
} from '@parity/generator';
import { writeFileAtomic } from '@parity/io';
import {
  environmentMissing,
  holdsExactly,
  issue,
  loadWorkspace,
  readWorkspaceFileIfExists,
  stateBackend,
  type Cloud,
  type Manifest,
  type Problem,
  type Workspace,
} from '@parity/model';
import { failOnErrors } from '../report.js';
import type { TerraformJson } from '@parity/model/terraform';
import { npmInstaller } from '@parity/release/install';

export interface GenEnvFlags {
  cloud?: Cloud;
  region?: string;
  recovers?: string;
  tier?: string;
  drPolicy?: string;
  force?: boolean;
  /** Restamp what `gen env` stamped from the model into an existing environment; its manifest's values stay. */
  refresh?: boolean;
}

/**
 * Everything `pnpm check` would reject about the new environment and the one it recovers, found
 * by running the checks on the workspace as it would be, with Terraform synthesized in memory.
 * A production environment without its dr environment yet is a warning here: it cannot have one
 * before it exists, and the message says which command comes next.
 */
export async function verifyPlan(ws: Workspace, plan: GenPlan): Promise<Problem[]> {
  const names = [plan.name, ...(plan.manifest.recovers ? [plan.manifest.recovers] : [])];
  const { synthToJson } = await import('@parity/synth');
  const findingsOf = async (w: Workspace, only: string[]): Promise<Finding[]> => {
    const resolved = resolveForCheck(w, only);
    const json = new Map<string, TerraformJson>();
    for (const e of resolved.envs) json.set(e.name, (await synthToJson(ws.root, e)) as TerraformJson);
    return runChecks(w, resolved, (n) => json.get(n)).findings.filter(
      (f) => f.env !== undefined && only.includes(f.env) && f.kind !== 'promotion-pending',
    );
  };
  // Only what the new environment brings: problems the recovered one already had are check's to report.
  const key = (f: Finding) => `${f.kind}|${f.env}|${f.path}|${f.message}`;
  const before = new Set((plan.manifest.recovers ? await findingsOf(ws, [plan.manifest.recovers]) : []).map(key));
  return (await findingsOf(candidateWorkspace(ws, plan), names))
    .filter((f) => !before.has(key(f)))
    .map((f) => ({ ...f, severity: f.kind === 'dr-missing' && f.env === plan.name ? ('warning' as const) : f.severity }));
}

/**
 * The runbook of a planned dr environment, as `pnpm gen runbook` will see it once it is written:
 * the checks of the pair on the workspace as it would be, Terraform synthesized in memory, the
 * last drill (a re-stamped environment keeps its reports).
 */
export async function runbookOf(ws: Workspace, plan: GenPlan): Promise<{ file: string; text: string } | undefined> {
  if (!plan.manifest.recovers) return undefined;
  return runbookIn(candidateWorkspace(ws, plan), plan.name);
}

/** The runbook of dr environment `name` in the workspace `candidate` (Terraform synthesized in memory, the last drill). */
async function runbookIn(candidate: Workspace, name: string): Promise<{ file: string; text: string } | undefined> {
  const recovers = candidate.manifests.get(name)?.data.recovers;
  if (!recovers) return undefined;
  const { synthToJson } = await import('@parity/synth');
  const { runbookText, RUNBOOK_FILE } = await import('@parity/dr/runbook');
  const resolved = resolveForCheck(candidate, [name, recovers]);
  const json = new Map<string, TerraformJson>();
  for (const e of resolved.envs) json.set(e.name, (await synthToJson(candidate.root, e)) as TerraformJson);
  const report = runChecks(
    candidate,
    resolved,
    (n) => json.get(n),
    (n) => lastDrill(candidate.root, n),
  );
  const text = runbookText(candidate, name, report, (n) => json.get(n));
  return text === undefined ? undefined : { file: RUNBOOK_FILE, text };
}

/**
 * Write again what was stamped from the model into the existing environment `name` and no longer
 * says what it gives: its README, its manifest's stamped comments, a dr environment's runbook.
 * Returns the files written (relative to the root).
 */
async function restamp(ws: Workspace, name: string, context: string): Promise<string[]> {
  const { files, issues } = stampedFiles(ws, name);
  failOnErrors(issues, `cannot restamp environment ${name}`);
  const changed = files.filter((f) => f.current !== f.text).map((f) => ({ file: f.file, text: f.text }));
  const runbook = await runbookIn(ws, name);
  if (runbook) {
    const file = `environments/${name}/${runbook.file}`;
    const current = readWorkspaceFileIfExists(ws.root, file, { kind: 'generated', what: 'runbook' });
    if (current !== runbook.text) changed.push({ file, text: runbook.text });
  }
  for (const f of changed) writeFileAtomic(join(ws.root, f.file), f.text);
  for (const f of changed) process.stdout.write(`  wrote ${f.file}${context}\n`);
  return changed.map((f) => f.file);
}

/** `gen env <name> --refresh`: restamp an existing environment from the model, changing none of its manifest's values. */
async function refreshEnv(ws: Workspace, name: string, flags: GenEnvFlags): Promise<void> {
  const others = (['cloud', 'region', 'recovers', 'tier', 'drPolicy', 'force'] as const).filter(
    (k) => flags[k] !== undefined && flags[k] !== false,
  );
  if (others.length > 0)
    failOnErrors(
      [
        issue({
          kind: 'env-exists',
          file: `environments/${name}`,
          path: `--${others[0] === 'drPolicy' ? 'dr-policy' : others[0]}`,
          message: '--refresh keeps the manifest as it is: it takes no other flag',
          fix: `drop ${others.map((k) => `--${k === 'drPolicy' ? 'dr-policy' : k}`).join(', ')}; to change the environment, edit its manifest or pass --force instead of --refresh`,
        }),
      ],
      `cannot refresh environment ${name}`,
    );
  if (!ws.manifests.has(name)) failOnErrors([environmentMissing(name, [...ws.manifests.keys()])], `cannot refresh environment ${name}`);
  const written = await restamp(ws, name, '');
  process.stdout.write(
    written.length
      ? `${pc.green('✔')} ${pc.bold(name)}: restamped from the model\n`
      : `${pc.green('✔')} ${pc.bold(name)}: its stamped files say what the model gives\n`,
  );
}

/**
 * What the bootstrap must add for a new environment: always its CI identities and GitHub
 * Environment; and, when its state lives where no other environment's does, the state bucket of
 * that region (without which its first `terraform init` fails).
 */
export function bootstrapNote(
  ws: Workspace,
  name: string,
  m: Pick<Manifest, 'cloud' | 'region' | 'role'> & { state?: { region?: string } },
): string {
  const def = ws.definition.data;
  const bucket = (env: string, cloud: Cloud, region: string) => stateBackend(def, env, cloud, region).bucket;
  const cloud = m.cloud ?? def.defaults.cloud;
  const mine = bucket(name, cloud, m.state?.region ?? m.region!);
  const known = [...ws.manifests.entries()].some(
    ([other, s]) =>
      other !== name &&
      (s.data.cloud ?? def.defaults.cloud) === cloud &&
      s.data.region &&
      bucket(other, cloud, s.data.state?.region ?? s.data.region) === mine,
  );
  const gate = m.role === 'staging' ? '' : ' with required reviewers';
  const lines = [`CI: the bootstrap creates ${name}'s plan and apply identities; add the GitHub Environment ${name}${gate}.`];
  if (!known) lines.unshift(`New state region: ${mine} does not exist yet, and ${name}'s first terraform init needs it.`);
  return `${lines.join('\n')}\nRegenerate and apply the bootstrap: pnpm synth --bootstrap (docs/bootstrap.md).\n`;
}

export async function genEnv(name: string, flags: GenEnvFlags, root?: string): Promise<void> {
  const ws = await loadWorkspace(root, { installer: npmInstaller });
  if (flags.refresh) return refreshEnv(ws, name, flags);
  const { plan, issues } = planEnvironment(ws, name, flags);
  if (!plan) {
    failOnErrors(issues, `cannot generate environment ${name}`);
    return;
  }
  // dr environments change what their primary copies where: run the full check before writing.
  const verified = plan.manifest.role === 'dr' ? await verifyPlan(ws, plan) : [];
  failOnErrors(
    [...issues.filter((i) => i.severity === 'warning'), ...verified],
    `cannot generate environment ${name}: pnpm check would reject it`,
  );
  const existing = ws.manifests.get(name)?.data;
  const dropped = [
    ...Object.entries(existing?.overrides ?? {}).flatMap(([b, v]) => Object.keys(v).map((k) => `overrides.${b}.${k}`)),
    ...Object.keys(existing?.bundles ?? {}).map((b) => `bundles.${b} (pinned ${existing!.bundles![b]})`),
  ];
  if (dropped.length > 0) {
    process.stderr.write(
      pc.yellow(
        `warning: stamping ${name} again replaces its hand edits: ${dropped.join(', ')}. Put them back, or use git to restore them (git diff environments/${name}).\n`,
      ),
    );
  }
  const files = renderEnvironment(ws.root, plan);
  // a dr environment's failover procedure, from the model it becomes part of: computed now, so it
  // lands in the same rename as the environment (a kill in between cannot leave it without one)
  if (plan.manifest.role === 'dr') {
    const runbook = await runbookOf(ws, plan);
    if (runbook) files.set(runbook.file, runbook.text);
  }
  // what --force stamps again byte for byte: said as unchanged, not as written
  const target = join(ws.environmentsDir, name);
  const same = new Set(
    [...files].filter(([f, text]) => holdsExactly(ws.root, join(target, f), text)).map(([f]) => relative(ws.root, join(target, f))),
  );
  const written = writeEnvironment(ws, name, files, flags.force);
  const m = plan.manifest;
  process.stdout.write(
    `${pc.green('✔')} ${pc.bold(name)}: ${m.role} on ${m.cloud} ${m.region}, tier ${m.tier}${m.drPolicy ? `, DR policy ${m.drPolicy}` : ''}${m.recovers ? `, recovers ${m.recovers}` : ''}\n`,
  );
  for (const f of written) process.stdout.write(same.has(f) ? `  ${pc.dim(`unchanged ${f}`)}\n` : `  wrote ${f}\n`);
  // what other environments stamped from this one's model (a dr environment's README says what
  // its region runs under the policy of the environment it recovers)
  const after = await loadWorkspace(ws.root, { installer: npmInstaller });
  for (const dep of stampedDependents(after, name)) await restamp(after, dep, ` (it follows ${name})`);
  const needsDr =
    m.role === 'production' && ws.definition.data.dr.required && ![...ws.manifests.values()].some((s) => s.data.recovers === name);
  if (needsDr)
    process.stdout.write(pc.yellow(`\n${name} needs a dr environment (dr.required): pnpm gen env dr-<region> --recovers ${name}\n`));
  process.stdout.write(`\n${pc.yellow(bootstrapNote(ws, name, m))}`);
  process.stdout.write(
    `\nNext: ${pc.cyan(`pnpm synth ${name}`)}${m.cloud === 'aws' ? ` then ${pc.cyan(`pnpm validate ${name}`)}` : ''}, and ${pc.cyan('pnpm check')}\n`,
  );
}
