/**
 * `gen bundle <name>`: a new bundle from `templates/bundle/**\/*.hbs` (the contract with typed,
 * documented parameters, both implementations each with a first real, secure resource, the three
 * test layers, schema.json, CHANGELOG and a changeset), plus its entry in the root package.json,
 * in `bundles:` of the definition and in the bundle table of `docs/bundles.md`. Checked before anything is
 * written; every file written atomically. The same inputs give the same bytes.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { writeDirAtomic, writeFileAtomic } from '@parity/io';
import {
  DEFINITION_FILE,
  issue,
  own,
  readWorkspaceFile,
  readWorkspaceFileIfExists,
  readWorkspaceJson,
  type Cloud,
  type Issue,
  type Workspace,
} from '@parity/model';
import { render, templateFiles } from './files.js';

/** Bundle names: used in package names, physical names (`<platform>-<env>-<bundle>`) and Terraform addresses. */
/** As the definition's `bundles` keys allow (network, database, bucket), and a package and folder name as it is. */
export const BUNDLE_NAME = /^[a-z][a-z0-9]*$/;
const BUNDLE_NAME_MAX = 20;

export interface BundleGenOptions {
  /** Clouds to implement. @default - aws and gcp */
  readonly clouds?: readonly Cloud[];
  /** Holds data: the first resource is a store replicated to the DR region. @default false */
  readonly stateful?: boolean;
  /** Bundles of the definition it needs in the same environment. @default - none */
  readonly connects?: readonly string[];
}

/** What the templates see (handlebars strict mode: every name they use is here). */
export interface BundleView {
  readonly name: string;
  /** `Objects` for `objects`: type names. */
  readonly pascal: string;
  /** npm scope of the workspace, from its model package: `@parity`. */
  readonly scope: string;
  readonly pkg: string;
  readonly description: string;
  readonly awsSummary: string;
  readonly gcpSummary: string;
  readonly aws: boolean;
  readonly gcp: boolean;
  readonly stateful: boolean;
  readonly connects: readonly string[];
}

export interface BundlePlan {
  readonly view: BundleView;
  /** Files to create, relative to the workspace root → content. */
  readonly files: ReadonlyMap<string, string>;
  /** Existing files to change, relative to the workspace root → new content. */
  readonly edits: ReadonlyMap<string, string>;
  readonly warnings: readonly Issue[];
}

/** The npm scope of a workspace: the scope of its model package (`@parity/model` → `@parity`). */
export function workspaceScope(root: string): string {
  const name = readWorkspaceJson<{ name: string }>(root, 'packages/model/package.json', { kind: 'config', what: 'package.json' }).name;
  return name.slice(0, name.indexOf('/'));
}

function pascalCase(name: string): string {
  return name.replace(/(^|-)([a-z0-9])/g, (_m, _d, c: string) => c.toUpperCase());
}

