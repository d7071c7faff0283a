/**
 * The pair a drill or a failover works on: the DR environment and the production environment it
 * recovers, resolved from the workspace; refusals say what and how to fix it.
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

export type { Strategy } from '@parity/model';

/** The strategy of the pair's policy. */
export function strategyOf(dr: ResolvedEnvironment): ResolvedEnvironment['dr']['strategy'] {
  return dr.dr.strategy;
}

export interface Pair {
  readonly ws: Workspace;
  readonly dr: ResolvedEnvironment;
  readonly primary: ResolvedEnvironment;
}

/** The pair a DR environment recovers, resolved; `command` names what is refused (drill, failover). */
export async function resolvePair(root: string, drEnv: string, command = 'drill'): Promise<Pair> {
  const ws = await loadWorkspace(root);
  const pair = pairIn(ws, drEnv, command);
  if (pair.dr.cloud !== 'aws') refuseOne(cloudUnsupported(drEnv, pair.dr.cloud, command));
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

/** Snapshot identifiers: letters, digits and single hyphens, starting with a letter. */
export function snapshotId(prefix: string, stamp: string, suffix = ''): string {
  const id = `${prefix}-${stamp}${suffix ? `-${suffix}` : ''}`.toLowerCase();
  return id
    .replace(/[^a-z0-9-]/g, '-')
    .replace(/-+/g, '-')
    .replace(/-$/, '')
    .slice(0, 255);
}
