/**
 * Loading a Parity workspace: the definition, every manifest, and the bundle specs the
 * definition names (resolved as packages from the workspace root), plus the published versions
 * that manifests pin (see pins.ts).
 */
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import type { BundleSpec } from './bundle.js';
import { DefinitionSchema, ManifestSchema, readYaml, type Definition, type Manifest, type SourceFile } from './config.js';
import { bundleContract, fileIsLink, issue, nameCharacter, ParityError, refuseOne, workspaceMissing, type Issue } from './errors.js';
import { foreignCharacter } from './names.js';
import { importFile } from './modules.js';
import { loadPins, type PinInstaller } from './pins.js';
import { loadPreviews, previewsSettingIssues, type PreviewRecord } from './preview.js';
import { checkDefinition } from './definition-check.js';
import { resolveEnvironment } from './resolve.js';
import { packageOf, type PinnedLoad, type ResolvedEnvironment, type ResolveOptions } from './resolved.js';
import { sweepStaleTemps } from './stale.js';

export const DEFINITION_FILE = 'environments/platform.yaml';
export const MANIFEST_FILE = 'environment.yaml';

export interface Workspace {
  readonly root: string;
  readonly environmentsDir: string;
  readonly definition: SourceFile<Definition>;
  readonly manifests: ReadonlyMap<string, SourceFile<Manifest>>;
  readonly bundles: ReadonlyMap<string, BundleSpec>;
  /**
   * The pinned bundle versions the manifests name, by `pinKey(bundle, version)`: loaded from the
   * bundle cache (installed from the registry on first use), or why that failed. Resolution
   * reports a failure on the environments that pin it, not on the others.
   */
  readonly pinned?: ReadonlyMap<string, PinnedLoad>;
  /**
   * The records of the previews under environments/ (gitignored, written by `pnpm preview`), by
   * preview name. Each preview's manifest, derived from its record and its base, is in `manifests`.
   */
  readonly previews?: ReadonlyMap<string, SourceFile<PreviewRecord>>;
  /** Problems found while loading (parse and schema errors, definition rules). */
  readonly issues: readonly Issue[];
}

export interface LoadOptions {
  /**
   * Installs pinned bundle versions that are not in the bundle cache yet (@parity/release's
   * `npmInstaller`). Without one, a pinned version outside the cache is reported, not installed.
   */
  readonly installer?: PinInstaller;
}

/** The workspace root: `$PARITY_ROOT`, or the nearest folder above `from` holding pnpm-workspace.yaml. */
export function findRoot(from = process.cwd()): string {
  if (process.env.PARITY_ROOT) return resolvePath(process.env.PARITY_ROOT);
  let dir = resolvePath(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml')) && existsSync(join(dir, DEFINITION_FILE))) return dir;
    const up = dirname(dir);
    if (up === dir) refuseOne(workspaceMissing(resolvePath(from), DEFINITION_FILE));
    dir = up;
  }
}

/** Whether anything is at `path`, a link to nothing included (the reader then refuses it by name). */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Names of the environment folders that hold a manifest, sorted. */
export function environmentNames(environmentsDir: string): string[] {
  if (!existsSync(environmentsDir)) return [];
  return readdirSync(environmentsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !foreignCharacter(d.name) && present(join(environmentsDir, d.name, MANIFEST_FILE)))
    .map((d) => d.name)
    .sort();
}

/**
 * Entries of environments/ that cannot be environments: a link (to a folder anywhere), or a
 * folder whose name holds a character outside ASCII (`prod‐use1` with U+2010). Their manifests
 * are not read.
 */
export function environmentFolderIssues(environmentsDir: string): Issue[] {
  if (!existsSync(environmentsDir)) return [];
  const out: Issue[] = [];
  for (const d of readdirSync(environmentsDir, { withFileTypes: true })) {
    const file = `environments/${d.name}`;
    const foreign = foreignCharacter(d.name);
    if (d.isSymbolicLink()) out.push(fileIsLink(file, 'environment folder'));
    else if (d.isDirectory() && foreign) out.push(nameCharacter(file, '', d.name, foreign));
  }
  return out;
}

/** Load a bundle's spec from its package, resolved from the workspace root. */
export async function loadBundleSpec(root: string, pkg: string): Promise<BundleSpec> {
  const require = createRequire(join(root, 'package.json'));
  const entry = require.resolve(pkg);
  const mod = await importFile<{ bundle?: BundleSpec; default?: BundleSpec }>(entry);
  const spec = mod.bundle ?? mod.default;
  if (!spec) {
    refuseOne(
      bundleContract(
        pkg,
        'bundle',
        `${pkg} (${entry}) does not export \`bundle\``,
        'export the spec: export const bundle = defineBundle({ … })',
        entry,
      ),
    );
  }
  return spec;
}

/**
 * Load the definition, every manifest, the bundle contracts and the pinned versions. Problems are
 * collected in `issues`; a definition that cannot be read at all (YAML or schema) is refused with a
 * ParityError carrying every problem, since nothing else can be judged without it.
 */
