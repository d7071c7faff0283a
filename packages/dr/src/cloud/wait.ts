/** The wait between two looks at a cloud operation, ended early (as an interruption) when the command is aborted. */
import { interruption } from '@parity/model';

/** Wait `ms`, or reject with the abort's reason as soon as `signal` aborts (its listener removed either way: callers poll). */
export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason instanceof Error ? signal.reason : interruption('abort'));
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
