/**
 * How this repository's tests use the kit. A test file that copies the fleet (`fleetWorkspace`,
 * `fleetEnvironments`) stamps it first without blocking its worker (`fleetEnvironmentsAsync` in a
 * `beforeAll`, or `tempFleets()`, which does so): otherwise its first copy stamps the fleet, or
 * waits for another process's stamp, synchronously, and on a loaded machine a worker blocked for a
 * minute fails the whole run with vitest's "Timeout calling onTaskUpdate" although every test passed
 * (two drill files did, in a fresh-clone CI run).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '@parity/model/testing';
import { describe, expect, it } from 'vitest';

function testFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    if (e.isDirectory()) testFiles(path, out);
    else if (e.name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

/** The test files of `root` that copy the fleet without stamping it asynchronously first. */
function blockingFleetUsers(root: string): string[] {
  const files = ['packages', 'bundles'].flatMap((d) => {
    try {
      return testFiles(join(root, d));
    } catch {
      return [];
    }
  });
  return files
    .filter((f) => {
      const text = readFileSync(f, 'utf8');
      const copies = /\b(fleetWorkspace|fleetEnvironments)\b/.test(text);
      const stampsFirst = /\bfleetEnvironmentsAsync\(\)|\btempFleets\(\)/.test(text);
      return copies && !stampsFirst;
    })
    .map((f) => relative(root, f))
    .sort();
}

describe('the test kit in use', () => {
  it('every test file that copies the fleet stamps it first without blocking its worker', () => {
    expect(blockingFleetUsers(REPO_ROOT)).toEqual([]);
  });
});
