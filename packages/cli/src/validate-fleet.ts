/**
 * `terraform validate` of a whole fleet at once, with the real Terraform and the real provider.
 *
 * Terraform starts one provider process (about 0.5 GiB for AWS) for every provider configuration
 * that a resource uses, so a root holding every environment with its own providers needs gigabytes;
 * and a fresh init and validate per environment costs seconds each. Instead, one root calls every
 * environment's Terraform JSON as a module (its backend and provider blocks taken out), all of them
 * on one provider configuration: one provider process validates every resource, data source,
 * output and expression of every environment. That shared configuration is a real environment's
 * own (the first one's), so Terraform validates it for real; every other environment's provider
 * blocks are checked against the same provider's schema (`terraform providers schema -json`),
 * as Terraform decodes a provider block. Diagnostics go back to their environment with the address
 * they have in the environment's own root (`module.<env>.` taken off).
 *
 * Backends: `terraform init -backend=false` (what validate has always run) never reads the
 * backend block, so it is not validated here either; the synth output is.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTerraform, terraformEnv, terraformInitArgs, writeFileAtomic } from '@parity/io';
import { refuseOne, terraformStepFailed } from '@parity/model';
import { isExpression } from '@parity/model/terraform';
import type { Diagnostic, ValidateResult } from './terraform.js';

/** Environments per Terraform process: bounds its memory (about 4 MiB per environment, beside the provider's 0.5 GiB). */
export const ENVS_PER_ROOT = 50;

/** One environment's synthesized Terraform JSON. */
export interface FleetMember {
  readonly env: string;
  readonly file: string;
}

type Json = Record<string, unknown>;

interface SchemaBlock {
  readonly attributes?: Record<string, { type: unknown; required?: boolean; optional?: boolean; computed?: boolean }>;
  readonly block_types?: Record<string, { nesting_mode: string; block: SchemaBlock; min_items?: number; max_items?: number }>;
}

const MODULES = 'm';

function providerBlocks(doc: Json): Array<{ name: string; config: Json }> {
  const providers = (doc.provider ?? {}) as Record<string, Json | Json[]>;
  return Object.entries(providers).flatMap(([name, v]) => (Array.isArray(v) ? v : [v]).map((config) => ({ name, config })));
}

/** The module an environment becomes: no backend, no provider blocks, its aliases declared for the caller to pass. */
function asModule(doc: Json): Json {
  const { provider: _p, ...rest } = doc;
  const terraform = { ...((doc.terraform ?? {}) as Json) };
  delete terraform.backend;
  const required = { ...((terraform.required_providers ?? {}) as Record<string, Json>) };
  for (const { name, config } of providerBlocks(doc)) {
    if (typeof config.alias !== 'string') continue;
    const r = { ...(required[name] ?? {}) };
    r.configuration_aliases = [...((r.configuration_aliases as string[] | undefined) ?? []), `${name}.${config.alias}`];
    required[name] = r;
  }
  return { ...rest, terraform: { ...terraform, required_providers: required } };
}

/** The root: one provider configuration per provider name (the first environment's own), every environment a module on it. */
function rootOf(docs: ReadonlyMap<string, Json>): { root: Json; sharedFrom: string } {
  const [firstEnv, firstDoc] = [...docs][0]!;
  const required: Record<string, Json> = {};
  const providers: Record<string, Json> = {};
  const modules: Record<string, Json> = {};
  for (const [env, doc] of docs) {
    Object.assign(required, ((doc.terraform as Json | undefined)?.required_providers ?? {}) as Record<string, Json>);
    const map: Record<string, string> = {};
    for (const { name, config } of providerBlocks(doc)) {
      map[typeof config.alias === 'string' ? `${name}.${config.alias}` : name] = name;
      if (!providers[name]) providers[name] = config;
    }
    modules[env] = { source: `./${MODULES}/${env}`, providers: map };
  }
  // The shared configuration is the first environment's default (unaliased) one where it has one.
  for (const { name, config } of providerBlocks(firstDoc)) if (typeof config.alias !== 'string') providers[name] = config;
  for (const [name, config] of Object.entries(providers)) {
    const { alias: _a, ...rest } = config;
    providers[name] = rest;
  }
  return { root: { terraform: { required_providers: required }, provider: providers, module: modules }, sharedFrom: firstEnv };
}

