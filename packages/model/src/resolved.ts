/**
 * What resolution produces and consumes: the resolved environment and its bundles, where each
 * parameter came from, the state backend, and the inputs (definition, manifests, bundle specs,
 * pinned versions).
 */
import type { BundleSpec } from './bundle.js';
import type { Cloud } from './catalog.js';
import type { Definition, Manifest, SourceFile } from './config.js';
import type { BackupSchedule } from './dr.js';
import type { ResolvedDr } from './drpolicy.js';
import type { Role } from './envname.js';
import type { Issue } from './errors.js';
import type { PreviewRecord } from './preview.js';
import type { ResolvedTransform } from './transforms.js';

/** Where a parameter's value came from; `strategy`, `failover` and `failback` are derived from the DR policy and the failover or failback step. */
export type ParamSource = 'bundle' | 'definition' | 'tier' | 'strategy' | 'override' | 'failover' | 'failback';

export interface ResolvedBundle {
  readonly name: string;
  readonly package: string;
  readonly version: string;
  /** The range the definition asks for. */
  readonly range: string;
  readonly params: Readonly<Record<string, unknown>>;
  /** Where each parameter's value came from. */
  readonly sources: Readonly<Record<string, ParamSource>>;
  readonly connects: readonly string[];
  readonly stateful: boolean;
  /**
   * Set when the manifest pins this bundle to a published version: the folder, relative to the
   * workspace root, whose node_modules holds that package (see BUNDLE_CACHE). Absent: the
   * environment follows the workspace's copy.
   */
  readonly pinned?: { readonly dir: string };
  /** Raw Terraform attributes set after the bundle builds its resources (transforms.ts). */
  readonly transforms?: readonly ResolvedTransform[];
}

export interface EnvRef {
  readonly name: string;
  readonly region: string;
}

export type StateBackend =
  | { readonly backend: 's3'; readonly bucket: string; readonly key: string; readonly region: string; readonly lockTable?: string }
  | { readonly backend: 'gcs'; readonly bucket: string; readonly prefix: string; readonly region: string };

export interface ResolvedEnvironment {
  readonly name: string;
  /** Manifest path relative to the workspace root. */
  readonly file: string;
  readonly platform: string;
  readonly cloud: Cloud;
  readonly region: string;
  readonly regionName: string;
  /** The region's jurisdiction, or the one the definition gives this environment (residency.environments). */
  readonly jurisdiction: string;
  /** The catalog jurisdictions that make it up (one, unless it is a residency group). */
  readonly jurisdictions: readonly string[];
  readonly role: Role;
  readonly tier: string;
  /** dr only: the environment it recovers. */
  readonly recovers?: EnvRef;
  /** production: the dr environments that recover it (backup copies go to their regions). */
  readonly drTargets: readonly EnvRef[];
  readonly gcpProject?: string;
  readonly state: StateBackend;
  /** The DR policy this environment runs under (a dr environment: that of the one it recovers). */
  readonly dr: ResolvedDr;
  readonly backup: BackupSchedule & {
    /** Regions backups are copied to: the dr targets' regions. */
    readonly copyRegions: readonly string[];
    /** Where backups are kept (GCP Cloud SQL backup location, GKE backup plan location). */
    readonly location: string;
  };
  /** Regions of this cloud inside the jurisdiction: where data may land. */
  readonly dataRegions: readonly string[];
  /** In dependency order. */
  readonly bundles: readonly ResolvedBundle[];
  /** A preview (role `preview`): its id, its base and its expiry, which every resource carries as a tag. */
  readonly preview?: ResolvedPreview;
}

/** What makes a preview ephemeral: which pull request it is, what it derives from, when it may be destroyed. */
export interface ResolvedPreview {
  readonly id: string;
  /** The base environment. */
  readonly from: string;
  readonly ttl: string;
  /** ISO 8601, UTC. */
  readonly expires: string;
}

export interface ResolveInput {
  readonly definition: SourceFile<Definition>;
  readonly manifests: ReadonlyMap<string, SourceFile<Manifest>>;
  readonly bundles: ReadonlyMap<string, BundleSpec>;
  /** Problems found loading the files (a Workspace has them): a manifest that could not be read is named by them. */
  readonly issues?: readonly Issue[];
  /** Pinned bundle versions, by `pinKey(bundle, version)` (loadWorkspace loads those the manifests name). */
  readonly pinned?: ReadonlyMap<string, PinnedLoad>;
  /** Preview records by preview name (loadWorkspace reads them): a preview's manifest is derived from its record and its base. */
  readonly previews?: ReadonlyMap<string, SourceFile<PreviewRecord>>;
}

/** A pinned bundle version, loaded (its spec and cache folder) or not (why, and the fix). */
export type PinnedLoad =
  | { readonly ok: true; readonly spec: BundleSpec; readonly dir: string }
  | { readonly ok: false; readonly message: string; readonly allowed?: string; readonly fix: string };

export interface ResolveOptions {
  /**
   * Build the environment even when it breaks rules, as long as it can be built (known region
   * and tier): overrides of must-match parameters are applied (and still reported), and a bundle
   * whose parameters do not validate is left out. `pnpm check` uses this to show every violation
   * in its matrix; everything else resolves strictly.
   */
  readonly lenient?: boolean;
}

/** The key of a pinned bundle version in `ResolveInput.pinned`. */
export function pinKey(bundle: string, version: string): string {
  return `${bundle}@${version}`;
}

/** The npm package of a bundle entry of the definition. */
export function packageOf(name: string, entry: { package?: string }): string {
  return entry.package ?? `@parity/bundle-${name}`;
}
