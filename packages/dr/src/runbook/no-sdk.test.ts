/**
 * The runbook and the commands that render or check it (`check`, `gen runbook`) load no cloud SDK:
 * the strategies they read call clouds only during a failover or a failback, through
 * strategy/lazy.ts. The AWS and Google clients (gRPC, protobuf, google-gax, the Smithy stack) cost
 * about a second of CPU at every start of those commands, which people and the tests run hundreds
 * of times. Watched for real: the command line as users run it, with a Node module hook that
 * reports every SDK package resolved.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@parity/model/testing';
import { fleetEnvironmentsAsync, fleetWorkspace, runParity, STAMP_TIMEOUT } from '@parity/testkit';
import { runProcess } from '@parity/io';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const SDK = /^(@aws-sdk\/|@smithy\/|@google-cloud\/|google-auth-library$|google-gax$|@grpc\/)/;

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it).
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

let root: string;
let cleanup: () => void;
let hooks: string;
let nodeOptions: string;
beforeAll(() => {
  ({ root, cleanup } = fleetWorkspace());
  hooks = mkdtempSync(join(tmpdir(), 'parity-sdk-hook-'));
  writeFileSync(
    join(hooks, 'hook.mjs'),
    `export async function resolve(spec, ctx, next) {
  if (${SDK}.test(spec)) process.stderr.write(\`SDK LOADED \${spec} by \${ctx.parentURL}\\n\`);
  return next(spec, ctx);
}
`,
  );
  writeFileSync(
    join(hooks, 'register.mjs'),
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(join(hooks, 'hook.mjs')).href)});\n`,
  );
  nodeOptions = `--import=${pathToFileURL(join(hooks, 'register.mjs')).href}`;
});
afterAll(() => {
  cleanup?.();
  if (hooks) rmSync(hooks, { recursive: true, force: true });
});

const loaded = (stderr: string) => stderr.split('\n').filter((l) => l.startsWith('SDK LOADED'));

describe('the runbook loads no cloud SDK', () => {
  it('the hook sees an SDK when one is loaded (the check below can fail)', async () => {
    const r = await runProcess(process.execPath, ['--input-type=module', '-e', "await import('@aws-sdk/client-sqs')"], {
      cwd: join(REPO_ROOT, 'packages', 'dr'),
      env: { ...process.env, NODE_OPTIONS: nodeOptions },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(loaded(r.stderr).join('\n')).toMatch(/SDK LOADED @aws-sdk\/client-sqs/);
  });

  it.each([
    ['check of a replica pair and a backup & restore pair', ['check', 'prod-use1', 'dr-usw2', 'prod-euw1', 'dr-euc1']],
    ['gen runbook --check', ['gen', 'runbook', '--check']],
  ])('%s', async (_name, args) => {
    const r = await runParity(root, args, { env: { NODE_OPTIONS: nodeOptions, CI: '' }, timeout: 300_000 });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(loaded(r.stderr)).toEqual([]);
  });
});
