import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Lazy, TerraformOutput, TerraformStack } from 'cdktf';
import { afterEach, describe, expect, it } from 'vitest';
import { AWS_PAIR, REPO_ROOT, resolveFixture } from '@parity/model/testing';
import { loadImplementations } from './load.js';
import { EnvironmentStack } from './stack.js';
import { synthesizeSingleStack, withoutTokenTraces } from './synth.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'parity-synth-'));
  dirs.push(d);
  return d;
};

describe('withoutTokenTraces', () => {
  it('records no creation stack for tokens made inside, and restores cdktf afterwards', () => {
    const created = (): string[] => (Lazy.anyValue({ produce: () => 1 }) as unknown as { creationStack: string[] }).creationStack;
    expect(created().length).toBeGreaterThan(0);
    expect(withoutTokenTraces(created)).toEqual([]);
    expect(created().length).toBeGreaterThan(0);
    // also after a throw
    expect(() =>
      withoutTokenTraces(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(created().length).toBeGreaterThan(0);
  });

  it('keeps them with PARITY_DEBUG set', () => {
    process.env.PARITY_DEBUG = '1';
    try {
      expect(
        withoutTokenTraces(() => (Lazy.anyValue({ produce: () => 1 }) as unknown as { creationStack: string[] }).creationStack).length,
      ).toBeGreaterThan(0);
    } finally {
      delete process.env.PARITY_DEBUG;
    }
  });
});

describe('synthesizeSingleStack', () => {
  it('writes what App.synth() writes for an environment, byte for byte, manifest included', async () => {
    const env = (await resolveFixture(AWS_PAIR)).get('prod-use1')!;
    const impls = await loadImplementations(REPO_ROOT, env);
    const [a, b] = [tmp(), tmp()];
    const viaApp = new App({ outdir: a });
    new EnvironmentStack(viaApp, env, impls);
    viaApp.synth();
    withoutTokenTraces(() => {
      const direct = new App({ outdir: b });
      synthesizeSingleStack(direct, new EnvironmentStack(direct, env, impls));
    });
    const file = join('stacks', 'prod-use1', 'cdk.tf.json');
    expect(readFileSync(join(b, file), 'utf8')).toBe(readFileSync(join(a, file), 'utf8'));
    expect(readFileSync(join(b, 'manifest.json'), 'utf8')).toBe(readFileSync(join(a, 'manifest.json'), 'utf8'));
    expect(readdirSync(b).sort()).toEqual(readdirSync(a).sort());
  });

  it('refuses an app with more than one stack (cross-stack references need the pass it skips)', () => {
    const app = new App({ outdir: tmp() });
    const one = new TerraformStack(app, 'one');
    new TerraformStack(app, 'two');
    expect(() => synthesizeSingleStack(app, one)).toThrow(/exactly this stack \(it holds 2\)/);
  });

  it('still fails on a token that cannot be resolved', () => {
    const app = new App({ outdir: tmp() });
    const stack = new TerraformStack(app, 'bad');
    new TerraformOutput(stack, 'x', {
      value: Lazy.anyValue({
        produce: () => {
          throw new Error('cannot produce');
        },
      }),
    });
    expect(() => withoutTokenTraces(() => synthesizeSingleStack(app, stack))).toThrow(/cannot produce/);
  });
});
