/**
 * Transforms: the bundle-level escape hatch. The definition's `bundles.<b>.transforms` apply to
 * every environment; a manifest's `transforms.<b>` to that environment only, and only for the
 * attributes the definition lets differ (`transform:<resource>.<attribute>` in `mayDiffer`), so a
 * transform is subject to parity like a parameter. A manifest value replaces the definition's
 * value of the same attribute.
 */
import type { Definition, Manifest, SourceFile, Transform } from './config.js';
import { issue, type Issue } from './errors.js';
import { own } from './own.js';

/** One attribute a transform sets, with where it was written (for errors at synth time). */
export interface ResolvedTransform {
  /** Construct ID inside the bundle, e.g. `instance` or `orders/topic`. */
  readonly resource: string;
  /** Terraform attribute path, e.g. `deletion_protection` or `ingress.0.cidr_blocks`. */
  readonly attribute: string;
  readonly value: unknown;
  readonly reason: string;
  readonly source: 'definition' | 'override';
  readonly file: string;
  readonly path: string;
  readonly line?: number;
}

/** The key a transform has in `mayDiffer` and in the parity matrix. */
export function transformKey(resource: string, attribute: string): string {
  return `transform:${resource}.${attribute}`;
}

/** Whether a `mayDiffer` entry names a transform attribute rather than a parameter. */
export function isTransformKey(key: string): boolean {
  return key.startsWith('transform:');
}

/** The transforms of one bundle in one environment, definition first, then the manifest's. */
export function resolveTransforms(
  defSrc: SourceFile<Definition>,
  src: SourceFile<Manifest>,
  bundle: string,
  opts: { lenient?: boolean } = {},
): { transforms: ResolvedTransform[]; issues: Issue[] } {
  const entry = own(defSrc.data.bundles, bundle);
  const out = new Map<string, ResolvedTransform>();
  const issues: Issue[] = [];
  const add = (list: readonly Transform[], source: ResolvedTransform['source'], file: SourceFile<unknown>, base: (string | number)[]) => {
    list.forEach((t, i) => {
      if (t.cloud && t.cloud !== src.data.cloud) return;
      for (const [attribute, value] of Object.entries(t.set)) {
        const path = [...base, i, 'set', attribute];
        const key = transformKey(t.resource, attribute);
        if (source === 'override' && !entry?.mayDiffer.includes(key)) {
          issues.push(
            issue({
              kind: 'not-overridable',
              file: file.file,
              path: path.join('.'),
              line: file.lineOf(path),
              value,
              message: `the transform of ${bundle}/${t.resource} ${attribute} must be the same in every environment; the definition does not let it differ`,
              allowed: entry?.mayDiffer.filter((k) => k.startsWith('transform:')).join(', ') || '(no transform attributes in mayDiffer)',
              fix: `move the transform to bundles.${bundle}.transforms in ${defSrc.file}, or add ${key} to bundles.${bundle}.mayDiffer if environments really may differ`,
            }),
          );
          if (!opts.lenient) continue;
        }
        out.set(key, {
          resource: t.resource,
          attribute,
          value,
          reason: t.reason,
          source,
          file: file.file,
          path: path.join('.'),
          line: file.lineOf(path),
        });
      }
    });
  };
  add(entry?.transforms ?? [], 'definition', defSrc, ['bundles', bundle, 'transforms']);
  add(src.data.transforms?.[bundle] ?? [], 'override', src, ['transforms', bundle]);
  return { transforms: [...out.values()], issues };
}

/** Manifest transforms of bundles the definition does not have. */
export function unknownTransformBundles(defSrc: SourceFile<Definition>, src: SourceFile<Manifest>): Issue[] {
  return Object.keys(src.data.transforms ?? {})
    .filter((b) => !own(defSrc.data.bundles, b))
    .map((b) =>
      issue({
        kind: 'unknown-bundle',
        file: src.file,
        path: `transforms.${b}`,
        line: src.lineOf(['transforms', b]),
        value: b,
        message: `the definition has no bundle "${b}" to transform`,
        allowed: Object.keys(defSrc.data.bundles).join(', '),
        fix: 'remove the transform or correct the bundle name',
      }),
    );
}