function typeName(t: unknown): string {
  if (t === 'number') return 'a number';
  if (t === 'bool') return 'a bool';
  if (t === 'string') return 'a string';
  return Array.isArray(t) ? `${t[0]} of ${typeName(t[1])}` : String(t);
}

/** Whether a JSON value can be converted to a cty type (Terraform's conversions; interpolations are left to Terraform). */
function fits(value: unknown, t: unknown): boolean {
  if (isExpression(value)) return true;
  if (t === 'dynamic') return true;
  if (t === 'string') return ['string', 'number', 'boolean'].includes(typeof value);
  if (t === 'number')
    return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value)));
  if (t === 'bool') return typeof value === 'boolean' || value === 'true' || value === 'false';
  if (!Array.isArray(t)) return true;
  const [kind, inner] = t as [string, unknown];
  if (kind === 'list' || kind === 'set') return Array.isArray(value) && value.every((v) => fits(v, inner));
  if (kind === 'map')
    return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every((v) => fits(v, inner));
  if (kind === 'object')
    return (
      typeof value === 'object' &&
      value !== null &&
      Object.entries(value).every(([k, v]) => k in (inner as Json) && fits(v, (inner as Json)[k]))
    );
  return true;
}

/** A provider block against the provider's configuration schema: Terraform's own decoding rules and messages. */
export function checkAgainstSchema(config: Json, schema: SchemaBlock, where: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const err = (summary: string, detail: string) => out.push({ severity: 'error', summary, detail: `${where}: ${detail}` });
  for (const [key, value] of Object.entries(config)) {
    if (key === 'alias' || key === '//' || key === 'version') continue;
    const attr = schema.attributes?.[key];
    const block = schema.block_types?.[key];
    if (attr) {
      if (attr.computed && !attr.optional && !attr.required)
        err('Unsupported argument', `An argument named "${key}" is not expected here.`);
      else if (!fits(value, attr.type))
        err('Incorrect attribute value type', `Inappropriate value for attribute "${key}": ${typeName(attr.type)} is required.`);
    } else if (block) {
      const items = Array.isArray(value) ? value : [value];
      // (item counts are the provider's own validators in 5.x; its schema carries no max_items)
      if (block.max_items !== undefined && block.max_items > 0 && items.length > block.max_items)
        err('Too many blocks', `No more than ${block.max_items} "${key}" blocks are allowed.`);
      for (const item of items) {
        if (typeof item !== 'object' || item === null) err('Incorrect JSON value type', `Block "${key}" must be a JSON object.`);
        else out.push(...checkAgainstSchema(item as Json, block.block, `${where} ${key}`));
      }
    } else {
      err('Extraneous JSON object property', `No argument or block type is named "${key}".`);
    }
  }
  for (const [key, attr] of Object.entries(schema.attributes ?? {})) {
    if (attr.required && !(key in config))
      err('Missing required argument', `The argument "${key}" is required, but no definition was found.`);
  }
  return out;
}

/** The provider configuration schemas, by provider name, from the real provider (cached per provider version in `dir`). */
async function providerSchemas(dir: string, env: NodeJS.ProcessEnv): Promise<Map<string, SchemaBlock>> {
  const lock = readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8');
  const key = [...lock.matchAll(/provider "([^"]+)" \{\s*version\s*=\s*"([^"]+)"/g)].map((m) => `${m[1]}@${m[2]}`).join(',');
  const cache = join(dir, '..', 'provider-schemas.json');
  const cached = existsSync(cache)
    ? (JSON.parse(readFileSync(cache, 'utf8')) as { key: string; schemas: Record<string, SchemaBlock> })
    : undefined;
  if (cached?.key === key) return new Map(Object.entries(cached.schemas));
  const r = await runTerraform(['providers', 'schema', '-json'], dir, env);
  if (r.code !== 0) refuseOne(terraformStepFailed('providers schema', dir, r.stderr || r.stdout));
  const all = JSON.parse(r.stdout) as { provider_schemas: Record<string, { provider: { block: SchemaBlock } }> };
  const schemas = Object.fromEntries(
    Object.entries(all.provider_schemas).map(([source, s]) => [source.split('/').pop()!, s.provider.block]),
  );
  writeFileAtomic(cache, JSON.stringify({ key, schemas }));
  return new Map(Object.entries(schemas));
}

