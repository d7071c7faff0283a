/**
 * Problems in the definition itself, independent of any environment: bundles that cannot be
 * loaded or do not satisfy their range, unknown parameters, tiers that set must-match
 * parameters, unknown tiers and DR policies, missing connections and connection cycles.
 */
import { own } from './own.js';
import { isTransformKey } from './transforms.js';
import semver from 'semver';
import type { BundleSpec } from './bundle.js';
import type { Definition } from './config.js';
import { issue, unbalancedBracket, type Issue } from './errors.js';
import { packageOf, type ResolveInput } from './resolved.js';

/** The parameter names a bundle accepts. */
export function paramKeys(spec: BundleSpec): Set<string> {
  return new Set(Object.keys(spec.params.shape));
}

/** Problems in the definition itself, independent of any environment. */
export function checkDefinition(input: Pick<ResolveInput, 'definition' | 'bundles'>): Issue[] {
  const { definition: src, bundles } = input;
  const file = src.file;
  const at = (path: (string | number)[]) => ({ file, path: path.join('.'), line: src.lineOf(path) });
  const check: DefinitionCheck = { def: src.data, bundles, at, out: [] };
  bundleEntries(check);
  tiers(check);
  defaults(check);
  connectionCycles(check);
  runbookFields(check);
  return check.out;
}

/** The definition being checked, where its paths are, and the problems found so far. */
interface DefinitionCheck {
  readonly def: Definition;
  readonly bundles: ResolveInput['bundles'];
  readonly at: (path: (string | number)[]) => { file: string; path: string; line?: number };
  readonly out: Issue[];
}

/** Each bundle: loaded, its range valid and satisfied, its defaults and mayDiffer known, its connections present. */
function bundleEntries({ def, bundles, at, out }: DefinitionCheck): void {
  for (const [name, entry] of Object.entries(def.bundles)) {
    const spec = bundles.get(name);
    if (!spec) {
      out.push(
        issue({
          kind: 'unknown-bundle',
          ...at(['bundles', name]),
          value: packageOf(name, entry),
          message: `bundle "${name}" could not be loaded`,
          fix: `add ${packageOf(name, entry)} to the root package.json and run pnpm install, or remove bundles.${name}`,
        }),
      );
      continue;
    }
    if (!semver.validRange(entry.version)) {
      out.push(
        issue({
          kind: 'bundle-version',
          ...at(['bundles', name, 'version']),
          value: entry.version,
          message: 'not a semver range',
          allowed: 'a range such as ^1.0.0 or 1.2.3',
          fix: 'write a valid semver range',
        }),
      );
    } else if (!semver.satisfies(spec.version, entry.version)) {
      out.push(
        issue({
          kind: 'bundle-version',
          ...at(['bundles', name, 'version']),
          value: entry.version,
          message: `the workspace has ${spec.package}@${spec.version}, which does not satisfy ${entry.version}`,
          allowed: `a range that includes ${spec.version}`,
          fix: `widen the range (e.g. ^${semver.major(spec.version)}.0.0) or pin environments to a published version`,
        }),
      );
    }
    const keys = paramKeys(spec);
    for (const k of Object.keys(entry.defaults)) {
      if (!keys.has(k)) out.push(unknownParam(at(['bundles', name, 'defaults', k]), name, k, keys));
    }
    for (const [i, k] of entry.mayDiffer.entries()) {
      if (!keys.has(k) && !isTransformKey(k)) out.push(unknownParam(at(['bundles', name, 'mayDiffer', i]), name, k, keys));
    }
    for (const needed of Object.keys(spec.connects)) {
      if (!def.bundles[needed]) {
        out.push(
          issue({
            kind: 'missing-connection',
            ...at(['bundles', name]),
            message: `bundle "${name}" connects to "${needed}" (${spec.connects[needed]!.description}), which the definition does not include`,
            fix: `add bundles.${needed}`,
          }),
        );
      }
    }
  }
}

