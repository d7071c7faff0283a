import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { isPreview, loadWorkspace, resolveEnvironments } from '@parity/model';
import { REPO_ROOT } from '@parity/model/testing';
import { BIN, fleetEnvironmentsAsync, fleetWorkspace, git, parity, STAMP_TIMEOUT } from '@parity/testkit';
import { ACTIONS, ciView, previewView, renderWorkflows } from './ci.js';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

// The workflow linter from the npm registry: action-validator (Rust, compiled to WebAssembly)
// against SchemaStore's workflow schema, offline.
const LINTER = join(dirname(createRequire(import.meta.url).resolve('@action-validator/cli/package.json')), 'cli.mjs');

interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  strategy?: { matrix: string };
  outputs?: Record<string, string>;
  steps: Array<{
    id?: string;
    name?: string;
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    if?: string;
    env?: Record<string, string>;
  }>;
}
interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  jobs: Record<string, Job>;
}

const committed = (file: string) => readFileSync(join(REPO_ROOT, file), 'utf8');
/** Previews from an AWS staging environment, as a definition with `previews: { from: staging }` gives them. */
const PREVIEWS = previewView(
  'acme',
  { from: 'staging', ttl: '72h', label: 'preview' },
  {
    cloud: 'aws',
    region: 'us-east-1',
    state: { backend: 's3', bucket: 'acme-tfstate-us-east-1', key: 'staging/terraform.tfstate', region: 'us-east-1' },
  },
);
const workflows = renderWorkflows(REPO_ROOT, ciView({ pnpmVersion: '10.34.9', clouds: new Set(['aws', 'gcp']), previews: PREVIEWS }));
const wf = (name: string) => parse(workflows.get(`.github/workflows/parity-${name}.yml`)!) as Workflow;
const script = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const lint = (file: string) => spawnSync(process.execPath, [LINTER, file], { encoding: 'utf8' });

