/**
 * What a bundle's `deploy` function is handed (the resolved environment, its parameters, the
 * exports of the bundles it connects to) and the helpers that read it. Kept apart from the
 * contract (bundle.ts) because it depends on resolution, and resolution depends on the contract.
 */
import { bundleContract, bundleRuleBroken, refuseOne } from './errors.js';
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
    const message = `bundle ${ctx.bundle.name} in ${ctx.env.name}: needs export "${key}" of bundle "${bundle}", which is not connected or does not export it`;
    const fix = `connect ${bundle} in the bundle spec's connects, or add "${key}" to ${bundle}'s exports`;
    refuseOne(bundleContract(ctx.bundle.name, `connects.${bundle}.${key}`, message, fix));
  }
  return value;
}

function exportShape(ctx: DeployContext<unknown>, bundle: string, key: string, is: string, expected: string) {
  const fix = `read it with ${expected === 'a list' ? 'inputList' : 'inputString'}, or change what ${bundle} exports as ${key}`;
  return bundleContract(
    ctx.bundle.name,
    `connects.${bundle}.${key}`,
    `bundle ${ctx.bundle.name}: export ${bundle}.${key} is ${is}, expected ${expected}`,
    fix,
  );
}

export function inputString(ctx: DeployContext<unknown>, bundle: string, key: string): string {
  const v = input(ctx, bundle, key);
  if (typeof v !== 'string') refuseOne(exportShape(ctx, bundle, key, 'a list', 'a string'));
  return v;
}

export function inputList(ctx: DeployContext<unknown>, bundle: string, key: string): string[] {
  const v = input(ctx, bundle, key);
  if (!Array.isArray(v)) refuseOne(exportShape(ctx, bundle, key, 'a string', 'a list'));
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
    refuseOne(
      bundleRuleBroken(ctx.bundle.name, {
        param: 'backup.location',
        message: `${ctx.bundle.name}: backup location ${location} of ${env.name} is outside its jurisdiction ${env.jurisdiction} (${env.dataRegions.join(', ')}); backups may not leave it`,
        allowed: env.dataRegions.join(', '),
        fix: 'choose a DR region inside the jurisdiction (pnpm check names the residency rule)',
      }),
    );
  }
  return location;
}
