/**
 * The region catalog: which regions exist, where they are (jurisdiction), whether an account
 * must opt in, and which services each offers. The data lives in `../data/*.json`, is maintained
 * by this project (see `data/SOURCES.md` and `scripts/refresh-aws-regions.ts`), and is read once.
 */
import { readFileSync } from 'node:fs';
import leven from 'leven';

export type Cloud = 'aws' | 'gcp';
export const CLOUDS: readonly Cloud[] = ['aws', 'gcp'];

export interface RegionInfo {
  readonly cloud: Cloud;
  readonly code: string;
  /** Short code used in environment names: us-west-2 → usw2, europe-west1 → euw1. */
  readonly short: string;
  readonly name: string;
  /** `EU` for EU member states, `UK`, otherwise the ISO 3166-1 alpha-2 country code. */
  readonly jurisdiction: string;
  readonly continent: string;
  readonly country: string;
  /** The account must enable the region before use (AWS opt-in regions). */
  readonly optIn: boolean;
  /** Where to draw it on a map (`data/region-locations.json`): a city, not a data-centre address. */
  readonly location?: RegionLocation;
}

/** A region's place on a map: the city it is named after or sits in, in degrees (WGS 84). */
export interface RegionLocation {
  readonly city: string;
  readonly lat: number;
  readonly lon: number;
}

/** `true` offered, `false` not offered, `null` no source says either way. */
export type Availability = boolean | null;

interface AwsData {
  source: { botocoreVersion: string };
  globalServices: string[];
  regions: Array<{
    code: string;
    name: string;
    country: string;
    jurisdiction: string;
    continent: string;
    optIn: boolean;
    services: string[];
    ssmServices: string[];
  }>;
}
interface GcpData {
  regions: Array<{
    code: string;
    name: string;
    country: string;
    jurisdiction: string;
    continent: string;
    services: Record<string, boolean | null>;
  }>;
  cloudSqlBackupLocations: { multiRegions: Array<{ code: string; jurisdiction: string | null }> };
  cloudStorage: {
    multiRegions: Array<{ code: string; jurisdiction: string | null }>;
    predefinedDualRegions: Array<{ code: string; regions: string[]; jurisdictions: string[] }>;
    configurableDualRegionCodes: Array<{ code: string; eligibleRegions: string[] }>;
  };
}
type LocationData = Record<Cloud, Record<string, RegionLocation>>;
interface RdsReplicationData {
  pairs: Array<[string, string]>;
}

const DIRECTIONS: Record<string, string> = {
  north: 'n',
  south: 's',
  east: 'e',
  west: 'w',
  central: 'c',
  northeast: 'ne',
  northwest: 'nw',
  southeast: 'se',
  southwest: 'sw',
};
const GCP_GEOS: Record<string, string> = {
  africa: 'af',
  asia: 'as',
  australia: 'au',
  europe: 'eu',
  me: 'me',
  northamerica: 'na',
  southamerica: 'sa',
  us: 'us',
};

