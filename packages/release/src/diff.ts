/**
 * What a change does to an environment's Terraform: resources and data sources added, changed
 * and removed, by Terraform address, and for a changed one the top-level arguments that differ.
 * cdktf's metadata (`//` keys: construct paths) is left out; it is not Terraform's business.
 */
import { addresses, type TerraformJson, withoutMetadata } from '@parity/model/terraform';

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

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function resourceDiff(before: TerraformJson | undefined, after: TerraformJson | undefined): ResourceDiff {
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
  const oa = withoutMetadata(before?.output ?? {}) as Record<string, unknown>;
  const ob = withoutMetadata(after?.output ?? {}) as Record<string, unknown>;
  return {
    added,
    changed,
    removed,
    outputs: {
      added: Object.keys(ob)
        .filter((k) => !Object.hasOwn(oa, k))
        .sort(),
      changed: Object.keys(ob)
        .filter((k) => Object.hasOwn(oa, k) && !same(oa[k], ob[k]))
        .sort(),
      removed: Object.keys(oa)
        .filter((k) => !Object.hasOwn(ob, k))
        .sort(),
    },
  };
}

export function isEmpty(d: ResourceDiff): boolean {
  return (
    d.added.length + d.changed.length + d.removed.length + d.outputs.added.length + d.outputs.changed.length + d.outputs.removed.length ===
    0
  );
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
    lines.push(
      `outputs: ${[...o.added.map((x) => `+${x}`), ...o.changed.map((x) => `~${x}`), ...o.removed.map((x) => `-${x}`)].join(' ')}`,
    );
  }
  lines.push(
    isEmpty(d) ? 'no changes to resources' : `${d.added.length} to add, ${d.changed.length} to change, ${d.removed.length} to remove`,
  );
  return lines;
}
