import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ParityError } from './errors.js';
import { findRoot } from './workspace.js';

const saved = process.env.PARITY_ROOT;
afterEach(() => {
  if (saved === undefined) delete process.env.PARITY_ROOT;
  else process.env.PARITY_ROOT = saved;
});

describe('finding the workspace', () => {
  it('fails outside any workspace as a workspace-missing refusal naming the folder and the fix', () => {
    delete process.env.PARITY_ROOT;
    const dir = mkdtempSync(join(tmpdir(), 'parity-nowhere-'));
    try {
      const e = (() => {
        try {
          findRoot(join(dir, 'a', '..'));
        } catch (x) {
          return x;
        }
      })();
      expect(e).toBeInstanceOf(ParityError);
      expect((e as ParityError).kinds).toEqual(['workspace-missing']);
      expect((e as ParityError).issues[0]).toMatchObject({ file: dir, fix: expect.stringMatching(/PARITY_ROOT/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
