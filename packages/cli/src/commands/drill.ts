/**
 * `pnpm drill <dr-env>`: practise the regional failover into a dr environment for real, with
 * real Terraform, and measure the RTO and RPO achieved (see @parity/drill's drill.ts). Default target: a
 * moto server the drill starts on a free loopback port and stops afterwards; `--endpoint <url>`
 * targets a running one; `--aws` uses real AWS with the ambient credentials.
 *
 * Exit code 0 when the drill passed, 1 when it failed (the report names the step), 130 when it
 * was interrupted, 2 for a refusal before it started (unknown env, drill already running).
 */
import { spawnSync } from 'node:child_process';
import pc from 'picocolors';
import { duration, runDrill, terminalProgress, type DrillTargetOption } from '@parity/drill';
import type { DrillReport } from '@parity/model';
import { endpointInvalid, findRoot, ParityError, refuseOne, targetConflict } from '@parity/model';
import { terraformEnv } from '@parity/io';
import { printIssues } from '../report.js';
import { findPluginDir, refuseMissingMirrorUnderCi } from '../terraform.js';
import { runCheck } from './check.js';
import { synth } from './synth.js';

export interface DrillFlags {
  endpoint?: string;
  aws?: boolean;
  keep?: boolean;
  failback?: boolean;
  pluginDir?: string;
  json?: boolean;
  /** Who runs the drill (the evidence record's "run by"). */
  by?: string;
}

/** The target of --aws / --endpoint (neither: a local moto server). */
export function targetOf(flags: Pick<DrillFlags, 'aws' | 'endpoint'>): DrillTargetOption {
  if (flags.aws && flags.endpoint) refuseOne(targetConflict());
  if (flags.aws) return { kind: 'aws' };
  if (flags.endpoint) {
    let url: URL;
    try {
      url = new URL(flags.endpoint);
    } catch {
      return refuseOne(endpointInvalid(flags.endpoint));
    }
    return { kind: 'endpoint', url: url.toString().replace(/\/$/, '') };
  }
  return { kind: 'emulator' };
}

function summary(r: DrillReport): string {
  const lines: string[] = [''];
  const ok = r.status === 'passed';
  lines.push(
    ok
      ? pc.green(pc.bold(`✔ drill passed: ${r.drEnv} recovered ${r.primary} (${r.primaryRegion} → ${r.drRegion})`))
      : pc.red(pc.bold(`✘ drill ${r.status} at ${r.failedStep}: ${r.error ?? ''}`)),
  );
  const m = (label: string, x: DrillReport['rto']) =>
    x
      ? `  ${label} ${x.measuredMinutes} min (${duration(x.measuredSeconds)}) vs target ${x.targetMinutes} min: ${x.met ? pc.green(`met, ${x.marginMinutes} min to spare`) : pc.red(`breached by ${-x.marginMinutes} min`)}`
      : `  ${label} not measured`;
  lines.push(m('RTO', r.rto), m('RPO', r.rpo));
  if (r.failback)
    lines.push(
      `  failback: ${r.failback.durationSeconds !== undefined ? `${duration(r.failback.durationSeconds)}, ${r.failback.manifestsRestored ? 'manifests as before the failover (history comment apart)' : 'manifests NOT restored'}` : 'not completed'}`,
    );
  if (r.rto?.note) lines.push(pc.dim(`  ${r.rto.note}`));
  if (r.rpo?.note) lines.push(pc.dim(`  ${r.rpo.note}`));
  const left = Object.entries(r.leftOut).flatMap(([env, l]) => l.map((x) => `${env}: ${x.address}`));
  if (left.length) lines.push(`  left out of the applies (emulator): ${left.length}`, ...left.map((l) => pc.dim(`    ${l}`)));
  lines.push(`  not exercised: ${r.notExercised.length} item(s), listed in the report`);
  if (r.teardown) lines.push(`  teardown: ${r.teardown.ok ? r.teardown.action : pc.red(r.teardown.action)}`);
  if (r.files) lines.push(`  report: ${r.files.markdown} (and .json)`);
  lines.push(pc.dim(`  work folder: ${r.workDir}`));
  return lines.join('\n');
}

/** Who runs the drill: `--by`, else `$PARITY_DRILL_BY`, else the git user of the workspace (none: not given). */
function runBy(by: string | undefined, root: string): { by?: string } {
  const named = by?.trim() || process.env.PARITY_DRILL_BY?.trim();
  if (named) return { by: named };
  const git = (key: string) => spawnSync('git', ['config', key], { cwd: root, encoding: 'utf8', timeout: 5000 }).stdout?.trim() ?? '';
  const name = git('user.name');
  const email = git('user.email');
  return name ? { by: `${name}${email ? ` <${email}>` : ''} (git user)` } : {};
}

/** Print a refusal: its headline, then each issue with its field, value and fix. */
export function printRefusal(command: string, e: ParityError): void {
  process.stderr.write(`${pc.red(`${command} refused: ${e.headline}`)}\n`);
  printIssues(e.issues, e.headline);
}

export async function drill(drEnv: string, flags: DrillFlags = {}, root?: string): Promise<DrillReport | undefined> {
  try {
    return await drillOrRefuse(drEnv, flags, root ?? findRoot());
  } catch (e) {
    if (!(e instanceof ParityError)) throw e;
    printRefusal('drill', e);
    // a missing provider mirror under CI is a failure of the run, not a usage error
    process.exitCode = e.kinds.includes('provider-mirror') ? 1 : 2;
    return undefined;
  }
}

async function drillOrRefuse(drEnv: string, flags: DrillFlags, root: string): Promise<DrillReport> {
  const target = targetOf(flags);
  const plugin = findPluginDir(flags.pluginDir);
  refuseMissingMirrorUnderCi(plugin);
  if (target.kind === 'aws') {
    process.stderr.write(
      pc.yellow(
        `--aws: applying ${drEnv} and the environment it recovers into the AWS account of the ambient credentials, under their real names, with local state in .parity/drills/. Use a dedicated drill account.\n`,
      ),
    );
  }
  const progress = flags.json ? undefined : terminalProgress(process.stderr);
  const report = await runDrill(
    {
      root,
      drEnv,
      target,
      keep: flags.keep,
      failback: flags.failback,
      pluginDir: plugin.dir,
      progress,
      handleSignals: true,
      ...runBy(flags.by, root),
    },
    {
      runCheck: (names, at) => runCheck(names, at),
      synth: async (names, at) => (await synth(names, { quiet: true }, at)).results.map((x) => ({ env: x.env, file: x.file })),
      terraformEnv: (extra) => terraformEnv(extra),
    },
  );
  if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else process.stderr.write(`${summary(report)}\n`);
  process.exitCode = report.status === 'passed' ? 0 : report.status === 'aborted' ? 130 : 1;
  return report;
}
