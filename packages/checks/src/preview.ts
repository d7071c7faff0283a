/**
 * Previews (`pnpm preview`): each one against its base environment. A preview is at parity with
 * its base when every bundle runs the same version with the same parameters, apart from those the
 * definition lets differ (`mayDiffer`: what its tier sizes) and those the base's DR role derives
 * (a replica, a failover step). And it is what a preview must be, read from its Terraform: no
 * deletion protection and every store destroyed with its content (the cleanup must be able to
 * destroy it), nothing in another region (no DR pair), every resource tagged with its expiry.
 * Encryption of every store is PAR-SEC-001's, which runs over previews as over every environment.
 */
import { type Definition, isExpired, PREVIEW_EXPIRY_TAG, previewName, type ResolvedBundle, type ResolvedEnvironment } from '@parity/model';
import type { Finding } from './findings.js';
import { stable } from './parity.js';
import { blocks, TfDoc, type TerraformJson } from './tf.js';

/** One parameter of a preview that differs from its base. */
export interface PreviewDifference {
  readonly bundle: string;
  readonly param: string;
  readonly preview: unknown;
  readonly base: unknown;
  /** In `mayDiffer`, or derived from the base's DR role: allowed. */
  readonly allowed: boolean;
}

/** A preview as `pnpm check` reports it. */
export interface PreviewSummary {
  readonly name: string;
  readonly id: string;
  readonly from: string;
  readonly cloud: string;
  readonly region: string;
  readonly tier: string;
  readonly expires: string;
  readonly expired: boolean;
  /** Whether its base was checked with it (a check of named environments may leave it out). */
  readonly baseChecked: boolean;
  /** No difference from its base that the definition does not allow, and its Terraform is a preview's. */
  readonly atParity: boolean;
  readonly differences: readonly PreviewDifference[];
}

/** Parameter sources a dr, failing-over or failing-back base derives: never the preview's. */
const DERIVED = new Set(['strategy', 'failover', 'failback']);

/** Every preview against its base, and what its Terraform holds. */
export function previewReport(
  def: Definition,
  envs: readonly ResolvedEnvironment[],
  jsonOf: (env: string) => TerraformJson | undefined,
  now: Date,
): { previews: PreviewSummary[]; findings: Finding[] } {
  const previews: PreviewSummary[] = [];
  const findings: Finding[] = [];
  for (const env of envs) {
    if (!env.preview) continue;
    const base = envs.find((e) => e.name === env.preview!.from);
    const own: Finding[] = [];
    const differences = base ? againstBase(def, env, base, own) : [];
    const json = jsonOf(env.name);
    if (json) own.push(...previewTerraform(env, json));
    if (isExpired(env.preview, now)) own.push(expired(env));
    findings.push(...own);
    previews.push({
      name: env.name,
      id: env.preview.id,
      from: env.preview.from,
      cloud: env.cloud,
      region: env.region,
      tier: env.tier,
      expires: env.preview.expires,
      expired: isExpired(env.preview, now),
      baseChecked: base !== undefined,
      atParity: !own.some((f) => f.severity === 'error'),
      differences,
    });
  }
  return { previews, findings };
}

/** Each bundle of the preview against the base's: present, same version, same parameters but what may differ. */
function againstBase(def: Definition, env: ResolvedEnvironment, base: ResolvedEnvironment, out: Finding[]): PreviewDifference[] {
  const differences: PreviewDifference[] = [];
  for (const b of base.bundles) {
    const mine = env.bundles.find((x) => x.name === b.name);
    if (!mine) {
      out.push(
        finding(env, 'preview-parity', `bundles.${b.name}`, undefined, `${env.name} does not run ${b.name}, which ${base.name} runs`),
      );
      continue;
    }
    if (mine.version !== b.version)
      out.push(
        finding(
          env,
          'preview-parity',
          `bundles.${b.name}`,
          mine.version,
          `${b.name} ${mine.version} here, ${b.version} in ${base.name}`,
          b.version,
        ),
      );
    differences.push(...parameterDifferences(def, env, base, mine, b, out));
  }
  return differences;
}

function parameterDifferences(
  def: Definition,
  env: ResolvedEnvironment,
  base: ResolvedEnvironment,
  mine: ResolvedBundle,
  theirs: ResolvedBundle,
  out: Finding[],
): PreviewDifference[] {
  const mayDiffer = new Set(def.bundles[theirs.name]?.mayDiffer ?? []);
  const keys = [...new Set([...Object.keys(mine.params), ...Object.keys(theirs.params)])].sort();
  return keys.flatMap((param) => {
    const [p, q] = [mine.params[param], theirs.params[param]];
    if (stable(p) === stable(q)) return [];
    const allowed = mayDiffer.has(param) || DERIVED.has(theirs.sources[param] ?? '');
    if (!allowed)
      out.push(
        finding(
          env,
          'preview-parity',
          `bundles.${theirs.name}`,
          p,
          `${theirs.name}.${param} is ${stable(p)} in ${env.name} but ${stable(q)} in ${base.name}, its base; it must be the same`,
          stable(q),
        ),
      );
    return [{ bundle: theirs.name, param, preview: p, base: q, allowed }];
  });
}