/** Everything wrong with the request, at once. */
function problems(ws: Workspace, name: string, clouds: readonly Cloud[], connects: readonly string[]): Issue[] {
  const out: Issue[] = [];
  const at = { file: `bundles/${name}`, path: 'name' };
  // `constructor`, `toString`: a key of the definition's bundles the definition refuses
  const reserved = Object.hasOwn(Object.prototype, name);
  if (!BUNDLE_NAME.test(name) || name.length > BUNDLE_NAME_MAX || reserved) {
    out.push(
      issue({
        kind: 'bundle-name',
        ...at,
        value: name,
        message: reserved ? `"${name}" is a reserved word (a property of every JavaScript object), not a name` : 'invalid bundle name',
        allowed: `lower-case letters and digits, starting with a letter, at most ${BUNDLE_NAME_MAX} (a key of bundles in ${DEFINITION_FILE})`,
        fix: `choose a short name such as cache or objects${name.includes('-') ? ` (${name.replaceAll('-', '')} without hyphens)` : ''}`,
      }),
    );
  }
  if (existsSync(join(ws.root, 'bundles', name)) || own(ws.definition.data.bundles, name)) {
    out.push(
      issue({
        kind: 'bundle-exists',
        ...at,
        value: name,
        message: `bundle ${name} already exists (bundles/${name} or bundles.${name} in ${DEFINITION_FILE})`,
        fix: 'choose another name, or edit the existing bundle',
      }),
    );
  }
  for (const c of connects.filter((b) => !own(ws.definition.data.bundles, b))) {
    out.push(
      issue({
        kind: 'unknown-bundle',
        file: DEFINITION_FILE,
        path: '--connects',
        value: c,
        message: `--connects names ${c}, which the definition does not have`,
        allowed: Object.keys(ws.definition.data.bundles).join(', '),
        fix: 'name bundles of the definition',
      }),
    );
  }
  for (const cloud of (['aws', 'gcp'] as const).filter((c) => !clouds.includes(c))) {
    const using = [...ws.manifests.values()].filter((m) => m.data.cloud === cloud).map((m) => m.data.name);
    if (using.length > 0) {
      out.push(
        issue({
          kind: 'bundle-cloud',
          file: DEFINITION_FILE,
          path: '--clouds',
          value: clouds.join(','),
          message: `every environment runs every bundle, and ${using.join(', ')} run on ${cloud}: a bundle without a ${cloud} implementation would break them`,
          allowed: 'aws,gcp',
          fix: `add ${cloud} to --clouds`,
        }),
      );
    }
  }
  return out;
}

/** Work out the files and edits for a new bundle, checked against the workspace. Writes nothing. */
export function planBundle(ws: Workspace, name: string, opts: BundleGenOptions = {}): { plan?: BundlePlan; issues: Issue[] } {
  if (!ws.definition) return { issues: [...ws.issues] };
  const clouds = opts.clouds ?? ['aws', 'gcp'];
  const connects = [...(opts.connects ?? [])].sort();
  const found = problems(ws, name, clouds, connects);
  if (found.length > 0) return { issues: found };
  const stateful = opts.stateful ?? false;
  const scope = workspaceScope(ws.root);
  const view: BundleView = {
    name,
    pascal: pascalCase(name),
    scope,
    pkg: `${scope}/bundle-${name}`,
    description: `The ${name} bundle: ${stateful ? 'data replicated to the DR region, encrypted with customer-managed keys' : 'encrypted with a customer-managed key'}.`,
    awsSummary: stateful
      ? 'a DynamoDB table with point-in-time recovery, replicated to each DR region (global table), each copy with a KMS key of its region.'
      : 'a customer-managed, rotating KMS key.',
    gcpSummary: stateful
      ? 'a Cloud KMS key, and a private, versioned bucket in a dual-region with the DR region (turbo replication).'
      : 'a Cloud KMS key ring and a rotating crypto key.',
    aws: clouds.includes('aws'),
    gcp: clouds.includes('gcp'),
    stateful,
    connects,
  };
  const dir = join(ws.root, 'templates', 'bundle');
  const files = new Map<string, string>();
  for (const t of templateFiles(dir)) {
    const out = t.slice(0, -'.hbs'.length);
    files.set(out === 'changeset.md' ? `.changeset/bundle-${name}.md` : `bundles/${name}/${out}`, render(ws.root, join(dir, t), view));
  }
  const { edits, warnings } = entries(ws.root, view);
  return { plan: { view, files, edits, warnings }, issues: warnings };
}

