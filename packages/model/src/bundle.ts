/**
 * The contract every bundle implements. A bundle package exports a `BundleSpec` from its index
 * (no cdktf there, so the tooling can read it in milliseconds) and a `deploy` function from
 * `./aws` and `./gcp` (the only places, besides the synth module, that import cdktf). What a
 * `deploy` function is handed is in deploy.ts: it depends on resolution, which depends on this.
 */
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import type { Cloud } from './catalog.js';
import { bundleContract, bundleRuleBroken, refuse, refuseOne } from './errors.js';

export interface ConnectionSpec {
  /** Why the bundle needs it. */
  readonly description: string;
}

export interface ExportSpec {
  readonly description: string;
  /** Clouds that set this export. @default - every cloud */
  readonly clouds?: readonly Cloud[];
}

/**
 * An optional capability that only some regions or region pairs offer, switched on by a boolean
 * parameter. Resolution (and so `gen env` and `check`) refuses an environment that turns it on
 * where the region catalog says it is not offered.
 */
export interface FeatureSpec {
  readonly id: 'rds-automated-backups-replication';
  readonly description: string;
  readonly cloud: Cloud;
  /** The boolean parameter that turns it on. */
  readonly param: string;
  /** `dr-pair`: must be offered from the environment's region to the region of each dr environment that recovers it. */
  readonly scope: 'dr-pair';
}

/** What a bundle's rules may look at besides its parameters. */
export interface RuleEnv {
  readonly cloud: Cloud;
  readonly region: string;
  readonly jurisdiction: string;
  /** Minutes between scheduled backups (derived from the RPO). */
  readonly backupIntervalMinutes: number;
  /** The resolved parameters of the bundles this one connects to (resolved before it). @default - none known */
  readonly connected?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

/** A parameter value a bundle cannot build, found before synth so that it can name file and field. */
export interface RuleProblem {
  readonly param: string;
  readonly message: string;
  readonly allowed?: string;
  readonly fix: string;
}

export interface BundleSpec<S extends z.ZodObject = z.ZodObject> {
  /** Short name used in the definition and manifests: `database`. */
  readonly name: string;
  /** The npm package: `@parity/bundle-database`. */
  readonly package: string;
  /** The package version (read from its package.json). */
  readonly version: string;
  readonly description: string;
  /** Typed parameters with defaults and descriptions. The JSON Schema is generated from this. */
  readonly params: S;
  /** Bundles this one needs in the same environment, and why. */
  readonly connects: Readonly<Record<string, ConnectionSpec>>;
  /** What it exports: IDs, ARNs, endpoints. Also written as Terraform outputs `<bundle>_<key>`. */
  readonly exports: Readonly<Record<string, ExportSpec>>;
  /**
   * Services it needs in the environment's region, per cloud. AWS: botocore endpoint prefixes
   * (`rds`, `eks`); GCP: region-catalog keys (`cloudSql`, `gke`).
   */
  readonly services: Readonly<Record<Cloud, readonly string[]>>;
  /** Holds data that must be backed up or replicated (database, cluster volumes, buckets). */
  readonly stateful: boolean;
  /**
   * Where a bundle holds data only with some parameters (a cluster whose workloads keep data on
   * volumes): whether these parameters make it a data place. `pnpm check` then asks how its data
   * reaches the DR region and counts it in the RPO. @default - `stateful` alone decides
   */
  readonly statefulWhen?: (params: z.output<S>) => boolean;
  /** Optional capabilities with limited regional support. */
  readonly features?: readonly FeatureSpec[];
  /**
   * Cross-field and per-cloud limits the schema cannot express (address plans, provider limits).
   * Resolution runs them, so `gen env`, `synth` and `check` report them with file and field.
   */
  readonly rules?: (params: z.output<S>, env: RuleEnv) => readonly RuleProblem[];
}

/** Throw every problem, for deploy functions that guard what resolution already checked. */
export function assertRules(bundle: string, problems: readonly RuleProblem[]): void {
  if (problems.length > 0) refuse(`bundle ${bundle} cannot build these parameters`, ...problems.map((p) => bundleRuleBroken(bundle, p)));
}

/** Read the package name and version from the package.json next to a bundle's `src/` or `dist/`. */
export function packageInfo(moduleUrl: string): { package: string; version: string } {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', moduleUrl), 'utf8')) as { name: string; version: string };
  return { package: pkg.name, version: pkg.version };
}

/** Identity helper that checks a spec's shape and keeps its parameter type. */
export function defineBundle<S extends z.ZodObject>(spec: BundleSpec<S>): BundleSpec<S> {
  for (const cloud of ['aws', 'gcp'] as const) {
    if (!spec.services[cloud]) {
      const fix = `list the ${cloud} services the bundle uses (services.${cloud}: [...]; an empty list when it has no ${cloud} implementation)`;
      refuseOne(bundleContract(spec.name, `services.${cloud}`, `bundle ${spec.name}: services.${cloud} is missing`, fix));
    }
  }
  return spec;
}
