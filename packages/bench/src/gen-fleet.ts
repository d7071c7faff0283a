/**
 * Child process of the benchmark: generate a whole synthetic fleet in one process with
 * @parity/generator (plan, render, write per environment), as `pnpm gen env` does for one, minus
 * the full check `pnpm gen env` runs before writing a dr environment (that one is measured end
 * to end separately). Prints a JSON line with the timings.
 *
 * Usage: PARITY_ROOT=<workspace> node packages/bench/.parity-js/gen-fleet.js <size> (compiled by the launcher)
 */
const t0 = performance.now();
const { loadWorkspace } = await import('@parity/model');
const { candidateWorkspace, planEnvironment, renderEnvironment, writeEnvironment } = await import('@parity/generator');
const { fleet } = await import('./fleet.js');
const tImport = performance.now();

const size = Number(process.argv[2]);
const root = process.env.PARITY_ROOT;
if (!root || !Number.isInteger(size) || size < 1) throw new Error('usage: PARITY_ROOT=<workspace> tsx gen-fleet.ts <size>');

let ws = await loadWorkspace(root);
const tLoad = performance.now();
const perEnv: number[] = [];
for (const spec of fleet(size)) {
  const s = performance.now();
  const { plan, issues } = planEnvironment(ws, spec.name, spec.recovers ? { recovers: spec.recovers } : {});
  if (!plan) throw new Error(`${spec.name}: ${issues.map((i) => i.message).join('; ')}`);
  writeEnvironment(ws, spec.name, renderEnvironment(ws.root, plan));
  ws = candidateWorkspace(ws, plan);
  perEnv.push(performance.now() - s);
}
const tEnd = performance.now();
process.stdout.write(
  `${JSON.stringify({ importMs: tImport - t0, loadWorkspaceMs: tLoad - tImport, genMs: tEnd - tLoad, perEnvMs: perEnv })}\n`,
);
