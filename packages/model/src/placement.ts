/**
 * Where environments may run and what their regions offer: bundle order, services and features
 * per region, jurisdictions, and the state backend of an environment.
 */
import { own } from './own.js';
import type { BundleSpec, FeatureSpec } from './bundle.js';
import { regionCatalog, type Cloud, type RegionInfo } from './catalog.js';
import type { Definition } from './config.js';
import type { StateBackend } from './resolved.js';

/** Bundle names in dependency order (connections first), ties in definition order. */
export function bundleOrder(def: Definition, bundles: ReadonlyMap<string, BundleSpec>): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string, depth: number) => {
    if (seen.has(n) || depth > 50) return;
    for (const c of Object.keys(bundles.get(n)?.connects ?? {})) if (def.bundles[c]) visit(c, depth + 1);
    if (!seen.has(n)) {
      seen.add(n);
      order.push(n);
    }
  };
  for (const n of Object.keys(def.bundles)) visit(n, 0);
  return order;
}

/** Services every bundle needs in a region that the catalog says are absent (false) or unsourced (null). */
export function missingServices(
  cloud: Cloud,
  region: string,
  specs: Iterable<BundleSpec>,
): { missing: Array<[string, string]>; unknown: Array<[string, string]> } {
  const cat = regionCatalog();
  const missing: Array<[string, string]> = [];
  const unknown: Array<[string, string]> = [];
  for (const spec of specs) {
    for (const s of spec.services[cloud]) {
      const has = cat.hasService(cloud, region, s);
      if (has === false) missing.push([spec.name, s]);
      else if (has === null) unknown.push([spec.name, s]);
    }
  }
  return { missing, unknown };
}

/** Regions, nearest first, that have every service the bundles need; optionally in one jurisdiction. */
export function regionsWithAll(cloud: Cloud, near: string, specs: readonly BundleSpec[], jurisdiction?: string): RegionInfo[] {
  const cat = regionCatalog();
  const candidates = cat
    .list(cloud)
    .filter((r) => (jurisdiction ? r.jurisdiction === jurisdiction : true))
    .filter((r) => missingServices(cloud, r.code, specs).missing.length === 0);
  return cat.nearest(cloud, near, candidates);
}

/** Region codes and names, for messages. */
export function listRegions(rs: RegionInfo[], n = 4): string {
  return (
    rs
      .slice(0, n)
      .map((r) => `${r.code} (${r.name})`)
      .join(', ') || '(none in the catalog)'
  );
}

export function stateBackend(def: Definition, env: string, cloud: Cloud, region: string, bucket?: string): StateBackend {
  if (cloud === 'aws') {
    const lockTable = def.state.aws.lockTable;
    return {
      backend: 's3',
      bucket: bucket ?? def.state.aws.bucket.replaceAll('{region}', region),
      key: `${env}/terraform.tfstate`,
      region,
      ...(lockTable ? { lockTable } : {}),
    };
  }
  return { backend: 'gcs', bucket: bucket ?? def.state.gcp.bucket.replaceAll('{region}', region), prefix: env, region };
}

/** The jurisdiction of an environment and its members, from the definition's residency section or its region. */
export function jurisdictionOf(
  def: Definition,
  env: string,
  region: RegionInfo | undefined,
): { name: string; members: string[] } | undefined {
  const named = own(def.residency.environments, env);
  if (named) return { name: named, members: own(def.residency.groups, named) ?? [named] };
  return region ? { name: region.jurisdiction, members: [region.jurisdiction] } : undefined;
}

/** Whether a feature is offered between two regions, per the region catalog. */
export function featureOffered(f: FeatureSpec, from: string, to: string): boolean {
  switch (f.id) {
    case 'rds-automated-backups-replication':
      return regionCatalog().supportsRdsBackupReplication(from, to);
  }
}
