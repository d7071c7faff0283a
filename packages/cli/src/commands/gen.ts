import pc from 'picocolors';
import { generateEnvironment } from '@parity/generator';
import { loadWorkspace, type Cloud } from '@parity/model';
import { failOnErrors, printIssues } from '../report.js';

export interface GenEnvFlags {
  cloud?: Cloud;
  region?: string;
  recovers?: string;
  tier?: string;
  force?: boolean;
}

export async function genEnv(name: string, flags: GenEnvFlags, root?: string): Promise<void> {
  const ws = await loadWorkspace(root);
  const { written, plan, issues } = generateEnvironment(ws, name, flags);
  if (!written || !plan) {
    failOnErrors(issues, `cannot generate environment ${name}`);
    return;
  }
  printIssues(issues.filter((i) => i.severity === 'warning'));
  const m = plan.manifest;
  process.stdout.write(
    `${pc.green('✔')} ${pc.bold(name)}: ${m.role} on ${m.cloud} ${m.region}, tier ${m.tier}${m.recovers ? `, recovers ${m.recovers}` : ''}\n`,
  );
  for (const f of written) process.stdout.write(`  wrote ${f}\n`);
  process.stdout.write(`\nNext: ${pc.cyan(`pnpm synth ${name}`)}${m.cloud === 'aws' ? ` then ${pc.cyan(`pnpm validate ${name}`)}` : ''}\n`);
}