/** What a preview's Terraform must be: destroyable, in its own region only, every resource tagged with its expiry. */
function previewTerraform(env: ResolvedEnvironment, json: TerraformJson): Finding[] {
  const out: Finding[] = [];
  const doc = new TfDoc(json, env.cloud, env.region);
  for (const r of doc.allResources()) {
    const on = protectedPaths(r.body);
    if (on.length)
      out.push({
        ...finding(
          env,
          'preview-protected',
          on[0]!,
          true,
          `${r.address} has ${on.join(', ')} on: the preview could not be destroyed when it expires`,
        ),
        address: r.address,
      });
    if (STORES_WITH_CONTENT.has(r.type) && r.body.force_destroy !== true)
      out.push({
        ...finding(
          env,
          'preview-protected',
          'force_destroy',
          r.body.force_destroy,
          `${r.address} is not destroyed with what it holds (force_destroy): the preview's destroy would stop at its content`,
        ),
        address: r.address,
      });
    const region = doc.providerRegion(r);
    if (env.cloud === 'aws' && region !== env.region)
      out.push({
        ...finding(
          env,
          'preview-dr',
          'provider',
          region,
          `${r.address} is created in ${region}: a preview has no DR pair and keeps everything in ${env.region}`,
        ),
        address: r.address,
      });
  }
  const provider = env.cloud === 'aws' ? 'aws' : 'google';
  const tagKey = env.cloud === 'aws' ? PREVIEW_EXPIRY_TAG.aws : PREVIEW_EXPIRY_TAG.gcp;
  for (const [i, p] of (json.provider?.[provider] ?? []).entries()) {
    const tags = env.cloud === 'aws' ? blocks(p.default_tags)[0]?.tags : p.default_labels;
    if (!tags || typeof tags !== 'object' || !(tagKey in tags))
      out.push(
        finding(
          env,
          'preview-expiry-tag',
          `provider.${provider}.${i}`,
          undefined,
          `the ${provider} provider does not tag resources with ${tagKey}: the cleanup could not tell when it expires`,
        ),
      );
  }
  return out;
}

/** Stores Terraform refuses to destroy while they hold something, unless `force_destroy`: a vault's recovery points, a bucket's objects. */
const STORES_WITH_CONTENT = new Set(['aws_backup_vault', 'aws_s3_bucket', 'google_storage_bucket']);

/** Deletion protection switched on anywhere in a resource (`deletion_protection`, `deletion_protection_enabled`, nested blocks too). */
function protectedPaths(body: unknown, path = ''): string[] {
  if (Array.isArray(body)) return body.flatMap((v, i) => protectedPaths(v, `${path}.${i}`));
  if (!body || typeof body !== 'object') return [];
  return Object.entries(body).flatMap(([k, v]) => {
    const at = path ? `${path}.${k}` : k;
    if (/^deletion_protection(_enabled)?$/.test(k) && v === true) return [at];
    return typeof v === 'object' && !k.startsWith('//') ? protectedPaths(v, at) : [];
  });
}

function expired(env: ResolvedEnvironment): Finding {
  const p = env.preview!;
  return {
    check: 'parity',
    kind: 'preview-expired',
    severity: 'warning',
    env: env.name,
    file: env.file,
    path: 'expires',
    value: p.expires,
    message: `${env.name} expired at ${p.expires}: CI's scheduled job destroys it`,
    fix: `destroy it now (terraform destroy in environments/${previewName(p.id)}/cdktf.out/stacks/${env.name}), then pnpm preview ${p.id} --remove; or make it again to extend it (pnpm preview ${p.id} --from ${p.from})`,
  };
}

function finding(
  env: ResolvedEnvironment,
  kind: 'preview-parity' | 'preview-protected' | 'preview-dr' | 'preview-expiry-tag',
  path: string,
  value: unknown,
  message: string,
  allowed?: string,
): Finding {
  const fix = {
    'preview-parity': `a preview runs what ${env.preview?.from ?? 'its base'} runs: make it again (pnpm preview ${env.preview?.id ?? '<id>'} --from ${env.preview?.from ?? '<base>'}), or add the parameter to mayDiffer if environments really may differ`,
    'preview-protected':
      'leave deletion protection to production and dr environments: the preview tier (tiers.preview, else the staging tier) must not set it',
    'preview-dr': 'a preview copies nothing to another region: remove what the preview inherits that does (a transform, an override)',
    'preview-expiry-tag': 'synthesize it again with pnpm synth: the expiry tag comes from its record',
  }[kind];
  return {
    check: 'parity',
    kind,
    severity: 'error',
    env: env.name,
    file: env.file,
    path,
    ...(value !== undefined ? { value } : {}),
    message,
    ...(allowed ? { allowed } : {}),
    fix,
  };
}
