/**
 * JSON Schemas generated from the zod types: the definition, the manifest (with typed overrides
 * for every bundle) and each bundle's parameters. Committed, so editors check and complete the
 * YAML; `--check` fails when a committed schema is stale.
 */
import { basename, dirname, join, relative } from 'node:path';
import pc from 'picocolors';
import { z } from 'zod';
import { writeFileAtomic } from '@parity/io';
import {
  BundleEntrySchema,
  DefinitionSchema,
  holdsExactly,
  loadWorkspace,
  ManifestSchema,
  refuse,
  schemasStale,
  type BundleSpec,
} from '@parity/model';
import { createRequire } from 'node:module';

function toSchema(schema: z.ZodType, title: string, description: string): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...json, title, description };
}

/** How a default reads after `@default`: a string as written, anything else as JSON (`["events"]`). */
function defaultText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * A bundle's parameters with each default written into its description (`… @default 16`), taken
 * from the zod default: a bundle writes its default once, in `.default()`.
 */
function documented(spec: BundleSpec): Record<string, z.ZodType> {
  return Object.fromEntries(
    Object.entries(spec.params.shape).map(([k, v]) => {
      const t = v as z.ZodType;
      // by shape, not instanceof: a bundle may bring its own copy of zod
      const def = t._zod.def as { type: string; defaultValue?: unknown };
      if (def.type !== 'default') return [k, t];
      const text = `@default ${defaultText(def.defaultValue)}`;
      return [k, t.describe(t.description ? `${t.description} ${text}` : text)];
    }),
  );
}

/** A bundle's parameters as a manifest may override them: every field optional, unknown ones refused. */
function overridable(spec: BundleSpec): z.ZodType {
  const shape = Object.fromEntries(Object.entries(documented(spec)).map(([k, v]) => [k, v.optional()]));
  return z.object(shape).strict().optional();
}

export function bundleSchema(spec: BundleSpec): Record<string, unknown> {
  return toSchema(spec.params.safeExtend(documented(spec)), `${spec.package} parameters`, spec.description);
}

/** Every schema file, path (relative to root) → content. */
export async function renderSchemas(root?: string): Promise<{ root: string; files: Map<string, string> }> {
  const ws = await loadWorkspace(root);
  const files = new Map<string, string>();
  const text = (o: unknown) => `${JSON.stringify(o, null, 2)}\n`;
  const specs = [...ws.bundles.values()].sort((a, b) => a.name.localeCompare(b.name));
  const typedBundles = z
    .object(Object.fromEntries(specs.map((b) => [b.name, BundleEntrySchema.extend({ defaults: overridable(b) }).optional()])))
    .catchall(BundleEntrySchema)
    .describe(DefinitionSchema.shape.bundles.description ?? '');
  const definition = DefinitionSchema.extend({ bundles: typedBundles });
  files.set(
    'schemas/platform.schema.json',
    text(toSchema(definition, 'Parity platform definition', 'environments/platform.yaml: bundles, defaults, tiers, DR targets, state.')),
  );
  const overrides = z
    .object(Object.fromEntries([...ws.bundles.values()].sort((a, b) => a.name.localeCompare(b.name)).map((b) => [b.name, overridable(b)])))
    .strict();
  const manifest = ManifestSchema.extend({ overrides: overrides.default({}).describe(ManifestSchema.shape.overrides.description ?? '') });
  files.set(
    'schemas/environment.schema.json',
    text(toSchema(manifest, 'Parity environment manifest', 'environments/<name>/environment.yaml: only what differs from the definition.')),
  );
  const require = createRequire(join(ws.root, 'package.json'));
  for (const spec of ws.bundles.values()) {
    const pkgJson = require.resolve(`${spec.package}/package.json`, { paths: [ws.root] });
    files.set(relative(ws.root, join(dirname(pkgJson), 'schema.json')), text(bundleSchema(spec)));
  }
  return { root: ws.root, files };
}

export async function schemas(flags: { check?: boolean }, root?: string): Promise<void> {
  const { root: r, files } = await renderSchemas(root);
  const stale: string[] = [];
  for (const [file, content] of files) {
    const path = join(r, file);
    // a bundle linked from outside the workspace (a test's copy) keeps its schema in its own folder
    const [base, name] = file.startsWith('..') ? [dirname(path), basename(path)] : [r, file];
    if (holdsExactly(base, name, content)) continue;
    if (flags.check) {
      stale.push(file);
      continue;
    }
    writeFileAtomic(path, content);
    process.stdout.write(`${pc.green('✔')} wrote ${file}\n`);
  }
  if (stale.length > 0) refuse('schemas are stale', ...schemasStale(stale));
  if (flags.check) process.stdout.write(`${pc.green('✔')} ${files.size} schemas up to date\n`);
}
