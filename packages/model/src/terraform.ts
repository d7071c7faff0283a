/**
 * The one reader of synthesized Terraform JSON (`cdk.tf.json`): its type, its resources and data
 * sources by type and address, the region each resource lands in (through its provider alias, or
 * the environment's region), what a reference such as `${aws_backup_vault.copy_XYZ.arn}` or a
 * literal ARN points at, and every block without cdktf's `//` metadata. No cdktf here, so every
 * layer (checks, synth, release, drill, tests) may use it.
 */
import type { Cloud } from './catalog.js';

/** A resource, data source or nested block in Terraform JSON. */
export type Block = Record<string, unknown>;

/** A Terraform JSON document as cdktf writes it. */
export interface TerraformJson {
  resource?: Record<string, Record<string, Block>>;
  data?: Record<string, Record<string, Block>>;
  provider?: Record<string, Block[]>;
  output?: Record<string, Block>;
  terraform?: Block;
  [key: string]: unknown;
}

/** One resource (or data source) of a document. */
export interface TfResource {
  readonly type: string;
  readonly name: string;
  /** `type.name`, or `data.type.name` for a data source. */
  readonly address: string;
  readonly body: Block;
}

const REF = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_.[\]]+)\}$/;

/** A whole-value reference `${type.name.attr}`, taken apart; undefined for anything else. */
export function parseRef(value: unknown): { type: string; name: string; attr: string } | undefined {
  if (typeof value !== 'string') return undefined;
  const m = REF.exec(value);
  return m ? { type: m[1]!, name: m[2]!, attr: m[3]! } : undefined;
}

/** A string that is a literal, not an expression (no `${…}` interpolation); undefined for anything else. */
export function literal(value: unknown): string | undefined {
  return typeof value === 'string' && !value.includes('${') ? value : undefined;
}

/** Whether a value is (or holds) a Terraform expression: known only when Terraform plans it. */
export function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

/** A Terraform reference expression: `${type.name.attr}`. */
export function ref(type: string, name: string, attr: string): string {
  return `\${${type}.${name}.${attr}}`;
}

/** Single nested blocks are objects in cdktf JSON and lists in hand-written JSON; accept both. */
export function blocks(v: unknown): Block[] {
  if (Array.isArray(v)) return v.filter((x): x is Block => !!x && typeof x === 'object');
  return v && typeof v === 'object' ? [v as Block] : [];
}

/** A value without cdktf's `//` metadata (construct paths), keys sorted: what Terraform itself sees. */
export function withoutMetadata(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutMetadata);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Block)
        .filter(([k]) => k !== '//')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, withoutMetadata(x)]),
    );
  }
  return v;
}

/** Every resource of a type in a document, by Terraform name. */
export function resourcesOf(json: TerraformJson | undefined, type: string): Record<string, Block> {
  return json?.resource?.[type] ?? {};
}

/** Every data source of a type in a document, by Terraform name. */
export function dataSourcesOf(json: TerraformJson | undefined, type: string): Record<string, Block> {
  return json?.data?.[type] ?? {};
}

/** The blocks of one provider (`aws`, `google`): the default one and every alias. */
export function providerBlocks(json: TerraformJson | undefined, provider: string): Block[] {
  return json?.provider?.[provider] ?? [];
}

/**
 * The region a resource's `provider` argument points at (`aws.us_west_2`), or, without one, the
 * cloud's default provider block's region; undefined when that block names no region.
 */
export function providerRegion(json: TerraformJson | undefined, provider: unknown, cloud: Cloud = 'aws'): string | undefined {
  const [name, alias] = typeof provider === 'string' ? provider.split('.', 2) : [cloud === 'aws' ? 'aws' : 'google'];
  const block = providerBlocks(json, name!).find((b) => (alias ? b.alias === alias : b.alias === undefined));
  return typeof block?.region === 'string' ? block.region : undefined;
}

/** A resource with the region its provider block names (undefined when that block names none). */
export interface PlacedResource extends TfResource {
  readonly region?: string;
}

/** Every resource of `type`, each with the region of its provider: read without knowing the environment's region. */
export function placedResources(json: TerraformJson | undefined, type: string, cloud: Cloud = 'aws'): PlacedResource[] {
  return Object.entries(resourcesOf(json, type)).map(([name, body]) => ({
    type,
    name,
    address: `${type}.${name}`,
    body,
    region: providerRegion(json, body.provider, cloud),
  }));
}