/** Where a diagnostic belongs: the module it came from (its environment) and its address inside that environment. */
function attribute(
  d: { address?: string; range?: { filename?: string } },
  envs: ReadonlySet<string>,
  sharedFrom: string,
): { env: string; address?: string } {
  const m = /^module\.([^.[]+)\.(.*)$/.exec(d.address ?? '');
  if (m && envs.has(m[1]!)) return { env: m[1]!, address: m[2] };
  const f = /^m\/([^/]+)\//.exec(d.range?.filename ?? '');
  if (f && envs.has(f[1]!)) return { env: f[1]!, ...(d.address ? { address: d.address } : {}) };
  return { env: sharedFrom, ...(d.address ? { address: d.address } : {}) };
}

/** Init (from the mirror) when the set of modules or providers changed since the last run in `dir`. */
async function initIfNeeded(
  dir: string,
  envs: readonly string[],
  root: Json,
  pluginDir: string | undefined,
  env: NodeJS.ProcessEnv,
): Promise<void> {
  const stamp = join(dir, '.parity-init.json');
  const want = JSON.stringify({ envs, required: (root.terraform as Json).required_providers, pluginDir: pluginDir ?? null });
  if (existsSync(stamp) && existsSync(join(dir, '.terraform.lock.hcl')) && readFileSync(stamp, 'utf8') === want) return;
  const r = await runTerraform(terraformInitArgs({ backend: false, pluginDir }), dir, env);
  if (r.code !== 0) refuseOne(terraformStepFailed('init', dir, r.stderr || r.stdout));
  writeFileSync(stamp, want);
}

/**
 * Validate one batch of environments in `dir` (kept between runs: init only when the module set
 * changes). Returns each environment's result, diagnostics in its own terms.
 */
export async function validateRoot(dir: string, members: readonly FleetMember[], pluginDir?: string): Promise<Map<string, ValidateResult>> {
  const env = terraformEnv();
  const docs = new Map(members.map((m) => [m.env, JSON.parse(readFileSync(m.file, 'utf8')) as Json]));
  const { root, sharedFrom } = rootOf(docs);
  rmSync(join(dir, MODULES), { recursive: true, force: true });
  for (const [name, doc] of docs) {
    mkdirSync(join(dir, MODULES, name), { recursive: true });
    writeFileSync(join(dir, MODULES, name, 'main.tf.json'), JSON.stringify(asModule(doc)));
  }
  writeFileSync(join(dir, 'main.tf.json'), JSON.stringify(root));
  await initIfNeeded(dir, [...docs.keys()], root, pluginDir, env);
  const v = await runTerraform(['validate', '-json', '-no-color'], dir, env);
  if (!v.stdout.trim().startsWith('{')) refuseOne(terraformStepFailed('validate', dir, v.stderr || v.stdout));
  const parsed = JSON.parse(v.stdout) as { diagnostics: Array<Diagnostic & { range?: { filename?: string } }> };
  const diagnostics = new Map<string, Diagnostic[]>(members.map((m) => [m.env, []]));
  const names = new Set(docs.keys());
  for (const d of parsed.diagnostics) {
    const { env: owner, address } = attribute(d, names, sharedFrom);
    diagnostics
      .get(owner)!
      .push({ severity: d.severity, summary: d.summary, ...(d.detail ? { detail: d.detail } : {}), ...(address ? { address } : {}) });
  }
  const schemas = await providerSchemas(dir, env);
  for (const [name, doc] of docs) {
    for (const { name: provider, config } of providerBlocks(doc)) {
      // the shared configuration was validated by Terraform itself (its diagnostics went to sharedFrom)
      if (name === sharedFrom && typeof config.alias !== 'string') continue;
      const schema = schemas.get(provider);
      const where = `provider "${provider}"${typeof config.alias === 'string' ? ` (alias ${config.alias})` : ''}`;
      if (schema) diagnostics.get(name)!.push(...checkAgainstSchema(config, schema, where));
    }
  }
  return new Map([...diagnostics].map(([name, ds]) => [name, { valid: !ds.some((d) => d.severity === 'error'), diagnostics: ds }]));
}