/** Each tier: its DR policy defined, its bundles in the definition, and only parameters that may differ. */
function tiers({ def, at, out }: DefinitionCheck): void {
  for (const [tier, perBundle] of Object.entries(def.tiers)) {
    for (const [bundle, values] of Object.entries(perBundle)) {
      if (bundle === 'drPolicy') {
        if (typeof values === 'string' && !own(def.dr.policies, values))
          out.push(unknownPolicy(at(['tiers', tier, 'drPolicy']), values, def));
        continue;
      }
      const entry = def.bundles[bundle];
      if (!entry) {
        out.push(
          issue({
            kind: 'unknown-bundle',
            ...at(['tiers', tier, bundle]),
            value: bundle,
            message: `tier "${tier}" sets bundle "${bundle}", which the definition does not include`,
            allowed: Object.keys(def.bundles).join(', '),
            fix: 'remove it or add the bundle',
          }),
        );
        continue;
      }
      for (const [k, v] of Object.entries(values)) {
        if (!entry.mayDiffer.includes(k)) {
          out.push(
            issue({
              kind: 'tier-sets-fixed-parameter',
              ...at(['tiers', tier, bundle, k]),
              value: v,
              message: `tier "${tier}" sets ${bundle}.${k}, which is not in bundles.${bundle}.mayDiffer, so it must be the same everywhere`,
              allowed: entry.mayDiffer.join(', ') || '(nothing: mayDiffer is empty)',
              fix: `add ${k} to bundles.${bundle}.mayDiffer, or move the value to bundles.${bundle}.defaults`,
            }),
          );
        }
      }
    }
  }
}

/** The default DR policy and the default tiers are defined. */
function defaults({ def, at, out }: DefinitionCheck): void {
  if (!own(def.dr.policies, def.dr.defaultPolicy)) out.push(unknownPolicy(at(['dr', 'defaultPolicy']), def.dr.defaultPolicy, def));
  for (const role of ['staging', 'production'] as const) {
    const t = def.defaultTier[role];
    if (!own(def.tiers, t))
      out.push(
        issue({
          kind: 'unknown-tier',
          ...at(['defaultTier', role]),
          value: t,
          message: `tier "${t}" is not defined`,
          allowed: Object.keys(def.tiers).join(', '),
          fix: 'name a tier under tiers',
        }),
      );
  }
}

/** No bundle (indirectly) connects to itself. */
function connectionCycles({ def, bundles, at, out }: DefinitionCheck): void {
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (n: string, trail: string[]): void => {
    if (done.has(n)) return;
    if (visiting.has(n)) {
      out.push(
        issue({
          kind: 'connection-cycle',
          ...at(['bundles', n]),
          message: `bundles connect in a cycle: ${[...trail, n].join(' → ')}`,
          fix: 'a bundle may not (indirectly) need itself',
        }),
      );
      return;
    }
    visiting.add(n);
    for (const c of Object.keys(bundles.get(n)?.connects ?? {})) if (def.bundles[c]) visit(c, [...trail, n]);
    visiting.delete(n);
    done.add(n);
  };
  for (const n of Object.keys(def.bundles)) visit(n, []);
}

/** A DR policy name the definition does not define. */
export function unknownPolicy(where: { file: string; path: string; line?: number }, name: string, def: Definition): Issue {
  return issue({
    kind: 'dr-policy',
    ...where,
    value: name,
    message: `no DR policy "${name}" under dr.policies`,
    allowed: Object.keys(def.dr.policies).join(', '),
    fix: 'name a defined policy, or define it under dr.policies',
  });
}

/** An unknown parameter, with the ones the bundle has. */
export function unknownParam(
  where: { file: string; path: string; line?: number },
  bundle: string,
  key: string,
  keys: Set<string>,
  label = `"${bundle}"`,
): Issue {
  return issue({
    kind: 'unknown-parameter',
    ...where,
    value: key,
    message: `bundle ${label} has no parameter "${key}"`,
    allowed: [...keys].sort().join(', '),
    fix: 'correct the parameter name (see the bundle schema.json)',
  });
}

const CLOSING: Readonly<Record<string, string>> = { '(': ')', '[': ']', '{': '}' };

/** The first bracket of `text` that is never closed, or undefined when every bracket closes in order. */
export function unclosedBracket(text: string): string | undefined {
  const open: string[] = [];
  for (const c of text) {
    if (Object.hasOwn(CLOSING, c)) open.push(c);
    else if (Object.values(CLOSING).includes(c)) {
      if (CLOSING[open.at(-1) ?? ''] !== c) return open.at(-1) ?? c;
      open.pop();
    }
  }
  return open[0];
}

/**
 * The fields every runbook prints (`dr.declaration`): one whose bracket is left open was most
 * likely cut short by a YAML comment (`… rotation; #incidents)` unquoted), a warning.
 */
function runbookFields({ def, at, out }: DefinitionCheck): void {
  const d = def.dr.declaration;
  if (!d) return;
  const fields: Array<[(string | number)[], string]> = [
    [['dr', 'declaration', 'who'], d.who],
    ...d.criteria.map((c, i): [(string | number)[], string] => [['dr', 'declaration', 'criteria', i], c]),
  ];
  for (const [path, value] of fields) {
    const open = unclosedBracket(value);
    if (!open) continue;
    const { file, line } = at(path);
    out.push(unbalancedBracket(file, path.join('.'), value, line, open));
  }
}
