import { Command, InvalidArgumentError, Option } from 'commander';
import { NAME_GRAMMAR } from '@parity/model';
import { MIN_ENVS_PER_WORKER } from '@parity/synth/parallel';
import { debugRequested, reportFatal } from './report.js';

// Each command's module is imported when that command runs: `pnpm synth` never loads the
// drill's AWS SDK clients, the registry's Verdaccio or the generator's templates (`pnpm bench`).

function port(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new InvalidArgumentError('must be a port number, 1-65535');
  return n;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

export function program(): Command {
  const cli = new Command('parity')
    .description('Describe a platform once; stamp out environments at proven parity.')
    .option('--debug', 'print the stack trace of an unexpected error (or set PARITY_DEBUG=1)')
    .showHelpAfterError()
    .exitOverride();
  genCommands(cli);
  initCommand(cli);
  terraformCommands(cli);
  inspectCommands(cli);
  previewCommands(cli);
  releaseCommands(cli);
  drillCommands(cli);
  schemaCommands(cli);
  return cli;
}

/** `gen env`, `gen ci`: files stamped from templates. */
function genCommands(cli: Command): void {
  const gen = cli.command('gen').description('generate things from templates');
  gen
    .command('env')
    .description(`stamp out environments/<name> from templates/env/*.hbs\n\nname: ${NAME_GRAMMAR}`)
    .argument('<name>', 'environment name; role, cloud and region are read from it')
    .addOption(new Option('--cloud <cloud>', 'cloud, overriding the name').choices(['aws', 'gcp']))
    .option('--region <region>', 'region code, overriding the name (e.g. europe-west1)')
    .option('--recovers <env>', 'dr only: the production environment it recovers')
    .option('--tier <tier>', 'tier, overriding the role default')
    .option('--dr-policy <policy>', "production only: the DR policy (dr.policies), when not the tier's or dr.defaultPolicy")
    .option('--force', 'stamp an existing environment again', false)
    .option(
      '--refresh',
      "restamp what the model gives into an existing environment (README, the manifest's comments, a runbook), keeping its manifest's values",
    )
    .action(async (name: string, flags) => (await import('./commands/gen.js')).genEnv(name, flags));
  gen
    .command('bundle')
    .description('a new bundle from templates/bundle/*.hbs, in the definition, the root package.json and docs/bundles.md, ready to test')
    .argument('<name>', 'bundle name: lower-case letters and digits, starting with a letter')
    .option('--clouds <list>', 'clouds to implement (comma-separated)', 'aws,gcp')
    .option('--stateful', 'it holds data: the first resource is a store replicated to the DR region', false)
    .option('--connects <bundles>', 'bundles of the definition it needs (comma-separated)')
    .option('--no-install', 'only write the files (no pnpm install, schemas or snapshots)')
    .action(async (name: string, flags) => (await import('./commands/gen-bundle.js')).genBundle(name, flags));

  gen
    .command('ci')
    .description(
      'write .github/workflows/parity-*.yml from templates/ci/*.yml.hbs (plan on pull requests, apply in promotion order, drift, drills)',
    )
    .option('--check', 'fail if a committed workflow is stale instead of writing', false)
    .action(async (flags) => (await import('./commands/ci.js')).genCi(flags));

  gen
    .command('runbook')
    .description('write environments/<dr-env>/RUNBOOK.md, the failover procedure of each DR pair, from the model')
    .argument('[dr-env...]', 'DR environments (default: all)')
    .option('--check', 'fail if a committed runbook is stale instead of writing', false)
    .action(async (names: string[], flags) => {
      await (await import('./commands/runbook.js')).genRunbooks(names, flags);
    });
}

/** init: make the template a team's own. */
function initCommand(cli: Command): void {
  cli
    .command('init')
    .description('make the template your own: platform name, npm scope, registry, first fleet (asks for what is missing at a terminal)')
    .option('--platform <name>', 'platform name: starts every resource name and the state bucket pattern')
    .option('--scope <@org>', 'npm scope of every package')
    .option('--registry <url>', 'registry the scope publishes to (default: the one .npmrc names)')
    .addOption(new Option('--cloud <cloud>', 'default cloud').choices(['aws', 'gcp']))
    .option('--regions <list>', 'first fleet: staging, production per region, a dr environment per production (comma-separated)')
    .addOption(new Option('--examples <choice>', 'the example fleet').choices(['keep', 'drop']))
    .option('--no-install', 'skip pnpm install after rewriting')
    .option('--force', 'rename a workspace that was adopted already (every resource name changes)', false)
    .action(async (flags) => (await import('./commands/init.js')).init(flags));
}

/** synth, validate: the fleet's Terraform, and whether the real provider accepts it. */
function terraformCommands(cli: Command): void {
  cli
    .command('synth')
    .description('synthesize environments to environments/<name>/cdktf.out (all when none named); unchanged ones are skipped')
    .argument('[env...]', 'environments')
    .option('--force', 'synthesize even if nothing changed', false)
    .option(
      '--bootstrap',
      'instead: the bootstrap stack of each cloud (state buckets, GitHub OIDC, plan and apply roles) into bootstrap/<cloud>/',
      false,
    )
    .option(
      '--jobs <n>',
      `worker threads (default: one per core, once there are ${MIN_ENVS_PER_WORKER} environments to synthesize per thread)`,
      positiveInt,
    )
    .action(async (envs: string[], flags) => {
      const cmd = await import('./commands/synth.js');
      if (flags.bootstrap) await cmd.synthBootstrapCommand(envs);
      else await cmd.synth(envs, flags);
    });

  cli
    .command('validate')
    .description('synthesize, then terraform init + validate every AWS environment with the real provider')
    .argument('[env...]', 'environments')
    .option('--plugin-dir <dir>', 'provider mirror (default: $PARITY_TF_PLUGIN_DIR, then the usual places)')
    .option(
      '--jobs <n>',
      'terraform processes at once, each validating up to 50 environments with one provider process (~0.5 GiB each)',
      positiveInt,
      1,
    )
    .action(async (envs: string[], flags) => {
      await (await import('./commands/validate.js')).validate(envs, flags);
    });
}

/** affected, check, report: what a change touches, whether the fleet holds, the fleet on one page. */
function inspectCommands(cli: Command): void {
  cli
    .command('affected')
    .description('the environments whose Terraform changes between two git refs, with the reason (nothing is synthesized); exit 0')
    .option('--base <ref>', 'the ref to compare with (e.g. origin/main, HEAD~1)')
    .option('--all', 'every environment instead (nightly drift, monthly drills)', false)
    .option('--head <ref>', 'the ref to compare', 'HEAD')
    .option(
      '--json',
      'a GitHub Actions matrix: {"include":[{env,cloud,region,role,order,apply,planRole,applyRole}]}, in promotion order',
      false,
    )
    .action(async (flags) => (await import('./commands/affected.js')).affected(flags));

  cli
    .command('check')
    .description('parity matrix, region availability, data residency and DR readiness of the fleet; exit 1 on any violation')
    .argument('[env...]', 'environments (default: all)')
    .option('--json', 'machine-readable report', false)
    .option('--markdown', 'markdown, for a pull-request comment', false)
    .option('--dr', 'only the DR readiness report', false)
    .action(async (envs: string[], flags) => {
      await (await import('./commands/check.js')).check(envs, flags);
    });

  cli
    .command('report')
    .description('write the fleet as one self-contained HTML page: region map, parity matrix, DR pairs and drills, findings')
    .argument('[env...]', 'environments (default: all)')
    .option('--out <dir>', 'folder for index.html (default: .parity/report)')
    .action(async (envs: string[], flags) => {
      await (await import('./commands/report.js')).report(envs, flags);
    });
}

/** preview: ephemeral environments derived from a base, for pull requests. */
function previewCommands(cli: Command): void {
  cli
    .command('preview')
    .description(
      'an ephemeral environment derived from a base environment (role preview, never committed: environments/preview-<id>/ is gitignored), at parity with its base; --list: the previews and their expiry',
    )
    .argument('[id]', 'the preview id, e.g. pr-1234: it becomes part of every resource name (preview-<id>)')
    .option('--from <env>', "the base: a staging or production environment (default: the definition's previews.from, else staging)")
    .option('--ttl <duration>', "how long it lives, whole hours or days (default: the definition's previews.ttl, else 72h)")
    .addOption(new Option('--cloud <cloud>', 'pick the staging environment of this cloud as the base').choices(['aws', 'gcp']))
    .option('--region <region>', "a region other than the base's")
    .option('--list', 'list the previews with their expiry instead', false)
    .option('--expired', 'with --list: only those past their expiry', false)
    .option('--json', 'with --list: a GitHub Actions matrix, {"include":[{id,env,from,cloud,region,expires,expired,bucket,key}]}', false)
    .option('--remove', 'remove the local record and synth output of the preview (after terraform destroy)', false)
    .action(async (id: string | undefined, flags) => (await import('./commands/preview.js')).preview(id, flags));
}

/** registry, release, promote: publishing bundles and moving environments to their versions. */
function releaseCommands(cli: Command): void {
  cli
    .command('registry')
    .description('run the internal bundle registry (Verdaccio, registry/config.yaml) on loopback until Ctrl-C')
    .option('--port <n>', 'port', port, 4873)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--storage <dir>', 'where packages and users are kept (default: .parity/registry)')
    .action(async (flags) => (await import('./commands/registry.js')).registry(flags));

  cli
    .command('release')
    .description('changeset version, then publish the bundles (and @parity/model) the @parity registry does not have yet')
    .option('--dry-run', 'say what would be versioned and published; change nothing', false)
    .option('--no-version', 'publish only; do not run changeset version')
    .action(async (flags) => (await import('./commands/release.js')).release(flags));

  cli
    .command('promote')
    .description('pin an environment to a published bundle version and show what changes in its Terraform')
    .argument('<bundle[@version]>', 'bundle, optionally with an exact version (default: the newest published)')
    .requiredOption('--to <env>', 'the environment to promote')
    .option('--from <env>', 'take the version this environment runs')
    .option('--allow-major', 'allow a major version change', false)
    .option('--follow', 'remove the pin instead: follow the workspace (only at the workspace version)', false)
    .option('--dry-run', 'show the change; write nothing', false)
    .action(async (target: string, flags) => (await import('./commands/promote.js')).promote(target, flags));
}

/** drill: practising a failover. */
function drillCommands(cli: Command): void {
  cli
    .command('drill')
    .description(
      'practise a regional failover into a dr environment with real Terraform (a local moto server by default) and measure RTO and RPO; exit 1 if it fails',
    )
    .argument('<dr-env>', 'the dr environment to fail over into; the environment it recovers is applied first')
    .option('--endpoint <url>', 'a running AWS emulator (moto) instead of starting one')
    .option('--aws', 'real AWS with the ambient credentials (never the default)', false)
    .option('--keep', 'leave both environments (and the emulator) running afterwards', false)
    .option('--failback', 'after the failover, fail back as pnpm failback does and measure it too', false)
    .option('--plugin-dir <dir>', 'provider mirror (default: $PARITY_TF_PLUGIN_DIR, then the usual places)')
    .option('--by <name>', 'who runs the drill, for the evidence record (default: $PARITY_DRILL_BY, then the git user)')
    .option('--json', 'print the report as JSON on stdout instead of progress', false)
    .action(async (drEnv: string, flags) => {
      await (await import('./commands/drill.js')).drill(drEnv, flags);
    });
}

/** schemas: the JSON Schemas editors check the YAML with. */
function schemaCommands(cli: Command): void {
  cli
    .command('failover')
    .description(
      'fail over into a dr environment for real: find the recovery point in the DR region, write the failover into its manifest, print the Terraform difference and the steps Terraform does not do',
    )
    .argument('<dr-env>', 'the dr environment to fail over into')
    .option('--aws', 'the AWS account of the ambient credentials (an AWS pair)', false)
    .option('--gcp', "the GCP project of Google's Application Default Credentials (a GCP pair)", false)
    .option('--endpoint <url>', 'an AWS emulator (moto), or an endpoint answering as Cloud SQL Admin does (a GCP pair), instead')
    .option('--reason <text>', "why: recorded in the manifest's history comment")
    .option('--by <who>', 'who declared the disaster: recorded in the history comment')
    .option('--yes', 'do not ask before writing (automation)', false)
    .option('--dry-run', 'show the change; write nothing (with --replay: count the messages, send none)', false)
    .option(
      '--replay',
      "after the apply: send the queues' archived messages newer than the consumers' checkpoint into the dr queues",
      false,
    )
    .action(async (drEnv: string, flags) => {
      await (await import('./commands/failover.js')).failover(drEnv, flags);
    });

  cli
    .command('failback')
    .description(
      'after a failover, return to the primary region one step per run: reprotect (the primary becomes the DR of the environment that took over), then a replica pair: promote at a fenced moment (lag 0), complete, restore the original roles; a backup & restore pair: restore from a snapshot taken at a fenced moment, complete (the original roles)',
    )
    .argument('<dr-env>', 'the dr environment that took over')
    .option('--aws', 'the AWS account of the ambient credentials (an AWS pair)', false)
    .option('--gcp', "the GCP project of Google's Application Default Credentials (a GCP pair)", false)
    .option('--endpoint <url>', 'an AWS emulator (moto), or an endpoint answering as Cloud SQL Admin does (a GCP pair), instead')
    .option('--reason <text>', "why now: recorded in the manifest's history comment")
    .option('--by <who>', 'who decided: recorded in the history comment')
    .option(
      '--wait-minutes <n>',
      'how long to wait for the reverse replica (within the RPO, then lag 0) or the reverse backup copy (within the RPO); default 30',
    )
    .option('--yes', 'do not ask before fencing or writing (automation)', false)
    .option('--dry-run', 'show the change; fence and write nothing', false)
    .action(async (drEnv: string, flags) => {
      await (await import('./commands/failback.js')).failback(drEnv, flags);
    });

  cli
    .command('schemas')
    .description('write the JSON Schemas of the definition, the manifest and each bundle')
    .option('--check', 'fail if a committed schema is stale instead of writing', false)
    .action(async (flags) => (await import('./commands/schemas.js')).schemas(flags));
}

/**
 * A reader that stopped reading (`pnpm check --json | head -c 10`) closes the pipe: the command
 * ends quietly, with the exit code it had, instead of an EPIPE stack.
 */
function quietOnClosedPipe(): void {
  for (const stream of [process.stdout, process.stderr]) {
    if (stream.listeners('error').includes(onPipeError)) continue;
    stream.on('error', onPipeError);
  }
}

function onPipeError(e: NodeJS.ErrnoException): void {
  if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw e;
}

export async function main(argv: readonly string[]): Promise<number> {
  quietOnClosedPipe();
  try {
    await program().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    const code = (e as { code?: string; exitCode?: number }).code;
    if (typeof code === 'string' && code.startsWith('commander.')) {
      // commander has printed the usage problem; 2 marks a usage error, as most CLIs do
      return code === 'commander.helpDisplayed' || code === 'commander.version' || code === 'commander.help' ? 0 : 2;
    }
    return reportFatal(e, debugRequested(argv));
  }
}
