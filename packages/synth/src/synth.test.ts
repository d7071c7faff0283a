import { mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { App, Lazy, TerraformOutput, TerraformStack } from 'cdktn';
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
  it('records no creation stack for tokens made inside, and records them again afterwards', () => {
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

describe('one CDK core', () => {
  it("is the provider bindings' `cdktf` too: the same copy of cdktn, so their resources join Parity's stacks", () => {
    const require = createRequire(import.meta.url);
    const core = realpathSync(dirname(require.resolve('cdktn/package.json')));
    expect((JSON.parse(readFileSync(join(core, 'package.json'), 'utf8')) as { name: string }).name).toBe('cdktn');
    for (const bindings of ['@cdktf/provider-aws', '@cdktf/provider-google']) {
      const fromBindings = createRequire(require.resolve(`${bindings}/package.json`));
      expect([bindings, realpathSync(dirname(fromBindings.resolve('cdktf/package.json')))]).toEqual([bindings, core]);
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

  it("skips the stack's preparing resolve pass (App.synth() runs it; cdktn's synthesizer would run it again unless told)", async () => {
    const env = (await resolveFixture(AWS_PAIR)).get('prod-use1')!;
    const impls = await loadImplementations(REPO_ROOT, env);
    const proto = TerraformStack.prototype as unknown as { _runPreparingResolve: () => void };
    const original = proto._runPreparingResolve;
    let passes = 0;
    proto._runPreparingResolve = function (this: unknown) {
      passes++;
      original.call(this);
    };
    try {
      const viaApp = new App({ outdir: tmp() });
      new EnvironmentStack(viaApp, env, impls);
      viaApp.synth();
      expect(passes).toBe(1);
      const direct = new App({ outdir: tmp() });
      synthesizeSingleStack(direct, new EnvironmentStack(direct, env, impls));
      expect(passes).toBe(1);
    } finally {
      proto._runPreparingResolve = original;
    }
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
