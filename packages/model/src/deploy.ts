/**
 * What a bundle's `deploy` function is handed (the resolved environment, its parameters, the
 * exports of the bundles it connects to) and the helpers that read it. Kept apart from the
 * contract (bundle.ts) because it depends on resolution, and resolution depends on the contract.
 */
import type { Namer } from './naming.js';
import type { ResolvedBundle, ResolvedEnvironment } from './resolved.js';

/** A value a bundle exports: a string or list of strings, usually Terraform tokens. */
export type ExportValue = string | string[];
export type Exports = Readonly<Record<string, ExportValue>>;

/** What the synth module hands a bundle's `deploy`. `P` is the provider type of the cloud. */
export interface DeployContext<Params, Provider = unknown> {
  readonly env: ResolvedEnvironment;
  readonly bundle: ResolvedBundle;
  /** Parameters after defaults, tier and overrides, validated by the bundle's schema. */
  readonly params: Params;
  /** Exports of the bundles this one connects to, by bundle name. */
  readonly inputs: Readonly<Record<string, Exports>>;
  /** The one naming helper, bound to this platform and environment. */
  readonly name: Namer;
  /** Tags / labels every resource carries (also set as provider defaults). */
  readonly tags: Readonly<Record<string, string>>;
  /**
   * A provider for another region of the same cloud (an aliased provider), created once per
   * stack. Used for resources that must exist in the DR region before the DR environment does.
   */
  readonly providerFor: (region: string) => Provider;
}

/** Read an export of a connected bundle, failing with a clear message if it is absent. */
export function input(ctx: DeployContext<unknown>, bundle: string, key: string): ExportValue {
  const value = ctx.inputs[bundle]?.[key];
  if (value === undefined) {
    throw new Error(
      `bundle ${ctx.bundle.name} in ${ctx.env.name}: needs export "${key}" of bundle "${bundle}", which is not connected or does not export it`,
    );
  }
  return value;
}

export function inputString(ctx: DeployContext<unknown>, bundle: string, key: string): string {
  const v = input(ctx, bundle, key);
  if (typeof v !== 'string') throw new Error(`bundle ${ctx.bundle.name}: export ${bundle}.${key} is a list, expected a string`);
  return v;
}

export function inputList(ctx: DeployContext<unknown>, bundle: string, key: string): string[] {
  const v = input(ctx, bundle, key);
  if (!Array.isArray(v)) throw new Error(`bundle ${ctx.bundle.name}: export ${bundle}.${key} is a string, expected a list`);
  return v;
}

/**
 * Where the environment keeps its backups (the DR region when there is one), asserted to be
 * inside its jurisdiction. Resolution already refuses anything else; this guards direct callers.
 */
export function backupLocation(ctx: DeployContext<unknown>): string {
  const { env } = ctx;
  const location = env.backup.location;
  if (!env.dataRegions.includes(location)) {
    throw new Error(
      `${ctx.bundle.name}: backup location ${location} of ${env.name} is outside its jurisdiction ${env.jurisdiction} (${env.dataRegions.join(', ')}); backups may not leave it`,
    );
  }
  return location;
}
