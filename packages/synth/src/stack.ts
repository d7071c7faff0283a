/**
 * The one synth module: the only place outside the bundles (and their shared key constructs,
 * @parity/constructs) that imports the CDK core, cdktn (CDK Terrain). It turns a
 * resolved environment into a Terraform stack: provider, remote state backend, every bundle in
 * dependency order with its connections wired, and each export as a Terraform output.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider/index.js';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { GcsBackend, S3Backend, TerraformElement, TerraformOutput, TerraformStack, type TerraformProvider } from 'cdktn';
import { Construct } from 'constructs';
import {
  expiryLabel,
  issue,
  namer,
  ParityError,
  PREVIEW_EXPIRY_TAG,
  type DeployContext,
  type Exports,
  type ResolvedBundle,
  type ResolvedEnvironment,
} from '@parity/model';

/** What a bundle's `./aws` or `./gcp` module exports. */
export type DeployFn = (scope: Construct, ctx: DeployContext<never, never>) => Exports;

/** Implementations by bundle name, for one cloud. */
export type Implementations = ReadonlyMap<string, DeployFn>;

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();

/** Tags on every AWS resource (provider default_tags); a preview's carry its expiry. */
export function awsTags(env: ResolvedEnvironment): Record<string, string> {
  return {
    'parity:platform': env.platform,
    'parity:environment': env.name,
    'parity:role': env.role,
    'parity:tier': env.tier,
    ...(env.preview ? { [PREVIEW_EXPIRY_TAG.aws]: env.preview.expires } : {}),
    'managed-by': 'parity',
  };
}

/** Labels on every GCP resource (provider default_labels; keys allow no colon, values no colon nor capital). */
export function gcpLabels(env: ResolvedEnvironment): Record<string, string> {
  return {
    'parity-platform': env.platform,
    'parity-environment': env.name,
    'parity-role': env.role,
    'parity-tier': env.tier,
    ...(env.preview ? { [PREVIEW_EXPIRY_TAG.gcp]: expiryLabel(env.preview.expires) } : {}),
    'managed-by': 'parity',
  };
}

export class EnvironmentStack extends TerraformStack {
  readonly env: ResolvedEnvironment;
  readonly bundleExports: Record<string, Exports> = {};

  constructor(scope: Construct, env: ResolvedEnvironment, impls: Implementations) {
    super(scope, env.name);
    this.env = env;
    const tags = env.cloud === 'aws' ? awsTags(env) : gcpLabels(env);
    const providers = new Map<string, TerraformProvider>();
    const makeProvider = (region: string, alias?: string): TerraformProvider => {
      const id = alias ? `${env.cloud}_${alias}` : env.cloud;
      if (env.cloud === 'aws') return new AwsProvider(this, id, { region, ...(alias ? { alias } : {}), defaultTags: [{ tags }] });
      const google = new GoogleProvider(this, id, { project: env.gcpProject, region, ...(alias ? { alias } : {}) });
      // Set raw: the binding would snake-case the label keys (parity-environment → parity_environment).
      google.addOverride('default_labels', tags);
      return google;
    };
    providers.set(env.region, makeProvider(env.region));
    const providerFor = (region: string): TerraformProvider => {
      let p = providers.get(region);
      if (!p) {
        p = makeProvider(region, region.replaceAll('-', '_'));
        providers.set(region, p);
      }
      return p;
    };

    const s = env.state;
    if (s.backend === 's3') {
      const backend = new S3Backend(this, {
        bucket: s.bucket,
        key: s.key,
        region: s.region,
        encrypt: true,
        ...(s.lockTable ? { dynamodbTable: s.lockTable } : {}),
      });
      // S3-native locking (Terraform >= 1.10). cdktf 0.21's S3Backend predated the argument; cdktn's
      // has `useLockfile`, but the override keeps every applied environment's JSON (its metadata) as it was.
      if (!s.lockTable) backend.addOverride('use_lockfile', true);
    } else {
      new GcsBackend(this, { bucket: s.bucket, prefix: s.prefix });
    }

    const name = namer(env.platform, env.name);
    for (const bundle of env.bundles) {
      const deploy = impls.get(bundle.name);
      if (!deploy) throw new Error(`${env.name}: no ${env.cloud} implementation loaded for bundle ${bundle.name}`);
      const inputs: Record<string, Exports> = {};
      for (const c of bundle.connects) if (this.bundleExports[c]) inputs[c] = this.bundleExports[c]!;
      const ctx: DeployContext<unknown, TerraformProvider> = { env, bundle, params: bundle.params, inputs, name, tags, providerFor };
      const bundleScope = new Construct(this, bundle.name);
      const exported = deploy(bundleScope, ctx as DeployContext<never, never>);
      applyTransforms(bundleScope, bundle);
      this.bundleExports[bundle.name] = exported;
      for (const [key, value] of Object.entries(exported)) {
        new TerraformOutput(this, `${bundle.name}_${snake(key)}`, { value, description: `${bundle.name}: ${key}` });
      }
    }
  }
}

/** Terraform elements under a scope, by construct path relative to it (`instance`, `orders/topic`). */
function elementsUnder(scope: Construct): Map<string, TerraformElement> {
  const out = new Map<string, TerraformElement>();
  const prefix = scope.node.path.length + 1;
  for (const c of scope.node.findAll()) if (c instanceof TerraformElement) out.set(c.node.path.slice(prefix), c);
  return out;
}

/**
 * A bundle's transforms (the escape hatch), applied with cdktn's `addOverride` once the bundle has
 * built its resources, so the synthesized JSON (and every policy rule reading it) has them. A
 * transform naming a resource the bundle does not have fails with the file and field it came from.
 */
export function applyTransforms(scope: Construct, bundle: ResolvedBundle): void {
  if (!bundle.transforms?.length) return;
  const elements = elementsUnder(scope);
  const problems = bundle.transforms.flatMap((t) => {
    const target = elements.get(t.resource);
    if (target) {
      target.addOverride(t.attribute, t.value);
      return [];
    }
    const path = t.path.replace(/\.set\..*$/, '.resource');
    return [
      issue({
        kind: 'transform',
        file: t.file,
        path,
        line: t.line,
        value: t.resource,
        message: `bundle ${bundle.name} has no resource "${t.resource}" to transform`,
        allowed: [...elements.keys()].sort().join(', '),
        fix: "name one of the bundle's resources by its construct ID (pnpm check shows them after the bundle name)",
      }),
    ];
  });
  if (problems.length)
    throw new ParityError(problems, `${problems.length} transform${problems.length === 1 ? '' : 's'} could not be applied`);
}
