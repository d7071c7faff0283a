import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it, beforeAll } from 'vitest';
import { regionCatalog } from '@parity/model';
import { REPO_ROOT } from '@parity/model/testing';
import { FLEET_DIR, fleetWorkspace, platformOf, fleetEnvironmentsAsync, STAMP_TIMEOUT } from '@parity/testkit';
import { currentNames, firstFleet, initProblems, planInit, rewriteNames, setDefinitionDefaults, setRegistry } from './init.js';

// The tests' fleet stamped (or waited for) without blocking the worker first: fleetWorkspace() then
// copies it; a worker blocked for a minute on a loaded machine trips vitest's RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

const cleanups: Array<() => void> = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
});

const FROM = { platform: 'acme', scope: '@parity' };
/** Names no init of this workspace uses, so these tests still mean something after `parity init`. */
const TO = { platform: 'initech', scope: '@initech' };

describe('parity init', () => {
  it('rewrites the scope everywhere and the platform as a whole word, never the project name', () => {
    const text =
      "import { x } from '@parity/model';\n@parity:registry=http://r/\nbucket: acme-tfstate-{region}\nname: 'acme-prod-use1-db' # Parity names it\nacmes, @parityx";
    expect(rewriteNames(text, FROM, TO)).toBe(
      "import { x } from '@initech/model';\n@initech:registry=http://r/\nbucket: initech-tfstate-{region}\nname: 'initech-prod-use1-db' # Parity names it\nacmes, @parityx",
    );
    expect(rewriteNames(text, FROM, FROM)).toBe(text);
  });

  it('sets the default cloud and its default region in the definition, keeping comments', () => {
    const def = readFileSync(join(FLEET_DIR, 'platform.yaml'), 'utf8');
    const out = setDefinitionDefaults(def, 'gcp', 'europe-west1');
    expect(out).toMatch(
      /^defaults:\n {2}cloud: gcp\n {2}# Region for names that carry none, such as `staging`.\n {2}region:\n {4}aws: us-east-1\n {4}gcp: europe-west1\n/m,
    );
    expect(setDefinitionDefaults(def, undefined, 'eu-west-1')).toMatch(/^ {4}aws: eu-west-1$/m);
    expect(setDefinitionDefaults(def, undefined, undefined)).toBe(def);
  });

  it('points the scope at the registry in .npmrc, adding the line if it is missing', () => {
    expect(setRegistry('# c\n@globex:registry=http://old/\n', '@globex', 'https://npm.example.com/')).toBe(
      '# c\n@globex:registry=https://npm.example.com/\n',
    );
    expect(setRegistry('# c\n', '@globex', 'https://npm.example.com/')).toBe('# c\n@globex:registry=https://npm.example.com/\n');
  });

  it('fails with every problem of the flags at once', () => {
    const issues = initProblems({
      platform: 'Globex!',
      scope: 'globex',
      registry: 'npm.example.com',
      regions: ['us-east-9', 'us-east-1', 'us-east-1'],
      examples: 'maybe' as never,
    });
    expect(issues.map((i) => i.path)).toEqual(['--platform', '--scope', '--registry', '--regions', '--regions', '--examples']);
    expect(issues.every((i) => i.kind === 'init-flag' && i.fix)).toBe(true);
    expect(initProblems({ platform: 'globex', scope: '@globex', regions: ['europe-west1'], cloud: 'gcp' })).toEqual([]);
  });

  it('plans the renames, drops the example fleet once, and plans nothing the second time', () => {
    const { root, cleanup } = fleetWorkspace({ sources: true });
    cleanups.push(cleanup);
    const files = ['environments/platform.yaml', '.npmrc', 'packages/model/package.json', 'environments/prod-use1/README.md'];
    const opts = { ...TO, registry: 'https://npm.example.com/', examples: 'drop' as const, regions: ['eu-west-1'] };
    const names = currentNames(root);
    expect(names).toEqual({ ...currentNames(REPO_ROOT), platform: platformOf(root) });
    expect(names.registry).toMatch(/^https?:\/\//);
    const plan = planInit(root, files, opts);
    expect([...plan.edits.keys()].sort()).toEqual(['.npmrc', 'environments/platform.yaml', 'packages/model/package.json']);
    expect(plan.edits.get('environments/platform.yaml')).toMatch(
      /^platform: initech$[\s\S]*aws: eu-west-1[\s\S]*bucket: initech-tfstate-\{region\}/m,
    );
    const fleet = readdirSync(join(root, 'environments'), { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(fleet.length).toBeGreaterThan(0);
    expect(plan.removals).toEqual(fleet.map((d) => `environments/${d.name}`).sort());
    for (const r of plan.removals) rmSync(join(root, r), { recursive: true });
    for (const [f, c] of plan.edits) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      writeFileSync(join(root, f), c);
    }
    const again = planInit(root, files.slice(0, 3), opts);
    expect(again.edits.size).toBe(0);
    expect(again.removals).toEqual([]);
  });

  it('stamps staging, a production per region and a dr environment per production inside its jurisdiction', () => {
    const fleet = firstFleet('aws', ['us-east-1', 'eu-west-1']);
    expect(fleet.map((e) => e.name)).toEqual(['staging', 'prod-use1', 'prod-euw1', 'dr-use2', 'dr-euw3']);
    const cat = regionCatalog();
    for (const dr of fleet.filter((e) => e.role === 'dr')) {
      const prod = fleet.find((e) => e.name === dr.recovers)!;
      for (const r of [dr.region, ...dr.alternatives!])
        expect(cat.get('aws', r)!.jurisdiction).toBe(cat.get('aws', prod.region)!.jurisdiction);
    }
  });
});
