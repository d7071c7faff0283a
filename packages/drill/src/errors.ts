/**
 * The refusals of a drill, a failover and a failback, before anything starts: one factory per
 * kind (cdktf `lib/errors.ts` style), each a ParityError carrying one Issue (file, field path,
 * value, what is allowed, the fix). Tests match on the kind. Failures of a step once the drill
 * runs are not refusals: they are recorded in the report against the step.
 */
import { formatIssues, ParityError, type Problem } from '@parity/model';

/** What was refused. */
export type RefusalKind =
  | 'workspace-invalid'
  | 'env-missing'
  | 'env-unresolved'
  | 'not-dr-env'
  | 'cloud-unsupported'
  | 'target-conflict'
  | 'endpoint-invalid'
  | 'provider-mirror-missing'
  | 'emulator-missing'
  | 'drill-locked'
  | 'pair-not-ready'
  | 'recovery-point-missing'
  | 'failover-state'
  | 'target-missing'
  | 'confirmation-needed';

/** A refusal before anything started (a drill writes no report for it). */
export class DrillRefused extends ParityError {
  readonly kind: RefusalKind;
  readonly headline: string;
  constructor(kind: RefusalKind, headline: string, problem: Omit<Problem, 'kind' | 'severity' | 'message'> & { message?: string }) {
    super([{ severity: 'error', kind, message: problem.message ?? headline, ...problem }], headline);
    this.name = 'DrillRefused';
    this.kind = kind;
    this.headline = headline;
  }
}

const manifest = (env: string) => `environments/${env}/environment.yaml`;
const DEFINITION = 'environments/platform.yaml';

/** One factory per refusal kind. */
export const refuse = {
  workspaceInvalid(root: string, issues: readonly Problem[]): DrillRefused {
    return new DrillRefused('workspace-invalid', `the workspace at ${root} has no valid definition`, {
      file: DEFINITION,
      path: '',
      message: `the definition has ${issues.length} problem(s):\n${formatIssues(issues)}`,
      fix: 'fix the definition (pnpm check shows every problem), then run the command again',
    });
  },
  envMissing(env: string, drEnvs: readonly string[]): DrillRefused {
    return new DrillRefused('env-missing', `environment "${env}" does not exist`, {
      file: manifest(env),
      path: '',
      value: env,
      allowed: drEnvs.length ? drEnvs.join(', ') : 'no dr environment exists yet',
      fix: `name a dr environment${drEnvs.length ? ` (${drEnvs.join(', ')})` : ' (pnpm gen env <name> --role dr --recovers <env>)'}`,
    });
  },
  envUnresolved(env: string, issues: readonly Problem[], via?: string): DrillRefused {
    return new DrillRefused('env-unresolved', `${env}${via ? `, which ${via} recovers,` : ''} does not resolve`, {
      file: manifest(env),
      path: '',
      message: `${env} does not resolve:\n${formatIssues(issues)}`,
      fix: `fix ${manifest(env)} (pnpm check ${env} shows every problem)`,
    });
  },
  notDr(env: string, role: string, command: string): DrillRefused {
    return new DrillRefused('not-dr-env', `${env} is a ${role} environment; a ${command} fails over into a dr environment`, {
      file: manifest(env),
      path: 'role',
      value: role,
      allowed: 'dr',
      fix: 'name one that recovers a production environment (role: dr, recovers: <env>)',
    });
  },
  cloudUnsupported(env: string, cloud: string, command: string): DrillRefused {
    return new DrillRefused('cloud-unsupported', `${env} is on ${cloud}; ${command}s run on AWS only (moto emulates AWS)`, {
      file: manifest(env),
      path: 'cloud',
      value: cloud,
      allowed: 'aws',
      fix: `${command} an AWS dr environment`,
    });
  },
  targetConflict(): DrillRefused {
    return new DrillRefused('target-conflict', '--aws and --endpoint exclude each other', {
      file: 'command line',
      path: '--aws/--endpoint',
      allowed: '--aws, --endpoint <url>, or neither (a local moto server)',
      fix: 'pick one (or neither, for a local moto server)',
    });
  },
  endpointInvalid(value: string): DrillRefused {
    return new DrillRefused('endpoint-invalid', `--endpoint ${value} is not a URL`, {
      file: 'command line',
      path: '--endpoint',
      value,
      allowed: 'an http(s) URL',
      fix: '--endpoint http://127.0.0.1:<port>',
    });
  },
  providerMirrorMissing(how: string): DrillRefused {
    return new DrillRefused('provider-mirror-missing', 'no provider mirror for hashicorp/aws', {
      file: 'command line',
      path: '--plugin-dir',
      message: `no provider mirror for hashicorp/aws (${how}); under CI=true Terraform runs offline only`,
      fix: '--plugin-dir <dir> or PARITY_TF_PLUGIN_DIR',
    });
  },
  pairNotReady(dr: string, findings: readonly string[]): DrillRefused {
    return new DrillRefused('pair-not-ready', `pnpm check reports ${findings.length} error(s) for ${dr} and the environment it recovers`, {
      file: manifest(dr),
      path: '',
      message: findings.join('\n'),
      fix: 'fix what pnpm check reports; a failover needs a DR side that can take over',
    });
  },
  recoveryPointMissing(dr: string, region: string, looked: string): DrillRefused {
    return new DrillRefused('recovery-point-missing', `nothing to recover ${dr} from in ${region}`, {
      file: manifest(dr),
      path: '',
      message: `looked for ${looked} in ${region} and found none`,
      fix: 'check that the backup copies (or the replica) reach the DR region: pnpm check shows the mechanism; pnpm drill practises it',
    });
  },
  targetMissing(command: string): DrillRefused {
    return new DrillRefused('target-missing', `a ${command} needs a target: --aws or --endpoint <url>`, {
      file: 'command line',
      path: '--aws/--endpoint',
      allowed: '--aws (the ambient credentials), --endpoint <url> (an emulator such as moto)',
      fix: `pnpm ${command} <dr-env> --aws, or --endpoint http://127.0.0.1:<port>`,
    });
  },
  confirmationNeeded(command: string, file: string): DrillRefused {
    return new DrillRefused('confirmation-needed', `${command} needs a confirmation, and there is no terminal to ask on`, {
      file,
      path: '',
      fix: `run it in a terminal, or pass --yes (automation), or --dry-run to see the change without writing it`,
    });
  },
  failoverState(dr: string, path: string, value: unknown, message: string, fix: string): DrillRefused {
    return new DrillRefused('failover-state', message, { file: manifest(dr), path, value, fix });
  },
};
