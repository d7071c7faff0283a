/**
 * Each strategy through the `DrStrategy` interface alone: its step lists (against the model's
 * facts), its failover and failback procedures and its runbook, rendered by the same code every
 * strategy goes through. A third strategy, defined here, shows that one new object is all a
 * strategy is: its steps, procedure and runbook come out of the shared code without a change.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Strategy } from '@parity/model';
import { strategyFacts } from '@parity/model';
import type { TerraformJson } from '@parity/model/terraform';
import { fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failbackSteps, nextFailbackStep, restoresRoles } from '../failback/section.js';
import { failoverProcedure } from '../failover/procedure.js';
import { nextStep } from '../failover/section.js';
import { type Pair, resolvePair } from '../pair.js';
import { renderRunbook, runbookView } from '../runbook/runbook.js';
import type { DrillValues, FailbackDrillSteps, FailoverDrillSteps } from './drill-kit.js';
import { STRATEGY_OF, strategyFor } from './strategies.js';
import type { DrStrategy } from './strategy.js';

// The tests' fleet stamped without blocking the worker first (fleetWorkspace() then copies it): a
// synchronous stamp of a minute on a loaded machine trips vitest's worker RPC timeout.
beforeAll(() => fleetEnvironmentsAsync().then(() => undefined), STAMP_TIMEOUT);

let root: string;
let cleanup: () => void;
let replicaPairOf: Pair;
let backupPairOf: Pair;
beforeAll(async () => {
  ({ root, cleanup } = fleetWorkspace());
  replicaPairOf = await resolvePair(root, 'dr-usw2');
  backupPairOf = await resolvePair(root, 'dr-euc1');
});
afterAll(() => cleanup());

/** Both environments' Terraform as the procedures read them: a protected database, a cluster and its node group. */
function json(env: string, replica = false): TerraformJson {
  return {
    resource: {
      aws_db_instance: {
        database_db: {
          identifier: `acme-${env}-db`,
          deletion_protection: true,
          final_snapshot_identifier: `acme-${env}-db-final`,
          ...(replica ? { replicate_source_db: 'arn:aws:rds:us-east-1:1:db:acme-prod-use1-db' } : {}),
        },
      },
      aws_eks_cluster: { cluster_eks: { name: `acme-${env}-eks` } },
      aws_eks_node_group: { cluster_nodes: { cluster_name: `acme-${env}-eks`, node_group_name: `acme-${env}-nodes` } },
    },
  } as unknown as TerraformJson;
}

/** A pair as a failover (and then a failback) has left its manifests: each section at `step`. */
function at(pair: Pair, failover?: string, failback?: string): Pair {
  const manifests = new Map(pair.ws.manifests);
  const dr = manifests.get(pair.dr.name);
  const prod = manifests.get(pair.primary.name);
  if (dr) manifests.set(pair.dr.name, { ...dr, data: { ...dr.data, ...(failover ? { failover: { step: failover } } : {}) } } as never);
  if (prod)
    manifests.set(pair.primary.name, { ...prod, data: { ...prod.data, ...(failback ? { failback: { step: failback } } : {}) } } as never);
  return { ...pair, ws: { ...pair.ws, manifests } };
}

