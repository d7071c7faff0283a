/**
 * Test helpers. The fixtures (in-memory manifests resolved against the real definition) live in
 * the model, which needs no CDK core; the helpers for reading synthesized Terraform live here.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing, TerraformStack } from 'cdktn';
import { Construct } from 'constructs';
import { namer, type Exports, type ResolvedEnvironment } from '@parity/model';
import { MARKER, OUT_DIR, stackDigest, stackFile } from './cache.js';
import type { DeployFn } from './stack.js';
import { REPO_ROOT, resolveFixture, type ManifestInput } from '@parity/model/testing';
import { type Block, resourcesOf } from '@parity/model/terraform';
import { synthToJson, type TerraformJson } from './synth.js';

export * from '@parity/model/testing';

export { type Block, dataSourcesOf as dataSources, ref, resourcesOf as resources } from '@parity/model/terraform';

/**
 * The one resource of a type (of one bundle, when `bundle` is given: construct paths make every
 * Terraform name start with `<bundle>_`). Throws when there is not exactly one.
 */
export function only(json: TerraformJson, type: string, bundle?: string): [string, Block] {
  const entries = Object.entries(resourcesOf(json, type)).filter(([id]) => !bundle || id.startsWith(`${bundle}_`));
  if (entries.length !== 1)
    throw new Error(
      `expected exactly one ${type}${bundle ? ` of bundle ${bundle}` : ''}, found ${entries.length}: ${entries.map(([id]) => id).join(', ')}`,
    );
  return entries[0]!;
}

/** Resolve fixture manifests and synthesize each one in memory. */
export async function synthFixtures(
  manifests: readonly ManifestInput[],
): Promise<{ envs: Map<string, ResolvedEnvironment>; json: Map<string, TerraformJson> }> {
  const envs = await resolveFixture(manifests);
  const json = new Map<string, TerraformJson>();
  for (const e of envs.values()) json.set(e.name, await synthToJson(REPO_ROOT, e));
  return { envs, json };
}

/**
 * Run one bundle's `deploy` on its own, with the inputs given instead of its connections, and
 * return the synthesized JSON. For testing what a bundle does with (or without) its inputs.
 */
export function deployAlone(
  deploy: (scope: Construct, ctx: never) => Exports,
  env: ResolvedEnvironment,
  bundleName: string,
  inputs: Record<string, Exports> = {},
  envName = env.name,
): TerraformJson {
  const stack = new TerraformStack(Testing.app(), 'test');
  const bundle = env.bundles.find((b) => b.name === bundleName);
  if (!bundle) throw new Error(`${env.name} has no bundle ${bundleName}`);
  const ctx = {
    env,
    bundle,
    params: bundle.params,
    inputs,
    name: namer(env.platform, envName),
    tags: {},
    providerFor: () => {
      throw new Error('providerFor is not available to a bundle deployed alone');
    },
  };
  (deploy as DeployFn)(new Construct(stack, bundleName), ctx as never);
  return JSON.parse(Testing.synth(stack)) as TerraformJson;
}

/**
 * What one bundle adds to an environment's Terraform (resources, data sources and outputs whose
 * names start with `<bundle>_`), without the core's `//` metadata: the body of a reviewed snapshot.
 */
export function bundleSnapshot(json: TerraformJson, bundle: string): string {
  const own = (section: Record<string, Record<string, Record<string, unknown>>> | undefined) => {
    const out: Record<string, Record<string, unknown>> = {};
    for (const [type, byName] of Object.entries(section ?? {})) {
      for (const [id, body] of Object.entries(byName)) {
        if (!id.startsWith(`${bundle}_`)) continue;
        const { '//': _metadata, ...rest } = body;
        out[type] = { ...out[type], [id]: rest };
      }
    }
    return out;
  };
  const output = Object.fromEntries(Object.entries(json.output ?? {}).filter(([name]) => name.startsWith(`${bundle}_`)));
  return `${JSON.stringify({ resource: own(json.resource), data: own(json.data), output }, null, 2)}\n`;
}

/**
 * Replace an environment's synthesized stack as if synthesis had written it (its digest recorded
 * in the cache marker), so that the cache keeps it: tests that need Terraform only a hand edit
 * can make (invalid arguments, broken provider blocks) use this; a plain edit is synthesized again.
 */
export function writeSynthesizedStack(root: string, env: string, json: unknown): void {
  const text = JSON.stringify(json);
  writeFileSync(stackFile(root, env), text);
  const marker = join(root, 'environments', env, OUT_DIR, MARKER);
  writeFileSync(marker, JSON.stringify({ ...(JSON.parse(readFileSync(marker, 'utf8')) as object), stack: stackDigest(text) }));
}
