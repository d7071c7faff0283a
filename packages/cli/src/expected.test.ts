/**
 * The Terraform the tests' fleet synthesizes to (`pnpm synth` through the launcher, as users run
 * it), against the documents committed in `expected/fleet`: every key, value and key order. A
 * change to a bundle, to the synth module or to the CDK core that changes what Terraform reads
 * shows here, and in review.
 *
 * Left out: the core's own version (`//.metadata.version`: cdktf 0.21.0 wrote "0.21.0", cdktn
 * writes its own), metadata Terraform never reads that changes with every release of the core;
 * and whitespace, which is not part of a JSON document (cdktf 0.21 wrote an empty list as
 * `[\n  ]`, cdktn writes `[]`). The documents are compared as JSON, parsed and written again.
 *
 * When a change is intended, write the files again and review their diff:
 * `PARITY_UPDATE_EXPECTED=1 pnpm --filter @parity/cli exec vitest run src/expected.test.ts`.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, FLEET_NAMES, fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';

const EXPECTED = join(dirname(fileURLToPath(import.meta.url)), '..', 'expected', 'fleet');
const execFileAsync = promisify(execFile);
const UPDATE = process.env.PARITY_UPDATE_EXPECTED === '1';

/**
 * The document without the core's version, written as JSON with two-space indents (key order kept:
 * JSON.parse keeps it). Fails when the version is not where cdktf and cdktn write it.
 */
function withoutCoreVersion(text: string, file: string): string {
  const doc = JSON.parse(text) as { '//'?: { metadata?: { version?: unknown } } };
  const metadata = doc['//']?.metadata;
  expect(typeof metadata?.version, `${file}: no //.metadata.version`).toBe('string');
  delete metadata!.version;
  return `${JSON.stringify(doc, null, 2)}\n`;
}

describe("the tests' fleet synthesizes to the committed Terraform (expected/fleet), apart from the core's version", () => {
  let root: string;
  let cleanup: () => void;
  // without blocking this thread (a minute on a busy machine): vitest's worker keeps answering its runner
  beforeAll(async () => {
    await fleetEnvironmentsAsync();
    ({ root, cleanup } = fleetWorkspace());
    await execFileAsync(process.execPath, [BIN, 'synth'], { env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1' } });
  }, 2 * STAMP_TIMEOUT);
  afterAll(() => cleanup());

  it('has one expected document per environment of the fleet, and no other', () => {
    if (UPDATE) for (const name of FLEET_NAMES) writeFileSync(join(EXPECTED, `${name}.tf.json`), synthesized(root, name));
    expect(readdirSync(EXPECTED).sort()).toEqual(FLEET_NAMES.map((n) => `${n}.tf.json`));
  });

  it.each(FLEET_NAMES)('%s: the same document', (name) => {
    const file = join(EXPECTED, `${name}.tf.json`);
    const actual = withoutCoreVersion(synthesized(root, name), `environments/${name}/cdktf.out/stacks/${name}/cdk.tf.json`);
    const expected = withoutCoreVersion(readFileSync(file, 'utf8'), file);
    // toBe on the whole text: vitest prints the differing lines
    expect(
      actual,
      `${name} differs from expected/fleet/${name}.tf.json (if intended: PARITY_UPDATE_EXPECTED=1, see the file's comment)`,
    ).toBe(expected);
  });

  it('ignores the core version and nothing else', () => {
    const text = synthesized(root, 'staging');
    const other = text.replace(/("version": )"0\.2\d\.\d+"/, '$1"9.9.9"');
    expect(other).not.toBe(text);
    expect(withoutCoreVersion(other, 'staging')).toBe(withoutCoreVersion(text, 'staging'));
    // another "version" (the AWS provider's), a value, an empty list
    for (const [from, to] of [
      ['"version": "5.100.0"', '"version": "6.0.0"'],
      ['"managed-by": "parity"', '"managed-by": "someone"'],
      ['"value": []', '"value": [""]'],
    ] as const) {
      const changed = text.replace(from, to);
      expect(changed, from).not.toBe(text);
      expect(withoutCoreVersion(changed, 'staging'), from).not.toBe(withoutCoreVersion(text, 'staging'));
    }
  });
});

function synthesized(root: string, name: string): string {
  return readFileSync(join(root, 'environments', name, 'cdktf.out', 'stacks', name, 'cdk.tf.json'), 'utf8');
}
