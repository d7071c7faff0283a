import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorkspace, ParityError } from '@parity/model';
import { REPO_ROOT } from '@parity/model/testing';
import { tempFleets } from '@parity/testkit';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { bundleSchema, schemas } from './commands/schemas.js';

const temp = tempFleets();

describe('pnpm schemas --check', () => {
  it('fails on missing schemas with one schemas-stale issue per file, and writes nothing', async () => {
    const root = temp();
    const e = await schemas({ check: true }, root).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ParityError);
    const issues = (e as ParityError).issues;
    expect(issues.map((i) => [i.kind, i.file])).toEqual([
      ['schemas-stale', 'schemas/platform.schema.json'],
      ['schemas-stale', 'schemas/environment.schema.json'],
    ]);
    expect(issues[0]!.fix).toBe('run pnpm schemas and commit the result');
    expect(existsSync(join(root, 'schemas'))).toBe(false);
  });
});

describe('bundle parameter defaults', () => {
  it('writes each default into the description from the zod default, once', () => {
    const params = z.object({
      size: z.number().default(16).describe('How big.'),
      names: z.array(z.string()).default(['events']).describe('Which.'),
      kind: z.enum(['a', 'b']).default('a'),
      optional: z.string().optional().describe('Maybe. @default - nothing'),
    });
    const schema = bundleSchema({
      name: 'x',
      package: '@x/x',
      version: '1.0.0',
      description: 'x',
      params,
      connects: {},
      exports: {},
      services: { aws: [], gcp: [] },
      stateful: false,
    }) as {
      properties: Record<string, { description?: string; default?: unknown }>;
    };
    expect(schema.properties.size).toMatchObject({ description: 'How big. @default 16', default: 16 });
    expect(schema.properties.names).toMatchObject({ description: 'Which. @default ["events"]', default: ['events'] });
    expect(schema.properties.kind).toMatchObject({ description: '@default a' });
    expect(schema.properties.optional!.description).toBe('Maybe. @default - nothing');
  });

  it('fails if a bundle writes a default in its description as well as in .default()', async () => {
    const ws = await loadWorkspace(REPO_ROOT);
    const twice: string[] = [];
    for (const spec of ws.bundles.values()) {
      for (const [key, v] of Object.entries(spec.params.shape)) {
        const t = v as z.ZodType;
        if ((t._zod.def as { type: string }).type === 'default' && t.description?.includes('@default')) twice.push(`${spec.name}.${key}`);
      }
    }
    expect(twice).toEqual([]);
  });
});