describe('pnpm gen ci', () => {
  it("renders the committed workflows of the repository's fleet byte for byte (pnpm gen ci --check)", async () => {
    expect([...workflows.keys()].sort()).toEqual([
      '.github/workflows/parity-drift.yml',
      '.github/workflows/parity-drill.yml',
      '.github/workflows/parity-main.yml',
      '.github/workflows/parity-preview.yml',
      '.github/workflows/parity-pull-request.yml',
    ]);
    // the clouds the repository's own fleet runs on (a fork's may be one), and its previews if it has them
    const ws = await loadWorkspace(REPO_ROOT);
    const fleet = resolveEnvironments(ws).envs.filter((e) => !isPreview(e));
    const clouds = new Set(fleet.map((e) => e.cloud));
    const settings = ws.definition.data.previews;
    const base = fleet.find((e) => e.name === settings?.from);
    const previews = settings && base ? previewView(ws.definition.data.platform, settings, base) : undefined;
    const own = renderWorkflows(REPO_ROOT, ciView({ pnpmVersion: '10.34.9', clouds, ...(previews ? { previews } : {}) }));
    expect([...own.keys()]).toEqual([...workflows.keys()]);
    for (const [file, content] of own) expect(committed(file), file).toBe(content);
    const r = spawnSync(process.execPath, [BIN, 'gen', 'ci', '--check'], {
      cwd: REPO_ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`${own.size} workflows up to date`));
  });

  it('passes the workflow linter, which fails on a broken workflow', () => {
    for (const file of workflows.keys()) {
      const r = lint(join(REPO_ROOT, file));
      expect(r.status, `${file}: ${r.stderr}`).toBe(0);
    }
    const dir = mkdtempSync(join(tmpdir(), 'parity-ci-'));
    try {
      const broken = join(dir, 'broken.yml');
      writeFileSync(
        broken,
        workflows.get('.github/workflows/parity-main.yml')!.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest'),
      );
      const r = lint(broken);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/runs_on/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asks for the least permissions: none by default, each job its own; OIDC only where a cloud is reached; no stored secret', () => {
    for (const [file, text] of workflows) {
      const w = parse(text) as Workflow;
      expect(w.permissions, file).toEqual({});
      for (const [id, job] of Object.entries(w.jobs)) {
        expect(job.permissions, `${file} ${id}`).toBeDefined();
        const reachesCloud = job.steps.some((s) => s.uses?.startsWith('aws-actions/') || s.uses?.startsWith('google-github-actions/'));
        expect(job.permissions!['id-token'] === 'write', `${file} ${id}`).toBe(reachesCloud);
        const writes = Object.entries(job.permissions!)
          .filter(([, v]) => v === 'write')
          .map(([k]) => k)
          .sort();
        expect(writes, `${file} ${id}`).toEqual(
          (
            {
              plan: ['id-token'],
              'apply-staging': ['id-token'],
              'apply-production': ['id-token'],
              'apply-dr': ['id-token'],
              comment: ['pull-requests'],
              drift: ['id-token', 'issues'],
              propose: ['contents', 'pull-requests'],
              preview: ['id-token'],
              destroy: ['id-token'],
              expired: ['id-token'],
              'destroy-expired': ['id-token'],
            } as Record<string, string[]>
          )[id] ?? [],
        );
      }
      expect(text, file).not.toMatch(/secrets\./);
      expect(text, file).not.toMatch(/aws-access-key-id|credentials_json/);
    }
  });

  it('pins every action to a commit of a release tag', () => {
    const pinned = new Set(Object.values(ACTIONS).map((a) => `${a.uses}@${a.sha}`));
    for (const [file, text] of workflows) {
      for (const job of Object.values((parse(text) as Workflow).jobs)) {
        for (const s of job.steps.filter((x) => x.uses)) {
          expect(s.uses, file).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
          expect(pinned.has(s.uses!), `${file}: ${s.uses}`).toBe(true);
        }
      }
      for (const a of Object.values(ACTIONS)) if (text.includes(a.sha)) expect(text).toContain(`${a.uses}@${a.sha} # ${a.version}`);
    }
  });

  it('uploads pnpm report on every pull request and links it from the sticky comment', () => {
    const w = wf('pull-request');
    const check = w.jobs.check!;
    expect(script(check)).toMatch(/pnpm --silent report --out "\$RUNNER_TEMP\/report"/);
    const upload = check.steps.find((s) => s.id === 'report-artifact')!;
    expect(upload.uses).toMatch(/^actions\/upload-artifact@[0-9a-f]{40}$/);
    expect(upload.with).toMatchObject({
      name: 'parity-report-${{ github.event.pull_request.head.sha }}',
      path: '${{ runner.temp }}/report/index.html',
      'if-no-files-found': 'error',
    });
    expect(check.outputs).toEqual({ 'report-url': '${{ steps.report-artifact.outputs.artifact-url }}' });
    const comment = w.jobs.comment!.steps.find((s) => s.run?.includes('marker='))!;
    expect(comment.env!.REPORT).toBe('${{ needs.check.outputs.report-url }}');
    expect(comment.run).toMatch(/\[Fleet report\]\(\$REPORT\)/);
  });

  it('plans every affected environment on a pull request with its plan role, saved by environment and commit, in one sticky comment', () => {
    const w = wf('pull-request');
    expect(Object.keys(w.on)).toEqual(['pull_request']);
    const install = w.jobs.check!.steps.find((s) => s.run?.includes('pnpm install'));
    expect(install?.run).toMatch(/pnpm install --frozen-lockfile/);
    expect(script(w.jobs.check!)).toMatch(/pnpm --silent check --markdown/);
    expect(script(w.jobs.affected!)).toMatch(/pnpm --silent affected --base "\$BASE" --json/);
    const plan = w.jobs.plan!;
    expect(plan.needs).toBe('affected');
    expect(plan.strategy!.matrix).toBe('${{ fromJSON(needs.affected.outputs.matrix) }}');
    expect(plan.steps.find((s) => s.uses?.startsWith('aws-actions/'))!.with!['role-to-assume']).toBe(
      'arn:aws:iam::${{ vars.AWS_ACCOUNT_ID }}:role/${{ matrix.planRole }}',
    );
    expect(plan.steps.find((s) => s.uses?.startsWith('google-github-actions/'))!.with!.service_account).toBe('${{ matrix.planRole }}');
    expect(script(plan)).toMatch(/terraform plan -input=false -no-color -lock=false -out=/);
    expect(plan.steps.find((s) => s.name?.startsWith('save the plan'))!.with!.name).toBe(
      'plan-${{ matrix.env }}-${{ github.event.pull_request.head.sha }}',
    );
    const comment = w.jobs.comment!;
    expect(comment.needs).toEqual(['check', 'affected', 'plan']);
    expect(comment.concurrency).toEqual({ group: 'parity-comment-${{ github.event.pull_request.number }}', 'cancel-in-progress': false });
    expect(script(comment)).toMatch(/--method PATCH "repos\/\$REPO\/issues\/comments\/\$id"/);
    expect(script(comment)).toMatch(/\| environment \| add \| change \| destroy \|/);
  });

  it('applies on main in promotion order, production and dr behind their GitHub Environments, one concurrency group per environment', () => {
    const w = wf('main');
    expect(w.on).toEqual({ push: { branches: ['main'] } });
    expect(Object.keys(w.jobs)).toEqual(['affected', 'apply-staging', 'apply-production', 'apply-dr']);
    expect(w.jobs['apply-staging']!.needs).toEqual(['affected']);
    expect(w.jobs['apply-production']!.needs).toEqual(['affected', 'apply-staging']);
    expect(w.jobs['apply-dr']!.needs).toEqual(['affected', 'apply-production']);
    for (const stage of ['staging', 'production', 'dr']) {
      const job = w.jobs[`apply-${stage}`]!;
      expect(job.environment).toBe('${{ matrix.env }}');
      expect(job.concurrency).toEqual({ group: 'parity-${{ matrix.env }}', 'cancel-in-progress': false });
      expect(job.if).toBe(`\${{ !cancelled() && !failure() && needs.affected.outputs.${stage} != '' }}`);
      expect(job.steps.find((s) => s.uses?.startsWith('aws-actions/'))!.with!['role-to-assume']).toMatch(
        /role\/\$\{\{ matrix\.applyRole \}\}$/,
      );
      expect(script(job)).toMatch(/terraform apply -input=false -no-color "\$plan\/plan\.tfplan"/);
      expect(script(job)).not.toMatch(/terraform plan/);
    }
  });

  it("splits a real pnpm affected matrix into stages with the workflow's own jq, leaving a backup & restore dr environment unapplied", async () => {
    // the tests' fleet (@parity/testkit): three production environments, dr environments of every strategy
    // in a git repository of its own, as pnpm affected needs
    const { root, cleanup } = fleetWorkspace();
    writeFileSync(join(root, '.gitignore'), 'node_modules/\ncdktf.out/\n');
    for (const args of [
      ['init', '-q'],
      ['add', '-A'],
      ['commit', '-qm', 'fleet'],
    ])
      git(root, ...args);
    const all = await parity(root, 'affected', '--all', '--json');
    cleanup();
    expect(all.status, all.stderr).toBe(0);
    const matrix = all.stdout;
    const run = wf('main').jobs.affected!.steps.find((s) => s.name?.startsWith('environments'))!.run!;
    const stage = run.split('\n').find((l) => l.startsWith('stage()'))!;
    const lines = run.split('\n').filter((l) => l.includes('=$(stage '));
    const dir = mkdtempSync(join(tmpdir(), 'parity-ci-'));
    try {
      const out = join(dir, 'out');
      writeFileSync(out, '');
      execFileSync('bash', ['-euo', 'pipefail', '-c', [`matrix='${matrix.trim()}'`, stage, ...lines].join('\n')], {
        env: { ...process.env, GITHUB_OUTPUT: out },
      });
      const stages = Object.fromEntries(
        readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
      const envs = (s: string) => (s ? (JSON.parse(s) as { include: Array<{ env: string }> }).include.map((r) => r.env) : []);
      expect(envs(stages.staging!)).toEqual(['staging']);
      expect(envs(stages.production!)).toEqual(['prod-euw1', 'prod-gcp-euw1', 'prod-use1']);
      // the example fleet's dr environments are backup & restore (DESIGN-dr: until the dr policies land)
      const drRows = (JSON.parse(matrix) as { include: Array<{ role: string; apply: boolean; env: string }> }).include.filter(
        (r) => r.role === 'dr',
      );
      expect(envs(stages.dr!)).toEqual(drRows.filter((r) => r.apply).map((r) => r.env));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checks drift nightly per environment and keeps one issue per drifted environment; drills AWS dr environments monthly into a pull request', () => {
    const drift = wf('drift');
    expect(Object.keys(drift.on)).toEqual(['schedule', 'workflow_dispatch']);
    expect(script(drift.jobs.drift!)).toMatch(/terraform plan -input=false -no-color -lock=false -detailed-exitcode/);
    expect(script(drift.jobs.drift!)).toMatch(/select\(\.title == \\"\$title\\"\)/);
    expect(script(drift.jobs.check!)).toMatch(/^pnpm check$/m);
    expect(drift.jobs.drift!.concurrency!.group).toBe('parity-${{ matrix.env }}');
    const drill = wf('drill');
    expect((drill.on.schedule as Array<{ cron: string }>)[0]!.cron).toMatch(/^\d+ \d+ 1 \* \*$/);
    expect(script(drill.jobs.environments!)).toMatch(/select\(\.cloud == "aws" and \.role == "dr"\)/);
    expect(script(drill.jobs.drill!)).toMatch(/pnpm drill "\$ENV"/);
    expect(script(drill.jobs.propose!)).toMatch(/gh pr create/);
  });

  it("makes a labelled pull request's preview in the GitHub Environment preview with the preview role, recorded before it is applied", () => {
    const w = wf('preview');
    expect(w.on).toEqual({
      pull_request: { branches: ['main'], types: ['opened', 'reopened', 'synchronize', 'labeled', 'closed'] },
      schedule: [{ cron: '41 * * * *' }],
      workflow_dispatch: {},
    });
    expect(Object.keys(w.jobs)).toEqual(['preview', 'destroy', 'expired', 'destroy-expired', 'comment']);
    const job = w.jobs.preview!;
    expect(job.if).toMatch(/github\.event\.action != 'closed'/);
    expect(job.if).toMatch(/contains\(github\.event\.pull_request\.labels\.\*\.name, 'preview'\)/);
    expect(job.if).toMatch(/github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
    for (const id of ['preview', 'destroy', 'expired', 'destroy-expired']) {
      expect(w.jobs[id]!.environment, id).toBe('preview');
      expect(w.jobs[id]!.steps.find((s) => s.uses?.startsWith('aws-actions/'))!.with!['role-to-assume'], id).toBe(
        'arn:aws:iam::${{ vars.AWS_ACCOUNT_ID }}:role/acme-previews-ci-apply',
      );
    }
    expect(job.concurrency).toEqual({ group: 'parity-preview-pr-${{ github.event.pull_request.number }}', 'cancel-in-progress': false });
    const steps = script(job);
    expect(steps).toMatch(/pnpm preview "\$ID" --from staging --ttl 72h\npnpm synth "preview-\$ID"/);
    // recorded beside its state before anything is made: a failed apply is still found and destroyed
    const order = [
      'pnpm preview',
      'preview-$ID/preview.yaml" "s3://acme-tfstate-us-east-1/previews/preview-$ID/preview.yaml"',
      'terraform plan',
      'terraform apply',
    ];
    const at = order.map((o) => steps.indexOf(o));
    expect(
      at.every((i) => i >= 0),
      String(at),
    ).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(steps).toMatch(/terraform apply -input=false -no-color "\$RUNNER_TEMP\/preview\.tfplan"/);
  });

  it('destroys the preview when the pull request closes, and the expired ones every hour, each found by its record', () => {
    const w = wf('preview');
    const destroy = w.jobs.destroy!;
    expect(destroy.if).toMatch(/github\.event\.action == 'closed'/);
    expect(destroy.steps[0]!.with).toMatchObject({ ref: 'main' });
    expect(script(destroy)).toMatch(/aws s3 cp --only-show-errors "s3:\/\/acme-tfstate-us-east-1\/previews\/preview-\$ID\/preview\.yaml"/);
    expect(script(destroy)).toMatch(
      /terraform destroy -auto-approve -input=false -no-color\naws s3 rm --recursive --only-show-errors "s3:\/\/acme-tfstate-us-east-1\/previews\/preview-\$ID\/"/,
    );
    expect(w.jobs.expired!.if).toBe("github.event_name != 'pull_request'");
    expect(script(w.jobs.expired!)).toMatch(
      /aws s3 cp "s3:\/\/acme-tfstate-us-east-1\/previews\/" environments\/ --recursive --exclude '\*' --include '\*\/preview\.yaml'/,
    );
    expect(script(w.jobs.expired!)).toMatch(/matrix="\$\(pnpm --silent preview --list --expired --json\)"/);
    const expired = w.jobs['destroy-expired']!;
    expect(expired.strategy!.matrix).toBe('${{ fromJSON(needs.expired.outputs.matrix) }}');
    expect(expired.concurrency!.group).toBe('parity-preview-${{ matrix.id }}');
    expect(script(expired)).toBe(script(destroy));
  });

  it("posts the preview's outputs in one sticky comment, Terraform's sensitive ones left out and every value escaped", () => {
    const w = wf('preview');
    const apply = w.jobs.preview!.steps.find((s) => s.run?.includes('terraform output -json'))!.run!;
    const outputs = /terraform output -json \| (jq -c '[^']+')/.exec(apply)![1]!;
    const comment = w.jobs.comment!;
    expect(comment.needs).toEqual(['preview', 'destroy']);
    const body = comment.steps.find((s) => s.run?.includes('marker='))!.run!;
    expect(body).toMatch(/marker='<!-- parity:preview -->'/);
    expect(body).toMatch(/--method PATCH "repos\/\$REPO\/issues\/comments\/\$id"/);
    const rows = /(jq -r '[^']+') preview\/outputs\.json/.exec(body)![1]!;
    const dir = mkdtempSync(join(tmpdir(), 'parity-ci-'));
    try {
      const tf = {
        database_endpoint: { sensitive: false, type: 'string', value: 'acme-preview-pr-7-db.x.us-east-1.rds.amazonaws.com' },
        database_secret_arn: { sensitive: true, type: 'string', value: 'arn:aws:secretsmanager:us-east-1:1:secret:x' },
        queue_names: { sensitive: false, type: ['list', 'string'], value: ['a|b', 'c`d'] },
      };
      writeFileSync(join(dir, 'tf.json'), JSON.stringify(tf));
      const kept = execFileSync('bash', ['-c', `${outputs} < tf.json > outputs.json && ${rows} outputs.json`], {
        cwd: dir,
        encoding: 'utf8',
      });
      expect(kept).toBe(
        ['| `database_endpoint` | `acme-preview-pr-7-db.x.us-east-1.rds.amazonaws.com` |', '| `queue_names` | `["a b","c d"]` |', ''].join(
          '\n',
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes no preview workflow for a definition without previews:', () => {
    const none = renderWorkflows(REPO_ROOT, ciView({ pnpmVersion: '10.34.9', clouds: new Set(['aws']) }));
    expect([...none.keys()]).not.toContain('.github/workflows/parity-preview.yml');
    expect(none.size).toBe(workflows.size - 1);
    const gcp = renderWorkflows(
      REPO_ROOT,
      ciView({
        pnpmVersion: '10.34.9',
        clouds: new Set(['gcp']),
        previews: previewView(
          'acme',
          { from: 'staging-gcp', ttl: '2d', label: 'preview' },
          {
            cloud: 'gcp',
            region: 'us-central1',
            state: { backend: 'gcs', bucket: 'acme-tfstate-us-central1', prefix: 'staging-gcp', region: 'us-central1' },
          },
        ),
      }),
    ).get('.github/workflows/parity-preview.yml')!;
    expect(gcp).toMatch(/service_account: \$\{\{ vars\.GCP_PREVIEW_SERVICE_ACCOUNT \}\}/);
    expect(gcp).toMatch(
      /gcloud storage cp "environments\/preview-\$ID\/preview\.yaml" "gs:\/\/acme-tfstate-us-central1\/previews\/preview-\$ID\/preview\.yaml"/,
    );
    expect(gcp).not.toMatch(/aws-actions|aws s3/);
  });

  it('leaves out the GCP steps for a fleet without GCP', () => {
    const aws = renderWorkflows(REPO_ROOT, ciView({ pnpmVersion: '10.34.9', clouds: new Set(['aws']) }));
    expect(aws.get('.github/workflows/parity-pull-request.yml')).not.toMatch(/google-github-actions/);
    expect(aws.get('.github/workflows/parity-pull-request.yml')).toMatch(/aws-actions/);
  });

  describe('in a copy of the workspace', () => {
    let root: string;
    let cleanup: () => void;
    beforeAll(() => {
      ({ root, cleanup } = fleetWorkspace());
    });
    afterAll(() => cleanup());
    const gen = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'gen', 'ci', ...args], {
        env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1' },
        encoding: 'utf8',
      });

    it('fails --check while the workflows are missing or stale, and writes them', () => {
      const missing = gen('--check');
      expect(missing.status).toBe(1);
      expect(missing.stderr).toMatch(/workflows are stale/);
      expect(missing.stderr).toMatch(
        /error: \.github\/workflows\/parity-main\.yml: the committed workflow differs .*\n +fix: +run pnpm gen ci and commit the result/,
      );
      expect(gen().status).toBe(0);
      expect(gen('--check').status).toBe(0);
      const file = join(root, '.github/workflows/parity-main.yml');
      writeFileSync(file, `${readFileSync(file, 'utf8')}# edited by hand\n`);
      expect(gen('--check').stderr).toMatch(/error: \.github\/workflows\/parity-main\.yml: the committed workflow differs/);
      // a workflow no template makes (a template removed) is stale too, and removed on writing
      writeFileSync(join(root, '.github/workflows/parity-old.yml'), 'name: old\n');
      expect(gen('--check').stderr).toMatch(/error: \.github\/workflows\/parity-old\.yml: no template makes this workflow/);
      expect(gen().stdout).toMatch(/removed \.github\/workflows\/parity-old\.yml/);
      expect(existsSync(join(root, '.github/workflows/parity-old.yml'))).toBe(false);
      expect(gen('--check').status).toBe(0);
    });
  });
});
