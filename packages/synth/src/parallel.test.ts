import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspace, resolveEnvironments, type ResolvedEnvironment } from '@parity/model';
import { tempWorkspace } from '@parity/model/testing';
import { InputHasher, isUpToDate, stackFile } from './cache.js';
import { shares, synthFleet, workerCount } from './parallel.js';
import type { SynthResult } from './synth.js';

describe('sharing a fleet out to worker threads', () => {
  it('uses one thread per core, each with at least 12 environments', () => {
    expect(workerCount(7, 2)).toBe(1);
    expect(workerCount(23, 2)).toBe(1);
    expect(workerCount(24, 2)).toBe(2);
    expect(workerCount(100, 2)).toBe(2);
    expect(workerCount(100, 16)).toBe(8);
    expect(workerCount(0, 4)).toBe(1);
  });

  it('cuts contiguous shares sorted by cloud, sizes differing by one at most', () => {
    const envs = ['g1', 'a1', 'g2', 'a2', 'a3'].map((name) => ({ name, cloud: name.startsWith('a') ? 'aws' : 'gcp' }));
    expect(shares(envs, 2).map((s) => s.map((e) => e.name))).toEqual([['a1', 'a2', 'a3'], ['g1', 'g2']]);
    expect(shares(envs, 3).map((s) => s.map((e) => e.name))).toEqual([['a1', 'a2'], ['a3', 'g1'], ['g2']]);
    expect(shares(envs.slice(0, 1), 2)).toHaveLength(1);
  });
});

describe('synthFleet', () => {
  let root: string;
  let cleanup: () => void;
  let envs: ResolvedEnvironment[];
  beforeAll(async () => {
    ({ root, cleanup } = tempWorkspace({ copyBundles: ['queue'] }));
    ({ envs } = resolveEnvironments(await loadWorkspace(root), []));
  });
  afterAll(() => cleanup());

  it('writes on two worker threads exactly what one thread writes, with the input hashes, results in order', async () => {
    await synthFleet(root, envs, { force: true, jobs: 1 });
    const one = new Map(envs.map((e) => [e.name, readFileSync(stackFile(root, e.name), 'utf8')]));
    const seen: string[] = [];
    const results = await synthFleet(root, envs, { force: true, jobs: 2, onResult: (r) => seen.push(r.env) });
    expect(results.map((r) => r.env)).toEqual(envs.map((e) => e.name));
    expect(results.every((r: SynthResult) => r.status === 'synthesized')).toBe(true);
    expect([...seen].sort()).toEqual(envs.map((e) => e.name).sort());
    const hasher = new InputHasher(root);
    for (const e of envs) {
      expect(readFileSync(stackFile(root, e.name), 'utf8')).toBe(one.get(e.name));
      expect(isUpToDate(root, e.name, hasher.envHash(e))).toBe(true);
    }
  });

  it('fails with the worker\'s error and leaves no half-written output', async () => {
    const src = join(root, 'node_modules/@parity/bundle-queue/src/aws.ts');
    const original = readFileSync(src, 'utf8');
    writeFileSync(src, original.replace(/export function deploy\(([^)]*)\)([^{]*)\{/, 'export function deploy($1)$2{ throw new Error("boom in queue");'));
    try {
      await expect(synthFleet(root, envs, { force: true, jobs: 2 })).rejects.toThrow(/boom in queue/);
    } finally {
      writeFileSync(src, original);
    }
    for (const e of envs) expect(readdirSync(join(root, 'environments', e.name)).filter((f) => f.includes('.tmp'))).toEqual([]);
    for (const e of envs) expect(JSON.parse(readFileSync(stackFile(root, e.name), 'utf8'))).toHaveProperty('terraform');
  });
});