/** The block at a Terraform address (`type.name`, or `data.type.name`), as it is in the document (metadata kept). */
export function blockAt(json: TerraformJson, address: string): Block | undefined {
  const [first, second, third] = address.split('.');
  return first === 'data' ? json.data?.[second!]?.[third!] : json.resource?.[first!]?.[second!];
}

/** Remove the block at a Terraform address from the document, and its type's table once that is empty. */
export function removeBlock(json: TerraformJson, address: string): void {
  const [first, second, third] = address.split('.');
  const [table, type, name] = first === 'data' ? [json.data, second!, third!] : [json.resource, first!, second!];
  const byName = table?.[type];
  if (!byName) return;
  delete byName[name];
  if (Object.keys(byName).length === 0) delete table[type];
}

const ANY_REF = /\b(data\.)?([a-z][a-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_-]*)/g;

/**
 * The addresses a block refers to in its expressions (`${aws_kms_key.key_1A2B.arn}`, also inside
 * function calls such as `jsonencode({...})`), not counting `depends_on`, `provider` and cdktf's
 * `//` metadata. Only addresses in `known` count, so literal text never matches by accident.
 */
export function referencedAddresses(body: Block, known: ReadonlySet<string>): Set<string> {
  const { depends_on: _d, provider: _p, '//': _m, ...rest } = body;
  const out = new Set<string>();
  for (const m of JSON.stringify(rest).matchAll(ANY_REF)) {
    const a = `${m[1] ?? ''}${m[2]}.${m[3]}`;
    if (known.has(a)) out.add(a);
  }
  return out;
}

/** Every resource and data source by Terraform address (`data.` prefix for data sources), metadata stripped. */
export function addresses(json: TerraformJson | undefined): Map<string, Block> {
  const out = new Map<string, Block>();
  for (const [type, byName] of Object.entries(json?.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) out.set(`${type}.${name}`, withoutMetadata(body) as Block);
  }
  for (const [type, byName] of Object.entries(json?.data ?? {})) {
    for (const [name, body] of Object.entries(byName)) out.set(`data.${type}.${name}`, withoutMetadata(body) as Block);
  }
  return out;
}

/** A document read for one environment: resources by type, provider regions, references. */
export class TfDoc {
  constructor(
    readonly json: TerraformJson,
    readonly cloud: Cloud,
    /** The environment's region: where resources without a provider region land. */
    readonly defaultRegion: string,
  ) {}

  /** Every resource of `type`. */
  resources(type: string): TfResource[] {
    return Object.entries(resourcesOf(this.json, type)).map(([name, body]) => ({ type, name, address: `${type}.${name}`, body }));
  }

  /** Every resource of the document, type by type. */
  allResources(): TfResource[] {
    return Object.keys(this.json.resource ?? {}).flatMap((type) => this.resources(type));
  }

  /** Every data source of `type`. */
  dataSources(type: string): TfResource[] {
    return Object.entries(dataSourcesOf(this.json, type)).map(([name, body]) => ({ type, name, address: `data.${type}.${name}`, body }));
  }

  get(type: string, name: string): TfResource | undefined {
    const body = this.json.resource?.[type]?.[name];
    return body ? { type, name, address: `${type}.${name}`, body } : undefined;
  }

  /** The region a resource is created in, from its provider (AWS) or its provider's default region. */
  providerRegion(r: TfResource): string {
    return providerRegion(this.json, r.body.provider, this.cloud) ?? this.defaultRegion;
  }

  /** The resource a `${type.name.attr}` reference points at. */
  deref(value: unknown): TfResource | undefined {
    const r = parseRef(value);
    return r ? this.get(r.type, r.name) : undefined;
  }

  /** The region a value points into: a reference to a resource, or a literal ARN. */
  regionOf(value: unknown): string | undefined {
    const target = this.deref(value);
    if (target) return this.providerRegion(target);
    if (typeof value === 'string' && value.startsWith('arn:')) {
      const region = value.split(':')[3];
      return region || undefined;
    }
    return undefined;
  }

  /** Whether `value` references a resource of `type` (directly or inside a list). */
  references(value: unknown, type: string): boolean {
    if (Array.isArray(value)) return value.some((v) => this.references(v, type));
    return this.deref(value)?.type === type;
  }
}
