/**
 * The peer: a plain CDK app, run by `cdktn synth` (cdktn-cli 0.24.0, what a team would pick today)
 * and by `cdktf synth` (cdktf-cli 0.21.0, the archived CLI: the historical row). It builds the same
 * stacks as `pnpm synth`, with Parity's own construction (`EnvironmentStack`,
 * `loadImplementations`) and environments resolved by @parity/model, all in one App, as a CDK
 * project would, on the core Parity uses (cdktn). Both CLIs read cdktf.json and set CDKTF_OUTDIR;
 * the App reads it.
 *
 * PARITY_ROOT names the workspace; BENCH_ENVS (comma-separated) limits the environments.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { loadWorkspace, resolveEnvironments } from '@parity/model';
import { EnvironmentStack, loadImplementations } from '@parity/synth';

// The core must be the very copy @parity/synth uses (construct trees check identity).
const fromSynth = createRequire(new URL(import.meta.resolve('@parity/synth')));
type Scope = ConstructorParameters<typeof EnvironmentStack>[0];
const { App } = (await import(pathToFileURL(fromSynth.resolve('cdktn')).href)) as { App: new () => Scope & { synth(): void } };

const root = process.env.PARITY_ROOT;
if (!root) throw new Error('PARITY_ROOT must name the workspace');
const names = (process.env.BENCH_ENVS ?? '').split(',').filter(Boolean);
const ws = await loadWorkspace(root);
const { envs, issues } = resolveEnvironments(ws, names);
const errors = issues.filter((i) => i.severity === 'error');
if (errors.length) throw new Error(errors.map((i) => `${i.file}: ${i.message}`).join('\n'));

const app = new App();
for (const env of envs) new EnvironmentStack(app, env, await loadImplementations(root, env));
app.synth();