describe('each strategy, through the interface alone', () => {
  const named = Object.entries(STRATEGY_OF) as Array<[Strategy, DrStrategy]>;

  it("takes the failover and failback steps the model's facts say it writes into the manifests", () => {
    for (const [name, s] of named) {
      const facts = strategyFacts(name);
      expect(s.failover.steps.map((x) => x.step)).toEqual(facts.failoverSteps);
      // the failback's last step removes both sections: it writes no failback.step of its own
      expect(s.failback.steps.slice(0, -1).map((x) => x.step)).toEqual(facts.failbackSteps);
      expect(s.failback.steps.at(-1)?.from).toBeUndefined();
      expect(s.failback.steps.slice(0, -1).every((x) => x.from)).toBe(true);
    }
  });

  it('titles every step its drill lists (packages/drill steps/kit.test.ts runs each drill against the outline)', () => {
    for (const [, s] of named) {
      for (const id of [...s.drill.failoverSteps, ...s.drill.failbackSteps])
        expect(s.drill.titles[id]?.('p', 'd', 'pr', 'dr')).toBeTruthy();
    }
  });

  it('a replica pair: promote then complete, the way back through a reverse replica; its procedure and runbook say so', () => {
    const pair = replicaPairOf;
    const s = strategyFor(pair.dr);
    expect([nextStep(pair, s), nextStep(at(pair, 'promote'), s)]).toEqual(['promote', 'complete']);
    expect(failbackSteps(pair, s)).toEqual(['reprotect', 'promote', 'complete', 'restore']);
    expect(nextFailbackStep(at(pair, 'complete', 'promote'), s)).toBe('complete');
    const promote = failoverProcedure(pair, 'promote', json('prod-use1'), json('dr-usw2', true), s);
    expect(promote.map((x) => x.id)).toEqual(['fence-writers', 'apply', 'complete', 'fence-database', 'replay', 'traffic', 'verify']);
    expect(promote[1]?.changes).toMatch(/promotes the read replica acme-dr-usw2-db/);
    const j = {
      primaryBefore: json('prod-use1'),
      primaryAfter: json('prod-use1', true),
      drBefore: json('dr-usw2'),
      drAfter: json('dr-usw2'),
    };
    const reprotect = s.failback.procedure(pair, 'reprotect', j, {});
    expect(reprotect.map((x) => x.id)).toEqual(['lift-protection', 'apply', 'wait']);
    expect(reprotect[1]?.commands).toContain(
      'terraform -chdir=environments/prod-use1/cdktf.out/stacks/prod-use1 plan -replace=aws_db_instance.database_db -out=failback.tfplan',
    );
    const runbook = renderRunbook(root, runbookView(pair.ws, pair, undefined, json('prod-use1'), json('dr-usw2', true), s));
    expect(runbook).toContain('two steps: `failover.step: promote`, then `failover.step: complete`');
    expect(runbook).toContain("Data: the replica's lag is within the RPO");
    expect(runbook).toContain('Switch over at a fenced moment (failback.step promote)');
  });

  it('backup & restore: one restore, the way back through a reverse copy and a fenced snapshot; its procedure and runbook say so', () => {
    const pair = backupPairOf;
    const s = strategyFor(pair.dr);
    expect(nextStep(pair, s)).toBe('restore');
    expect(failbackSteps(pair, s)).toEqual(['reprotect', 'restore', 'complete']);
    expect(restoresRoles(pair, 'complete', s)).toBe(true);
    const restore = failoverProcedure(pair, 'restore', json('prod-euw1'), json('dr-euc1'), s);
    expect(restore.map((x) => x.id)).toEqual(['fence-writers', 'apply', 'fence-database', 'replay', 'traffic', 'verify']);
    expect(restore[1]?.changes).toMatch(/its database restored from the recovery point/);
    const j = { primaryBefore: json('prod-euw1'), primaryAfter: json('prod-euw1'), drBefore: json('dr-euc1'), drAfter: json('dr-euc1') };
    const back = s.failback.procedure(pair, 'restore', j, { snapshot: 'acme-dr-euc1-db-failback-1' });
    expect(back.map((x) => x.id)).toEqual(['fence', 'snapshot', 'lift-protection', 'apply', 'traffic', 'next']);
    const runbook = renderRunbook(root, runbookView(pair.ws, pair, undefined, json('prod-euw1'), json('dr-euc1'), s));
    expect(runbook).toContain('one step: `failover.step: restore`');
    expect(runbook).toContain('Data: the newest backup copy in eu-central-1 is younger than the RPO');
    expect(runbook).toContain('Switch over at a fenced moment (failback.step restore)');
  });
});

/**
 * A third strategy, in this file only: a cold site, restored from the newest copy in one step
 * and given back in one (the dr environment handed over whole). It borrows nothing but the
 * interface; the shared code makes its steps, procedure and runbook.
 */
