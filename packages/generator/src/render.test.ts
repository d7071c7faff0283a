import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorkspace } from '@parity/model';
import { tempFleets } from '@parity/testkit';
import { describe, expect, it } from 'vitest';
import { planEnvironment, renderEnvironment } from './generate.js';

const temp = tempFleets();

describe('rendering templates/env', () => {
  it('fails on a key the view does not have, instead of rendering it as empty text', async () => {
    const root = temp();
    const { plan } = planEnvironment(await loadWorkspace(root), 'staging-euw1', {});
    expect(plan).toBeDefined();
    expect(renderEnvironment(root, plan!).get('environment.yaml')).toMatch(/^name: staging-euw1$/m);
    writeFileSync(join(root, 'templates/env/NOTES.md.hbs'), '# {{nmae}}\n');
    expect(() => renderEnvironment(root, plan!)).toThrow(/"nmae" not defined/);
  });

  it('renders keys that do not apply to an environment as nothing, through #if', async () => {
    const root = temp();
    const { plan } = planEnvironment(await loadWorkspace(root), 'staging-euw1', {});
    expect(plan!.view.recovers).toBeUndefined();
    expect(renderEnvironment(root, plan!).get('environment.yaml')).not.toMatch(/recovers:/);
  });
});
