import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parity, tempFleets } from '@parity/testkit';

// The tests' fleet (@parity/testkit), through the launcher users run.
const temp = tempFleets();

/** A workspace whose platform.yaml is not valid YAML at line 3. */
function broken(): string {
  const root = temp();
  const file = join(root, 'environments/platform.yaml');
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.splice(2, 0, 'defaults: [unclosed');
  writeFileSync(file, lines.join('\n'));
  return root;
}

describe('a definition that cannot be read', () => {
  it('fails pnpm check with the YAML problem as a finding, also as JSON', async () => {
    const root = broken();
    const r = await parity(root, 'check', '--json');
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as {
      envs: unknown[];
      findings: Array<{ check: string; kind: string; file: string; line?: number }>;
    };
    expect(report.envs).toEqual([]);
    expect(report.findings.length).toBeGreaterThan(0);
    for (const f of report.findings) expect([f.check, f.kind, f.file]).toEqual(['config', 'yaml', 'environments/platform.yaml']);
    expect(report.findings[0]!.line).toBeGreaterThan(0);
  });

  it('fails pnpm synth and pnpm gen naming the file, and writes nothing', async () => {
    const root = broken();
    for (const args of [['synth'], ['gen', 'env', 'staging-euw1']]) {
      const r = await parity(root, ...args);
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/environments\/platform\.yaml:\d+:\d+: not valid YAML: .* at line \d+, column \d+/);
    }
    expect(spawnSync('find', [join(root, 'environments'), '-name', 'cdktf.out'], { encoding: 'utf8' }).stdout).toBe('');
    expect(spawnSync('ls', [join(root, 'environments')], { encoding: 'utf8' }).stdout).not.toMatch(/staging-euw1/);
  });
});
