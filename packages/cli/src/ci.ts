/**
 * `pnpm gen ci`: the fork's GitHub Actions workflows, rendered from templates/ci/*.yml.hbs
 * (files starting with `_` are partials) with handlebars in strict mode from a typed view. The
 * output depends only on the repository (clouds in the fleet, pinned tool versions), never on the
 * machine: the same inputs give the same bytes, and `--check` compares them with what is committed.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import {
  type Cloud,
  PREVIEW_GITHUB_ENVIRONMENT,
  PREVIEW_STATE_ROOT,
  previewIdentity,
  readWorkspaceFile,
  type ResolvedEnvironment,
} from '@parity/model';

/** An action pinned to a commit: the tag's commit, read from the action's repository (tag → `git rev-parse <tag>^{commit}`). */
export interface PinnedAction {
  readonly uses: string;
  readonly version: string;
  readonly sha: string;
}

/** Every action the workflows use. Updating one: take the commit a release tag points at, never a branch. */
export const ACTIONS = {
  checkout: { uses: 'actions/checkout', version: 'v7.0.1', sha: '3d3c42e5aac5ba805825da76410c181273ba90b1' },
  setupNode: { uses: 'actions/setup-node', version: 'v7.0.0', sha: '820762786026740c76f36085b0efc47a31fe5020' },
  uploadArtifact: { uses: 'actions/upload-artifact', version: 'v7.0.0', sha: 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f' },
  downloadArtifact: { uses: 'actions/download-artifact', version: 'v8.0.1', sha: '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c' },
  setupTerraform: { uses: 'hashicorp/setup-terraform', version: 'v4.0.1', sha: 'dfe3c3f87815947d99a8997f908cb6525fc44e9e' },
  awsCredentials: { uses: 'aws-actions/configure-aws-credentials', version: 'v6.2.3', sha: 'e6de054238d6b7531b4efff3b6587d9aade6a06c' },
  gcpAuth: { uses: 'google-github-actions/auth', version: 'v3.0.0', sha: '7c6bc770dae815cd3e89ee6cdf493a5fab2cc093' },
} as const satisfies Record<string, PinnedAction>;

/** A promotion stage of the apply workflow: one job, a matrix of the affected environments of that role. */
export interface Stage {
  readonly id: 'staging' | 'production' | 'dr';
  /** jq condition selecting its rows of `pnpm affected --json`. */
  readonly select: string;
  /** The jobs it waits for (the previous stage: promotion order). */
  readonly needs: string;
  /** What its GitHub Environments must require, for the comment in the workflow. */
  readonly gate: string;
}

export const STAGES: readonly Stage[] = [
  { id: 'staging', select: '.order == 1', needs: 'affected', gate: 'no reviewers needed' },
  { id: 'production', select: '.order == 2', needs: 'affected, apply-staging', gate: 'required reviewers' },
  // a backup & restore dr environment (apply: false) is planned on pull requests, applied only by a failover
  { id: 'dr', select: '.order == 3 and .apply', needs: 'affected, apply-production', gate: 'required reviewers' },
];

/** Everything the templates may use; strict mode refuses any other name. */
export interface CiView {
  readonly header: string;
  readonly mainBranch: string;
  readonly nodeVersion: string;
  readonly pnpmVersion: string;
  readonly terraformVersion: string;
  readonly motoVersion: string;
  readonly clouds: Readonly<Record<Cloud, boolean>>;
  readonly actions: typeof ACTIONS;
  readonly stages: readonly Stage[];
  readonly schedules: { readonly drift: string; readonly drill: string };
  readonly driftLabel: string;
  readonly workflows: { readonly pullRequest: string };
  /** The preview workflow's settings, when the definition has `previews:` (else no parity-preview.yml). */
  readonly previews?: PreviewView;
}

/** What parity-preview.yml needs: the base, the label and lifetime, and where previews keep their state and records. */
export interface PreviewView {
  readonly from: string;
  readonly ttl: string;
  readonly label: string;
  /** The GitHub Environment every preview job runs in (the preview identity trusts nothing else). */
  readonly environment: string;
  readonly aws: boolean;
  readonly gcp: boolean;
  /** The base's region (the AWS credentials' default region). */
  readonly region: string;
  /** AWS: the preview role's name in the account of AWS_ACCOUNT_ID. */
  readonly role: string;
  /** Where every preview's state and record live: `s3://<bucket>/previews` (or `gs://`). */
  readonly store: string;
  /** The cloud's copy and recursive remove commands for that store. */
  readonly copy: string;
  readonly remove: string;
  readonly schedule: string;
}

/** The preview view from the definition's `previews:` and its base environment, resolved. */
export function previewView(
  platform: string,
  settings: { from: string; ttl: string; label: string },
  base: Pick<ResolvedEnvironment, 'cloud' | 'region' | 'state'>,
): PreviewView {
  const aws = base.cloud === 'aws';
  return {
    ...settings,
    environment: PREVIEW_GITHUB_ENVIRONMENT,
    aws,
    gcp: !aws,
    region: base.region,
    role: previewIdentity(platform, 'aws'),
    store: `${aws ? 's3' : 'gs'}://${base.state.bucket}/${PREVIEW_STATE_ROOT}`,
    copy: aws ? 'aws s3 cp --only-show-errors' : 'gcloud storage cp',
    remove: aws ? 'aws s3 rm --recursive --only-show-errors' : 'gcloud storage rm --recursive',
    // hourly: an expired preview goes within the hour
    schedule: '41 * * * *',
  };
}

export const TEMPLATE_DIR = 'templates/ci';
export const WORKFLOW_DIR = '.github/workflows';
const SUFFIX = '.yml.hbs';

/** The workflow file a template writes: templates/ci/pull-request.yml.hbs → .github/workflows/parity-pull-request.yml. */
export function workflowFile(template: string): string {
  return `${WORKFLOW_DIR}/parity-${template.slice(0, -SUFFIX.length)}.yml`;
}

/** The view for a repository: its pnpm version (package.json packageManager) and the clouds its fleet uses. */
export function ciView(opts: { pnpmVersion: string; clouds: ReadonlySet<Cloud>; previews?: PreviewView }): CiView {
  return {
    header: '',
    mainBranch: 'main',
    nodeVersion: '22',
    pnpmVersion: opts.pnpmVersion,
    // the version the project's tests run (real terraform validate, drills); >= 1.10 for S3 lock files
    terraformVersion: '1.11.4',
    motoVersion: '5.2.1',
    clouds: { aws: opts.clouds.has('aws'), gcp: opts.clouds.has('gcp') },
    actions: ACTIONS,
    stages: STAGES,
    schedules: { drift: '17 3 * * *', drill: '23 4 1 * *' },
    driftLabel: 'parity-drift',
    workflows: { pullRequest: workflowFile(`pull-request${SUFFIX}`).slice(WORKFLOW_DIR.length + 1) },
    ...(opts.previews ? { previews: opts.previews } : {}),
  };
}

/** Templates written only when the view asks for them: the preview workflow, when the definition has `previews:`. */
const WRITTEN_WHEN: Readonly<Record<string, (view: CiView) => boolean>> = {
  [`preview${SUFFIX}`]: (view) => view.previews !== undefined,
};

/** Render every workflow: path (relative to the root) → content. */
export function renderWorkflows(root: string, view: CiView): Map<string, string> {
  const dir = join(root, TEMPLATE_DIR);
  const hb = Handlebars.create();
  const files = readdirSync(dir).sort();
  for (const f of files.filter((n) => n.startsWith('_') && n.endsWith('.hbs'))) {
    hb.registerPartial(f.slice(1, -'.hbs'.length), readWorkspaceFile(root, join(dir, f), { kind: 'template' }));
  }
  const out = new Map<string, string>();
  for (const f of files.filter((n) => !n.startsWith('_') && n.endsWith(SUFFIX) && (WRITTEN_WHEN[n]?.(view) ?? true))) {
    const template = hb.compile(readWorkspaceFile(root, join(dir, f), { kind: 'template' }), { strict: true, noEscape: true });
    const header = `# Generated by \`pnpm gen ci\` from ${TEMPLATE_DIR}/${f}: edit the template, then run it again.\n# \`pnpm gen ci --check\` fails while this file is stale.`;
    out.set(workflowFile(f), template({ ...view, header }));
  }
  return out;
}
