/**
 * Test helpers: resolve environments from in-memory manifests against the real definition and
 * bundles of a workspace, so bundle tests exercise real resolution and real synth.
 */
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import {
  loadWorkspace,
  resolveEnvironment,
  formatIssues,
  type Manifest,
  type ResolvedEnvironment,
  type SourceFile,
  type Workspace,
} from './index.js';

/** The repository root (this file is packages/model/src/testing.ts). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export type ManifestInput = Pick<Manifest, 'name' | 'cloud' | 'region' | 'role' | 'tier'> &
  Partial<Pick<Manifest, 'recovers' | 'overrides' | 'state'>>;

export function inMemoryManifest(m: ManifestInput): SourceFile<Manifest> {
  return {
    file: `environments/${m.name}/environment.yaml`,
    data: { overrides: {}, state: { region: m.region }, ...m },
    lineOf: () => undefined,
  };
}

/** A workspace whose manifests are replaced by `manifests`. */
export async function fixtureWorkspace(manifests: readonly ManifestInput[], root = REPO_ROOT): Promise<Workspace> {
  const ws = await loadWorkspace(root);
  return { ...ws, manifests: new Map(manifests.map((m) => [m.name, inMemoryManifest(m)])) };
}

/** Resolve every fixture manifest; throws with every problem if any is invalid. */
export async function resolveFixture(manifests: readonly ManifestInput[], root = REPO_ROOT): Promise<Map<string, ResolvedEnvironment>> {
  const ws = await fixtureWorkspace(manifests, root);
  const out = new Map<string, ResolvedEnvironment>();
  for (const m of manifests) {
    const r = resolveEnvironment(ws, m.name);
    if (!r.env) throw new Error(`fixture ${m.name} does not resolve:\n${formatIssues(r.issues)}`);
    out.set(m.name, r.env);
  }
  return out;
}

/** A common pair for tests: a production environment and the dr environment that recovers it. */
export const AWS_PAIR: ManifestInput[] = [
  { name: 'prod-use1', cloud: 'aws', region: 'us-east-1', role: 'production', tier: 'production' },
  { name: 'dr-usw2', cloud: 'aws', region: 'us-west-2', role: 'dr', tier: 'production', recovers: 'prod-use1' },
  { name: 'staging', cloud: 'aws', region: 'us-east-1', role: 'staging', tier: 'standard' },
];
export const GCP_PAIR: ManifestInput[] = [
  { name: 'prod-gcp-euw1', cloud: 'gcp', region: 'europe-west1', role: 'production', tier: 'production' },
  { name: 'dr-gcp-euw4', cloud: 'gcp', region: 'europe-west4', role: 'dr', tier: 'production', recovers: 'prod-gcp-euw1' },
  { name: 'staging-gcp', cloud: 'gcp', region: 'us-central1', role: 'staging', tier: 'standard' },
];