const coldSite: DrStrategy = {
  failover: {
    steps: [{ step: 'restore', changes: (p) => `builds ${p.dr.name} cold in ${p.dr.region} from the newest copy` }],
    recoveryPoint: async () => ({
      kind: 'snapshot',
      restoreFrom: 'cold-1',
      arn: 'arn:cold-1',
      dataAt: new Date(0),
      source: 'snapshot-copy',
    }),
  },
  failback: {
    steps: [
      { step: 'reprotect', from: (p) => `${p.dr.name}, handed back`, what: () => 'reprotect — cold' },
      { step: 'complete', what: () => 'complete — original roles' },
    ],
    reverse: 'reverse copy',
    reverseFound: () => 'cold copy',
    passesMidway: () => false,
    ready: async () => ({}),
    procedure: (p) => [{ id: 'apply', title: `Hand ${p.dr.name} back`, changes: 'everything', commands: ['true'], by: 'operator' }],
    switchover: async () => undefined,
  },
  runbook: {
    peacetime: () => 'cold site: nothing runs, not even a replica',
    dataCheck: (p) => `Data: a cold copy in ${p.dr.region}`,
    failback: (p) => [{ title: `Hand ${p.dr.name} back to ${p.primary.name}`, by: 'by hand', changes: 'the roles', commands: ['true'] }],
  },
  drill: {
    failoverSteps: ['marker', 'copy', 'loss', 'apply-dr'],
    failbackSteps: ['reprotect', 'switchover', 'failback-complete', 'verify-failback'],
    titles: {
      marker: () => 'mark',
      loss: () => 'lose',
      copy: () => 'copy cold',
      'apply-dr': () => 'build cold',
      reprotect: () => 'hand back',
      switchover: () => 'switch',
      'failback-complete': () => 'roles',
      'verify-failback': () => 'look',
    },
    async failover(s, primary) {
      const marker = await s.writeMarker(primary);
      const copy = await s.copyLatest(primary, marker);
      return s.restore(primary, marker, await s.declareLoss(primary, marker), copy);
    },
    async failback(s, verified) {
      const reprotected = await s.reprotectWithBackupCopies(verified);
      await s.verifyFailback(await s.completeKeepingRestore(await s.switchOverBySnapshot(reprotected)));
    },
    notExercised: () => [{ what: 'the cold', why: 'it is a test' }],
    failbackNote: () => 'cold',
    replacedBecause: 'cold',
  },
};

describe('a third strategy', () => {
  it('is one object: the shared code makes its next steps, procedure and runbook from it', () => {
    const pair = backupPairOf;
    expect(nextStep(pair, coldSite)).toBe('restore');
    expect(failbackSteps(pair, coldSite)).toEqual(['reprotect', 'complete']);
    expect(nextFailbackStep(at(pair, 'restore', 'reprotect'), coldSite)).toBe('complete');
    const steps = failoverProcedure(pair, 'restore', json('prod-euw1'), json('dr-euc1'), coldSite);
    expect(steps.find((x) => x.id === 'apply')?.changes).toBe('builds dr-euc1 cold in eu-central-1 from the newest copy');
    const runbook = renderRunbook(root, runbookView(pair.ws, pair, undefined, json('prod-euw1'), json('dr-euc1'), coldSite));
    expect(runbook).toContain('cold site: nothing runs, not even a replica');
    expect(runbook).toContain('Data: a cold copy in eu-central-1');
    expect(runbook).toContain('one step: `failover.step: restore`');
    expect(runbook).toContain('Hand dr-euc1 back to prod-euw1');
    // the template is the one every strategy's runbook goes through
    expect(readFileSync(join(root, 'templates', 'runbook', 'RUNBOOK.md.hbs'), 'utf8')).toContain('{{strategyText}}');
  });
});

/**
 * Calling a drill step before its inputs exist does not compile: `pnpm typecheck` fails if any
 * line marked `@ts-expect-error` here type-checks. At run time a recording kit takes them all.
 */
async function outOfOrder<V extends DrillValues>(
  s: FailoverDrillSteps<V>,
  b: FailbackDrillSteps<V>,
  primary: V['primary'],
  verified: V['verified'],
) {
  const marker = await s.writeMarker(primary);
  // @ts-expect-error a copy needs the loss declared: the marker is not one
  await s.copyLatest(primary, marker, marker);
  // @ts-expect-error promoting needs the dr environment applied as in peacetime, not the primary
  await s.promote(primary, primary, marker, await s.declareLoss(marker));
  // @ts-expect-error completing needs the promotion, not the loss
  await s.complete(await s.declareLoss(marker));
  // @ts-expect-error the original roles come after the failback's completion, not straight from the verified failover
  await b.restoreRoles(verified);
}

describe('the drill steps a strategy composes', () => {
  it('refuse, at compile time, a step whose inputs do not exist yet', async () => {
    const calls: string[] = [];
    const rec = (id: string) => async () => {
      calls.push(id);
      return { value: id };
    };
    const s = {
      writeMarker: rec('marker'),
      copyLatest: rec('copy'),
      promote: rec('promote'),
      declareLoss: rec('loss'),
      complete: rec('complete'),
    };
    await outOfOrder(
      s as unknown as FailoverDrillSteps<DrillValues>,
      { restoreRoles: rec('restore-roles') } as unknown as FailbackDrillSteps<DrillValues>,
      { value: 'primary' },
      { value: 'verified' },
    );
    expect(calls).toEqual(['marker', 'copy', 'loss', 'promote', 'loss', 'complete', 'restore-roles']);
  });
});