/** The root package.json dependency, the definition entry and the row in the bundle table. */
function entries(root: string, view: BundleView): { edits: Map<string, string>; warnings: Issue[] } {
  const edits = new Map<string, string>();
  const warnings: Issue[] = [];
  const pkgPath = join(root, 'package.json');
  const pkg = readWorkspaceJson<{ dependencies?: Record<string, string> }>(root, pkgPath, { kind: 'config', what: 'package.json' });
  const deps = { ...pkg.dependencies, [view.pkg]: 'workspace:*' };
  pkg.dependencies = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => a.localeCompare(b)));
  edits.set('package.json', `${JSON.stringify(pkg, null, 2)}\n`);
  edits.set(DEFINITION_FILE, addDefinitionEntry(readWorkspaceFile(root, DEFINITION_FILE, { kind: 'definition' }), view.name));
  const table = readWorkspaceFileIfExists(root, BUNDLE_TABLE_FILE, { kind: 'config', what: 'bundle table' });
  const withRow = table === undefined ? undefined : addBundleRow(table, view);
  if (withRow) edits.set(BUNDLE_TABLE_FILE, withRow);
  else
    warnings.push(
      issue({
        kind: 'bundle-readme',
        severity: 'warning',
        file: BUNDLE_TABLE_FILE,
        path: BUNDLE_TABLE_HEADER,
        message: `${BUNDLE_TABLE_FILE} has no bundle table (a table whose header is ${BUNDLE_TABLE_HEADER}); no row was added`,
        fix: `describe ${view.name} in ${BUNDLE_TABLE_FILE} by hand`,
      }),
    );
  return { edits, warnings };
}

/** The definition with `<name>` appended to its top-level `bundles:` block (text edit: comments and layout stay). */
export function addDefinitionEntry(text: string, name: string): string {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^bundles:\s*(#.*)?$/.test(l));
  const entry = [`  ${name}:`, '    # 1.0.0-0 until its first release (`pnpm release` makes it 1.0.0).', '    version: ^1.0.0-0'];
  if (start < 0) return `${text.replace(/\n*$/, '\n')}\nbundles:\n${entry.join('\n')}\n`;
  let end = start + 1;
  while (end < lines.length && (lines[end]!.trim() === '' || /^\s/.test(lines[end]!) || lines[end]!.startsWith('#'))) end++;
  // keep blank lines and comments that open the next top-level key with it
  while (end > start + 1 && (lines[end - 1]!.trim() === '' || lines[end - 1]!.startsWith('#'))) end--;
  return [...lines.slice(0, end), ...entry, ...lines.slice(end)].join('\n');
}

/** The guide that lists every bundle, one row each (`docs/bundles.md`, "What each bundle creates"). */
export const BUNDLE_TABLE_FILE = 'docs/bundles.md';
const BUNDLE_TABLE_HEADER = '| bundle | AWS | GCP |';

/** The guide with a row for the bundle at the end of its bundle table; undefined without one. */
export function addBundleRow(text: string, view: BundleView): string | undefined {
  const lines = text.split('\n');
  const header = lines.findIndex((l) => l.replace(/\s+/g, ' ').trim() === BUNDLE_TABLE_HEADER);
  if (header < 0) return undefined;
  let end = header + 1;
  while (end < lines.length && lines[end]!.startsWith('|')) end++;
  const row = `| ${view.name} | ${view.aws ? view.awsSummary.replace(/\.$/, '') : '(none)'} | ${view.gcp ? view.gcpSummary.replace(/\.$/, '') : '(none)'} |`;
  return [...lines.slice(0, end), row, ...lines.slice(end)].join('\n');
}

/** Write a planned bundle: its folder at once, then the changeset, then the edits. Returns the paths written. */
export function writeBundle(root: string, plan: BundlePlan): string[] {
  const prefix = `bundles/${plan.view.name}/`;
  const inFolder = new Map([...plan.files].filter(([f]) => f.startsWith(prefix)).map(([f, c]) => [f.slice(prefix.length), c]));
  writeDirAtomic(join(root, 'bundles', plan.view.name), (tmp) => {
    for (const [file, content] of inFolder) {
      mkdirSync(dirname(join(tmp, file)), { recursive: true });
      writeFileSync(join(tmp, file), content);
    }
  });
  for (const [f, c] of plan.files) if (!f.startsWith(prefix)) writeFileAtomic(join(root, f), c);
  for (const [f, c] of plan.edits) writeFileAtomic(join(root, f), c);
  return [...plan.files.keys(), ...plan.edits.keys()];
}
