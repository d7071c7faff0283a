/**
 * The pair a failover, a failback or a drill works on: the DR environment and the production
 * environment it recovers, resolved from the workspace (refusals say what and how to fix it), and
 * what every one of them reads of it: `pnpm check`'s blocking findings, each environment's
 * Terraform synthesized in memory.
 */
import type { CheckReport } from '@parity/checks';
import {
  cloudUnsupported,
  drEnvironmentMissing,
  loadWorkspace,
  notDrEnvironment,
  type ResolvedEnvironment,
  refuse,
  refuseOne,
  resolveEnvironment,
  type Workspace,
} from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';

export interface Pair {
  readonly ws: Workspace;
  readonly dr: ResolvedEnvironment;
  readonly primary: ResolvedEnvironment;
}

/**
 * The pair a DR environment recovers, resolved; `command` names what is refused (drill, failover).
 * A drill runs on AWS only (moto emulates AWS); a failover and a failback run on either cloud.
 */
export async function resolvePair(root: string, drEnv: string, command = 'drill'): Promise<Pair> {
  const ws = await loadWorkspace(root);
  const pair = pairIn(ws, drEnv, command);
  if (pair.dr.cloud !== 'aws' && command === 'drill') refuseOne(cloudUnsupported(drEnv, pair.dr.cloud, command));
  return pair;
}

/** The pair of a loaded workspace, in any cloud. */
export function pairIn(ws: Workspace, drEnv: string, command = 'drill'): Pair {
  if (!ws.manifests.has(drEnv)) {
    refuseOne(
      drEnvironmentMissing(
        drEnv,
        [...ws.manifests.values()].filter((m) => m.data.role === 'dr').map((m) => m.data.name),
      ),
    );
  }
  const d = resolveEnvironment(ws, drEnv);
  if (!d.env) return refuse(`${drEnv} does not resolve (pnpm check ${drEnv} shows every problem)`, ...d.issues);
  const dr = d.env;
  if (dr.role !== 'dr' || !dr.recovers) refuseOne(notDrEnvironment(drEnv, dr.role, command));
  const p = resolveEnvironment(ws, dr.recovers.name);
  if (!p.env)
    return refuse(
      `${dr.recovers.name}, which ${drEnv} recovers, does not resolve (pnpm check ${dr.recovers.name} shows every problem)`,
      ...p.issues,
    );
  return { ws, dr, primary: p.env };
}

/** The findings that stop a drill: errors about the pair, or about the fleet as a whole. */
export function blockingFindings(report: CheckReport, names: readonly string[]): CheckReport['findings'] {
  return report.findings.filter((f) => f.severity === 'error' && (f.env === undefined || names.includes(f.env)));
}

/** Findings as one line each, `[check env] file path: message` (a refusal lists them). */
export function findingLines(findings: CheckReport['findings']): string[] {
  return findings.map((f) => `[${f.check}${f.env ? ` ${f.env}` : ''}] ${f.file}${f.path ? ` ${f.path}` : ''}: ${f.message}`);
}

/** An environment's Terraform, synthesized in memory (from a manifest text never written, too). */
export async function terraformOf(root: string, env: ResolvedEnvironment): Promise<TerraformJson> {
  const { synthToJson } = await import('@parity/synth');
  return (await synthToJson(root, env)) as TerraformJson;
}

/** Snapshot identifiers: letters, digits and single hyphens, starting with a letter. */
export function snapshotId(prefix: string, stamp: string, suffix = ''): string {
  const id = `${prefix}-${stamp}${suffix ? `-${suffix}` : ''}`.toLowerCase();
  return id
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/-$/, '')
    .slice(0, 255);
}
