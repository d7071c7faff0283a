import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { drillReportFiles, lastDrillReport, readDrillReport, reportStamp } from './drill-report.js';
import { REPO_ROOT } from './testing.js';

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

/** A workspace holding the test fleet's drill reports (`packages/testkit/fleet/<dr>/drills`). */
function withFleetReports(): string {
  const root = mkdtempSync(join(tmpdir(), 'parity-drills-'));
  roots.push(root);
  for (const env of ['dr-usw2', 'dr-euc1']) {
    cpSync(join(REPO_ROOT, 'packages', 'testkit', 'fleet', env, 'drills'), join(root, 'environments', env, 'drills'), { recursive: true });
  }
  return root;
}

describe('the one reader of drill reports', () => {
  it('reads every report a drill wrote (the test fleet holds one per strategy) against the schema', () => {
    const root = withFleetReports();
    for (const env of ['dr-usw2', 'dr-euc1']) {
      const files = drillReportFiles(root, env);
      expect(files.length).toBeGreaterThan(0);
      for (const f of files) {
        const r = readDrillReport(root, f);
        expect(r.problem).toBeUndefined();
        expect(r.report).toMatchObject({ schema: 'parity.drill/1', drEnv: env });
        expect(f).toBe(`environments/${env}/drills/${reportStamp(r.report!.startedAt)}.json`);
      }
    }
  });

  it('lists the newest first, and the newest is the last drill', () => {
    const root = withFleetReports();
    const dir = join(root, 'environments', 'dr-usw2', 'drills');
    writeFileSync(join(dir, '2099-01-01T00-00-00Z.json'), '{');
    expect(drillReportFiles(root, 'dr-usw2')[0]).toBe('environments/dr-usw2/drills/2099-01-01T00-00-00Z.json');
    expect(lastDrillReport(root, 'dr-usw2')).toMatchObject({ problem: expect.stringMatching(/is not valid JSON/) });
    expect(lastDrillReport(root, 'dr-nowhere')).toBeUndefined();
  });

  it('fails: a JSON file that is not a drill report says which field, never what it holds, and yields no report', () => {
    const root = mkdtempSync(join(tmpdir(), 'parity-drills-'));
    roots.push(root);
    mkdirSync(join(root, 'environments', 'dr-usw2', 'drills'), { recursive: true });
    writeFileSync(
      join(root, 'environments', 'dr-usw2', 'drills', 'a.json'),
      JSON.stringify({ schema: 'parity.drill/1', drEnv: 1, leftOut: { 'sk-secret': 1 } }),
    );
    const r = readDrillReport(root, 'environments/dr-usw2/drills/a.json');
    expect(r.report).toBeUndefined();
    expect(r.problem).toBe('not a drill report: drEnv is not what a drill writes');
    expect(r.problem).not.toMatch(/sk-secret/);
  });
});
