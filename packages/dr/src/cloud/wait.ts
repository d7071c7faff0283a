/** The wait between two looks at a cloud operation, ended early (as an interruption) when the command is aborted. */
import { interruption } from '@parity/model';

export const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason instanceof Error ? signal.reason : interruption('abort'));
      },
      { once: true },
    );
  });
