import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkspace, resolveEnvironments, type ResolvedEnvironment } from '@parity/model';
import { tempWorkspace } from '@parity/model/testing';
import { InputHasher, isUpToDate, stackFile } from './cache.js';
import { queueOrder, synthFleet, workerCount } from './parallel.js';
import type { SynthResult } from './synth.js';

describe('sharing a fleet out to worker threads', () => {
  it('uses at most one thread per core, each with at least 40 environments', () => {
    expect(workerCount(7, 2)).toBe(1);
    expect(workerCount(79, 2)).toBe(1);
    expect(workerCount(80, 2)).toBe(2);
    expect(workerCount(1000, 2)).toBe(2);
    expect(workerCount(200, 16)).toBe(5);
    expect(workerCount(0, 4)).toBe(1);
  });

  it('queues environments by cloud, then name, so that threads taking from either end load one cloud each', () => {
    const envs = ['g1', 'a2', 'g2', 'a1', 'a3'].map((name) => ({ name, cloud: name.startsWith('a') ? 'aws' : 'gcp' }));
    expect(queueOrder(envs).map((e) => e.name)).toEqual(['a1', 'a2', 'a3', 'g1', 'g2']);
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

  it('writes on worker threads exactly what one thread writes, with the input hashes, results in order', async () => {
    await synthFleet(root, envs, { force: true, jobs: 1 });
    const one = new Map(envs.map((e) => [e.name, readFileSync(stackFile(root, e.name), 'utf8')]));
    const hasher = new InputHasher(root);
    // Workers only (deterministic: they do all of it), then this thread with a worker (shared as it goes).
    for (const opts of [{ jobs: 2, inThisThread: false }, { jobs: 2 }]) {
      const seen: string[] = [];
      const results = await synthFleet(root, envs, { force: true, ...opts, onResult: (r) => seen.push(r.env) });
      expect(results.map((r) => r.env)).toEqual(envs.map((e) => e.name));
      expect(results.every((r: SynthResult) => r.status === 'synthesized')).toBe(true);
      expect([...seen].sort()).toEqual(envs.map((e) => e.name).sort());
      for (const e of envs) {
        expect(readFileSync(stackFile(root, e.name), 'utf8')).toBe(one.get(e.name));
        expect(isUpToDate(root, e.name, hasher.envHash(e))).toBe(true);
      }
    }
  });

  const breakQueue = (ws: string) => {
    const src = join(ws, 'node_modules/@parity/bundle-queue/src/aws.ts');
    const original = readFileSync(src, 'utf8');
    writeFileSync(
      src,
      original.replace(/export function deploy\(([^)]*)\)([^{]*)\{/, 'export function deploy($1)$2{ throw new Error("boom in queue");'),
    );
    return () => writeFileSync(src, original);
  };
  const noHalfWritten = (ws: string) => {
    for (const e of envs) expect(readdirSync(join(ws, 'environments', e.name)).filter((f) => f.includes('.tmp'))).toEqual([]);
  };

  it("fails with a worker's error, and leaves no half-written output", async () => {
    const restore = breakQueue(root);
    try {
      await expect(synthFleet(root, envs, { force: true, jobs: 2, inThisThread: false })).rejects.toThrow(/boom in queue/);
    } finally {
      restore();
    }
    noHalfWritten(root);
    for (const e of envs) expect(JSON.parse(readFileSync(stackFile(root, e.name), 'utf8'))).toHaveProperty('terraform');
  });

  it("fails with this thread's error, stops the workers, and leaves no half-written output", async () => {
    // A workspace of its own: this thread has not loaded its copy of the queue bundle yet.
    const other = tempWorkspace({ copyBundles: ['queue'] });
    try {
      const restore = breakQueue(other.root);
      const { envs: theirs } = resolveEnvironments(await loadWorkspace(other.root), []);
      try {
        // AWS environments come first in the queue, and this thread takes from the front.
        await expect(synthFleet(other.root, theirs, { force: true, jobs: 2 })).rejects.toThrow(/boom in queue/);
      } finally {
        restore();
      }
      noHalfWritten(other.root);
    } finally {
      other.cleanup();
    }
  });
});