export async function loadWorkspace(root = findRoot(), options: LoadOptions = {}): Promise<Workspace> {
  const issues: Issue[] = [];
  const environmentsDir = join(root, 'environments');
  sweepStaleTemps(root);
  const d = readYaml(root, DEFINITION_FILE, DefinitionSchema, 'definition');
  issues.push(...d.issues);
  // Without a definition nothing else can be judged: a Workspace always has one.
  if (!d.source) throw new ParityError(issues, `${DEFINITION_FILE} cannot be read`);
  issues.push(...environmentFolderIssues(environmentsDir));
  const manifests = readManifests(root, environmentsDir, issues);
  const bundles = await loadBundles(root, d.source, issues);
  issues.push(
    ...checkDefinition({ definition: d.source, bundles }).filter((i) => !(i.kind === 'unknown-bundle' && i.path.startsWith('bundles.'))),
  );
  issues.push(...residencyEnvironmentIssues(d.source, manifests));
  // previews are derived from their bases: after every manifest is read
  const previews = loadPreviews(root, environmentsDir, d.source.data, manifests);
  issues.push(...previews.issues, ...previewsSettingIssues(d.source, manifests));
  for (const [name, m] of previews.manifests) manifests.set(name, m);
  const pinned = await loadPins(root, d.source.data, manifests.values(), options.installer);
  return { root, environmentsDir, definition: d.source, manifests, bundles, pinned, previews: previews.records, issues };
}

/** Every environment's manifest that can be read, by name; the problems of each go into `issues`. */
function readManifests(root: string, environmentsDir: string, issues: Issue[]): Map<string, SourceFile<Manifest>> {
  const manifests = new Map<string, SourceFile<Manifest>>();
  for (const name of environmentNames(environmentsDir)) {
    const r = readYaml(root, relative(root, join(environmentsDir, name, MANIFEST_FILE)), ManifestSchema, 'manifest');
    issues.push(...r.issues);
    if (r.source) manifests.set(name, r.source);
  }
  return manifests;
}

/**
 * The spec of each bundle the definition names, loaded side by side; a bundle that cannot be
 * loaded, or is another bundle than its entry says, goes into `issues` as unknown-bundle instead.
 */
async function loadBundles(root: string, definition: SourceFile<Definition>, issues: Issue[]): Promise<Map<string, BundleSpec>> {
  const bundles = new Map<string, BundleSpec>();
  await Promise.all(
    Object.entries(definition.data.bundles).map(async ([name, entry]) => {
      const pkg = packageOf(name, entry);
      try {
        const spec = await loadBundleSpec(root, pkg);
        if (spec.name !== name) {
          issues.push(
            issue({
              kind: 'unknown-bundle',
              file: DEFINITION_FILE,
              path: `bundles.${name}`,
              line: definition.lineOf(['bundles', name]),
              value: pkg,
              message: `${pkg} is the "${spec.name}" bundle, not "${name}"`,
              fix: `rename the entry to ${spec.name} or point package at the right bundle`,
            }),
          );
          return;
        }
        bundles.set(name, spec);
      } catch (e) {
        // reported by checkDefinition as unknown-bundle, with the cause here
        issues.push(
          issue({
            kind: 'unknown-bundle',
            file: DEFINITION_FILE,
            path: `bundles.${name}`,
            line: definition.lineOf(['bundles', name]),
            value: pkg,
            message: `bundle "${name}" could not be loaded: ${(e as Error).message.split('\n')[0]}`,
            fix:
              (e instanceof ParityError && e.kinds.includes('uncompiled-module') ? e.issues[0]!.fix : undefined) ??
              `add ${pkg} to the root package.json and run pnpm install, or remove bundles.${name}`,
          }),
        );
      }
    }),
  );
  return bundles;
}

/** An environment that residency names but that has no manifest. */
function residencyEnvironmentIssues(definition: SourceFile<Definition>, manifests: ReadonlyMap<string, unknown>): Issue[] {
  const out: Issue[] = [];
  for (const env of Object.keys(definition.data.residency.environments)) {
    if (manifests.has(env)) continue;
    const path = ['residency', 'environments', env];
    out.push(
      issue({
        kind: 'env-missing',
        file: DEFINITION_FILE,
        path: path.join('.'),
        line: definition.lineOf(path),
        value: env,
        message: `residency names environment "${env}", which does not exist`,
        allowed: [...manifests.keys()].join(', '),
        fix: 'correct the name or remove the entry',
      }),
    );
  }
  return out;
}

/** Resolve the named environments (all when `names` is empty). */
export function resolveEnvironments(
  ws: Workspace,
  names: readonly string[] = [],
  opts: ResolveOptions = {},
): { envs: ResolvedEnvironment[]; issues: Issue[] } {
  const issues: Issue[] = [...ws.issues];
  const envs: ResolvedEnvironment[] = [];
  const wanted = names.length > 0 ? names : [...ws.manifests.keys()];
  for (const name of wanted) {
    const r = resolveEnvironment(ws, name, opts);
    issues.push(...r.issues);
    if (r.env) envs.push(r.env);
  }
  return { envs, issues };
}