/** The short code of a region, as used in environment names. */
export function shortCode(cloud: Cloud, code: string): string {
  if (cloud === 'aws') {
    const m = /^([a-z]+)-([a-z]+)-(\d+)$/.exec(code);
    if (!m) return code;
    return `${m[1]}${DIRECTIONS[m[2]!] ?? m[2]}${m[3]}`;
  }
  const m = /^([a-z]+)-([a-z]+?)(\d+)$/.exec(code);
  if (!m) return code;
  return `${GCP_GEOS[m[1]!] ?? m[1]}${DIRECTIONS[m[2]!] ?? m[2]}${m[3]}`;
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../data/${file}`, import.meta.url), 'utf8')) as T;
}

/**
 * The region facts Parity knows (packages/model/data), indexed once and asked by everything else.
 * Longer than 80 lines on purpose: it is one index and a list of short questions over it (a region
 * by code or short name, its services, RDS replication pairs, GCP multi-region locations), each a
 * few lines; splitting it would scatter the one index the questions share.
 */
export class RegionCatalog {
  private readonly regions = new Map<string, RegionInfo>();
  private readonly shorts = new Map<string, RegionInfo>();
  private readonly services = new Map<string, Map<string, Availability> | Set<string>>();
  private readonly awsGlobal: Set<string>;
  private readonly rdsPairs: Set<string>;
  readonly awsSourceVersion: string;
  readonly gcpSqlBackupMultiRegions: ReadonlyArray<{ code: string; jurisdiction: string | null }>;
  private readonly gcpMultiLocations = new Map<string, string[] | null>();
  private readonly gcsDualRegions: GcpData['cloudStorage'];

  constructor(aws: AwsData, gcp: GcpData, rds: RdsReplicationData, locations?: LocationData) {
    this.awsSourceVersion = aws.source.botocoreVersion;
    this.awsGlobal = new Set(aws.globalServices);
    const at = (cloud: Cloud, code: string) => {
      const l = locations?.[cloud][code];
      return l ? { location: { city: l.city, lat: l.lat, lon: l.lon } } : {};
    };
    for (const r of aws.regions) {
      this.add({
        cloud: 'aws',
        code: r.code,
        short: shortCode('aws', r.code),
        name: r.name,
        jurisdiction: r.jurisdiction,
        continent: r.continent,
        country: r.country,
        optIn: r.optIn,
        ...at('aws', r.code),
      });
      this.services.set(`aws:${r.code}`, new Set([...r.services, ...r.ssmServices]));
    }
    for (const r of gcp.regions) {
      this.add({
        cloud: 'gcp',
        code: r.code,
        short: shortCode('gcp', r.code),
        name: r.name,
        jurisdiction: r.jurisdiction,
        continent: r.continent,
        country: r.country,
        optIn: false,
        ...at('gcp', r.code),
      });
      this.services.set(`gcp:${r.code}`, new Map(Object.entries(r.services)));
    }
    this.rdsPairs = new Set(rds.pairs.map(([s, d]) => `${s}>${d}`));
    this.gcpSqlBackupMultiRegions = gcp.cloudSqlBackupLocations.multiRegions;
    for (const m of [...gcp.cloudSqlBackupLocations.multiRegions, ...gcp.cloudStorage.multiRegions]) {
      this.gcpMultiLocations.set(m.code.toLowerCase(), m.jurisdiction ? [m.jurisdiction] : null);
    }
    for (const d of gcp.cloudStorage.predefinedDualRegions) this.gcpMultiLocations.set(d.code.toLowerCase(), [...d.jurisdictions]);
    this.gcsDualRegions = gcp.cloudStorage;
  }

  /**
   * The Cloud Storage dual-region that places a bucket's data in exactly `a` and `b`, if Google
   * offers one: a predefined dual-region (`EUR4`, no placement needed) or a configurable one (a
   * location code such as `EU` with both regions as `custom_placement_config.data_locations`,
   * upper-case, sorted). Predefined first: europe-north1 + europe-west4 exist only as EUR4.
   */
  gcsDualRegion(a: string, b: string): { readonly location: string; readonly dataLocations?: readonly string[] } | undefined {
    if (a === b) return undefined;
    const pair = [a, b].sort();
    const predefined = this.gcsDualRegions.predefinedDualRegions.find((d) => [...d.regions].sort().join() === pair.join());
    if (predefined) return { location: predefined.code.toUpperCase() };
    const configurable = this.gcsDualRegions.configurableDualRegionCodes.find(
      (c) => c.eligibleRegions.includes(a) && c.eligibleRegions.includes(b),
    );
    return configurable ? { location: configurable.code, dataLocations: pair.map((r) => r.toUpperCase()) } : undefined;
  }

  /**
   * The jurisdictions a location spans: a region, or on GCP a multi-region (`eu`, `US`) or a
   * predefined dual-region (`eur4`). `null` when the location is unknown or spans countries the
   * catalog cannot name (the `asia` multi-region).
   */
  locationJurisdictions(cloud: Cloud, location: string): string[] | null {
    const region = this.get(cloud, location) ?? (cloud === 'gcp' ? this.get(cloud, location.toLowerCase()) : undefined);
    if (region) return [region.jurisdiction];
    if (cloud === 'gcp') return this.gcpMultiLocations.get(location.toLowerCase()) ?? null;
    return null;
  }

  private add(info: RegionInfo): void {
    const key = `${info.cloud}:${info.short}`;
    const clash = this.shorts.get(key);
    if (clash) throw new Error(`region catalog: short code ${info.short} is shared by ${clash.code} and ${info.code}`);
    this.shorts.set(key, info);
    this.regions.set(`${info.cloud}:${info.code}`, info);
  }

  get(cloud: Cloud, code: string): RegionInfo | undefined {
    return this.regions.get(`${cloud}:${code}`);
  }

  byShort(cloud: Cloud, short: string): RegionInfo | undefined {
    return this.shorts.get(`${cloud}:${short}`);
  }

  list(cloud: Cloud): RegionInfo[] {
    return [...this.regions.values()].filter((r) => r.cloud === cloud);
  }

  /** Regions of a cloud in a jurisdiction, sorted by code. */
  inJurisdiction(cloud: Cloud, jurisdiction: string): RegionInfo[] {
    return this.list(cloud)
      .filter((r) => r.jurisdiction === jurisdiction)
      .sort((a, b) => a.code.localeCompare(b.code));
  }

  /**
   * Whether `service` is offered in a region. AWS services are botocore endpoint prefixes
   * (or SSM service ids); global ones (iam) count as everywhere. GCP services are catalog keys
   * (cloudSql, gke, pubsub, cloudStorage, backupForGke); `null` means unsourced.
   */
  hasService(cloud: Cloud, region: string, service: string): Availability {
    const s = this.services.get(`${cloud}:${region}`);
    if (!s) return false;
    if (s instanceof Set) return this.awsGlobal.has(service) || s.has(service);
    return s.has(service) ? (s.get(service) ?? null) : null;
  }

  /** RDS cross-region automated-backup replication, source → destination (directional). */
  supportsRdsBackupReplication(source: string, destination: string): boolean {
    return this.rdsPairs.has(`${source}>${destination}`);
  }

  /**
   * Regions ordered by how near they are to `code`: same jurisdiction first, then the same
   * continent, then by how much of the region code they share.
   */
  nearest(cloud: Cloud, code: string, candidates: readonly RegionInfo[]): RegionInfo[] {
    const from = this.get(cloud, code);
    const prefix = (a: string, b: string) => {
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      return i;
    };
    const score = (r: RegionInfo) =>
      (from && r.jurisdiction === from.jurisdiction ? 1000 : 0) + (from && r.continent === from.continent ? 100 : 0) + prefix(r.code, code);
    return [...candidates].filter((r) => r.code !== code).sort((a, b) => score(b) - score(a) || a.code.localeCompare(b.code));
  }

  /** Close matches for a mistyped region or short code, for "did you mean". */
  suggest(cloud: Cloud, text: string, limit = 3): RegionInfo[] {
    return this.list(cloud)
      .map((r) => ({ r, d: Math.min(leven(text, r.code), leven(text, r.short)) }))
      .sort((a, b) => a.d - b.d || a.r.code.localeCompare(b.r.code))
      .slice(0, limit)
      .map((x) => x.r);
  }
}

let cached: RegionCatalog | undefined;

/** The catalog shipped with this package, loaded once per process. */
export function regionCatalog(): RegionCatalog {
  cached ??= new RegionCatalog(
    readJson<AwsData>('aws-regions.json'),
    readJson<GcpData>('gcp-regions.json'),
    readJson<RdsReplicationData>('aws-rds-backup-replication.json'),
    readJson<LocationData>('region-locations.json'),
  );
  return cached;
}
