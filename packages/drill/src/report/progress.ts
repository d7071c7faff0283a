/**
 * Progress of a drill, as named steps with elapsed time: a spinner (ora) with the running
 * step, its elapsed time and what it is doing, on a terminal; plain lines otherwise (CI, logs).
 */
import ora, { type Ora } from 'ora';
import pc from 'picocolors';
import { duration } from './metrics.js';

export interface Progress {
  /** `index`: the step's position (1-based) among all steps, skipped ones included. */
  start(title: string, index?: number, of?: number): void;
  /** What the running step is doing now (shown on a terminal only). */
  update(text: string): void;
  succeed(title: string, seconds: number, detail?: string): void;
  fail(title: string, seconds: number, error: string): void;
  skip(title: string, why: string, index?: number): void;
  /** A line of its own, outside any step. */
  info(line: string): void;
}

/** No output (tests, `--json`). */
export const silentProgress: Progress = { start() {}, update() {}, succeed() {}, fail() {}, skip() {}, info() {} };

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, total = 10): Progress {
  // a terminal with a width: ora counts the lines to redraw from it (0 columns, as in a pty no one
  // sized, would make it erase lines forever)
  const tty = !!stream.isTTY && (stream.columns ?? 0) > 0 && process.env.TERM !== 'dumb' && !process.env.CI;
  let spinner: Ora | undefined;
  let title = '';
  let sub = '';
  let started = 0;
  let n = 0;
  let ticker: NodeJS.Timeout | undefined;
  const prefix = () => pc.dim(`[${n}/${total}]`);
  const text = () => `${prefix()} ${title} ${pc.dim(duration((Date.now() - started) / 1000))}${sub ? pc.dim(`  ${sub}`) : ''}`;
  const stopTicker = () => {
    if (ticker) clearInterval(ticker);
    ticker = undefined;
  };
  return {
    start(t, index, of) {
      if (of) total = of;
      n = index ?? n + 1;
      title = t;
      sub = '';
      started = Date.now();
      if (tty) {
        spinner = ora({ text: text(), stream, discardStdin: false, hideCursor: false }).start();
        ticker = setInterval(() => {
          if (spinner) spinner.text = text();
        }, 1000);
        ticker.unref();
      } else {
        stream.write(`${prefix()} ${t} …\n`);
      }
    },
    update(s) {
      sub = s;
      if (spinner) spinner.text = text();
    },
    succeed(t, seconds, detail) {
      stopTicker();
      const line = `${prefix()} ${t} ${pc.dim(duration(seconds))}${detail ? pc.dim(`  ${detail}`) : ''}`;
      if (spinner) spinner.succeed(line);
      else stream.write(`${pc.green('✔')} ${line}\n`);
      spinner = undefined;
    },
    fail(t, seconds, error) {
      stopTicker();
      const line = `${prefix()} ${t} ${pc.dim(duration(seconds))}  ${pc.red(error.split('\n')[0] ?? '')}`;
      if (spinner) spinner.fail(line);
      else stream.write(`${pc.red('✘')} ${line}\n`);
      spinner = undefined;
    },
    skip(t, why, index) {
      n = index ?? n + 1;
      stream.write(`${pc.dim(`- [${n}/${total}] ${t}  (${why})`)}\n`);
    },
    info(line) {
      if (spinner) {
        spinner.clear();
        stream.write(`${line}\n`);
        spinner.render();
      } else stream.write(`${line}\n`);
    },
  };
}
