/**
 * Running a program to completion and capturing what it prints. The drill's long-running,
 * process-group-aware runner (packages/drill/src/proc.ts) is a different tool for a different job.
 */
import { spawn } from 'node:child_process';
import { refuse, toolMissing } from '@parity/model';

export interface ProcessResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProcessOptions {
  readonly cwd: string;
  /** The whole environment of the child. @default - this process's environment */
  readonly env?: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal;
  /** How to install the program, said when it is not on PATH. */
  readonly missingFix?: string;
}

/** Windows runs npm and pnpm through their `.cmd` shims. */
const SHELL = process.platform === 'win32';

/**
 * Run `cmd` and resolve with its exit code and output (never rejects on a non-zero exit). A
 * program that is not on PATH is refused with a `tool-missing` issue naming the fix.
 */
export function runProcess(cmd: string, args: readonly string[], o: ProcessOptions): Promise<ProcessResult> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, [...args], {
      cwd: o.cwd,
      env: o.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: o.signal,
      shell: SHELL,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') return fail(e);
      try {
        refuse(`cannot run ${cmd}`, toolMissing(cmd, o.missingFix ?? `install ${cmd}`));
      } catch (refusal) {
        fail(refusal);
      }
    });
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr }));
  });
}
