/**
 * Refreshing the AWS half of the region catalog from botocore's `endpoints.json`.
 *
 * Taken from botocore: region codes and names, and per region the service endpoint prefixes
 * (keys equal to the region code, deprecated endpoints skipped), plus the partition-global
 * services. Kept by hand, and carried over: country, jurisdiction, continent, opt-in, and the
 * SSM service list. A region botocore adds that the catalog lacks is added with its hand fields
 * marked unknown (`null`), and reported, so a person fills them in from the sources in SOURCES.md.
 */
import { readFileSync } from 'node:fs';

export interface Endpoints {
  version: number;
  partitions: Array<{
    partition: string;
    regions: Record<string, { description: string }>;
    services: Record<string, { endpoints: Record<string, { deprecated?: boolean }> }>;
  }>;
}

export interface AwsRegionRecord {
  code: string;
  name: string;
  country: string | null;
  jurisdiction: string | null;
  continent: string | null;
  optIn: boolean | null;
  services: string[];
  ssmServices: string[];
}

export interface AwsCatalogFile {
  schemaVersion: number;
  generated: string;
  source: Record<string, unknown> & { botocoreVersion: string };
  globalServices: string[];
  regions: AwsRegionRecord[];
}

export interface RefreshResult {
  readonly catalog: AwsCatalogFile;
  readonly added: string[];
  readonly removed: string[];
  /** Services gained and lost per region. */
  readonly changes: Array<{ region: string; gained: string[]; lost: string[] }>;
}

export function refreshAwsCatalog(current: AwsCatalogFile, endpoints: Endpoints, botocoreVersion: string, today: string): RefreshResult {
  const aws = endpoints.partitions.find((p) => p.partition === 'aws');
  if (!aws) throw new Error('endpoints.json has no "aws" partition');
  const codes = Object.keys(aws.regions).sort();
  const perRegion = new Map<string, Set<string>>(codes.map((c) => [c, new Set()]));
  const global: string[] = [];
  for (const [prefix, svc] of Object.entries(aws.services)) {
    let regional = false;
    for (const [key, ep] of Object.entries(svc.endpoints ?? {})) {
      if (ep.deprecated) continue;
      const set = perRegion.get(key);
      if (set) {
        set.add(prefix);
        regional = true;
      }
    }
    if (!regional) global.push(prefix);
  }
  const old = new Map(current.regions.map((r) => [r.code, r]));
  const added = codes.filter((c) => !old.has(c));
  const removed = [...old.keys()].filter((c) => !perRegion.has(c)).sort();
  const changes: RefreshResult['changes'] = [];
  const regions: AwsRegionRecord[] = codes.map((code) => {
    const prev = old.get(code);
    const services = [...perRegion.get(code)!].sort();
    if (prev) {
      const before = new Set(prev.services);
      const gained = services.filter((s) => !before.has(s));
      const lost = prev.services.filter((s) => !perRegion.get(code)!.has(s));
      if (gained.length || lost.length) changes.push({ region: code, gained, lost });
    }
    return {
      code,
      name: aws.regions[code]!.description,
      country: prev?.country ?? null,
      jurisdiction: prev?.jurisdiction ?? null,
      continent: prev?.continent ?? null,
      optIn: prev?.optIn ?? null,
      services,
      ssmServices: prev?.ssmServices ?? [],
    };
  });
  return {
    catalog: {
      ...current,
      generated: today,
      source: { ...current.source, botocoreVersion, botocoreFileVersionField: endpoints.version },
      globalServices: global.sort(),
      regions,
    },
    added,
    removed,
    changes,
  };
}

export function readEndpoints(file: string): Endpoints {
  return JSON.parse(readFileSync(file, 'utf8')) as Endpoints;
}
