/**
 * What a change does to an environment's Terraform: resources and data sources added, changed
 * and removed, by Terraform address, and for a changed one the top-level arguments that differ.
 * cdktf's metadata (`//` keys: construct paths) is left out; it is not Terraform's business.
 */

export interface TerraformDoc {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

export interface ResourceChange {
  readonly address: string;
  /** Top-level arguments whose value differs (added, removed or changed). */
  readonly attributes: readonly string[];
}

export interface ResourceDiff {
  readonly added: readonly string[];
  readonly changed: readonly ResourceChange[];
  readonly removed: readonly string[];
  /** Terraform outputs, by name. */
  readonly outputs: { readonly added: readonly string[]; readonly changed: readonly string[]; readonly removed: readonly string[] };
}

function strip(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Record<string, unknown>)
        .filter(([k]) => k !== '//')
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, x]) => [k, strip(x)]),
    );
  }
  return v;
}

/** Every resource and data source by Terraform address, metadata stripped. */
export function addresses(json: TerraformDoc | undefined): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const [type, byName] of Object.entries(json?.resource ?? {})) {
    for (const [name, body] of Object.entries(byName)) out.set(`${type}.${name}`, strip(body) as Record<string, unknown>);
  }
  for (const [type, byName] of Object.entries(json?.data ?? {})) {
    for (const [name, body] of Object.entries(byName)) out.set(`data.${type}.${name}`, strip(body) as Record<string, unknown>);
  }
  return out;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function resourceDiff(before: TerraformDoc | undefined, after: TerraformDoc | undefined): ResourceDiff {
  const a = addresses(before);
  const b = addresses(after);
  const added = [...b.keys()].filter((k) => !a.has(k)).sort();
  const removed = [...a.keys()].filter((k) => !b.has(k)).sort();
  const changed: ResourceChange[] = [];
  for (const [k, x] of [...a].sort(([p], [q]) => p.localeCompare(q))) {
    const y = b.get(k);
    if (!y || same(x, y)) continue;
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].filter((n) => !same(x[n], y[n])).sort();
    changed.push({ address: k, attributes: keys });
  }
  const oa = strip(before?.output ?? {}) as Record<string, unknown>;
  const ob = strip(after?.output ?? {}) as Record<string, unknown>;
  return {
    added,
    changed,
    removed,
    outputs: {
      added: Object.keys(ob).filter((k) => !(k in oa)).sort(),
      changed: Object.keys(ob).filter((k) => k in oa && !same(oa[k], ob[k])).sort(),
      removed: Object.keys(oa).filter((k) => !(k in ob)).sort(),
    },
  };
}

export function isEmpty(d: ResourceDiff): boolean {
  return d.added.length + d.changed.length + d.removed.length + d.outputs.added.length + d.outputs.changed.length + d.outputs.removed.length === 0;
}

/** The diff as plain lines: `+ address`, `~ address (arguments)`, `- address`, then a count. */
export function formatDiff(d: ResourceDiff): string[] {
  const lines = [
    ...d.added.map((a) => `+ ${a}`),
    ...d.changed.map((c) => `~ ${c.address} (${c.attributes.join(', ')})`),
    ...d.removed.map((a) => `- ${a}`),
  ];
  const o = d.outputs;
  if (o.added.length + o.changed.length + o.removed.length > 0) {
    lines.push(`outputs: ${[...o.added.map((x) => `+${x}`), ...o.changed.map((x) => `~${x}`), ...o.removed.map((x) => `-${x}`)].join(' ')}`);
  }
  lines.push(isEmpty(d) ? 'no changes to resources' : `${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove`);
  return lines;
}
