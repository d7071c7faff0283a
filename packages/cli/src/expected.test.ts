/**
 * The Terraform the tests' fleet synthesizes to (`pnpm synth` through the launcher, as users run
 * it), byte for byte against the documents committed in `expected/fleet`. A change to a bundle, to
 * the shared key constructs, to the synth module or to the CDK core that changes the Terraform
 * shows here, and in review.
 *
 * Left out: the core's own version (`//.metadata.version`), metadata Terraform never reads that
 * changes with every release of the core. (When the core moved from cdktf 0.21.0 to cdktn 0.24.0,
 * the documents were the same JSON apart from it; cdktn writes an empty list as `[]` where cdktf
 * wrote `[` and `]` on two lines, so the files were written again by cdktn.)
 *
 * The fleet is synthesized under the platform name PLATFORM, which `parity init` never rewrites
 * (it rewrites the template's name, acme, and the state bucket pattern with it, here too): physical
 * names longer than a resource allows end in a hash of the whole name, so a fork's own platform
 * name could not be swapped into these documents by text. `pnpm test` passes after `init`.
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
import { BIN, edit, FLEET_NAMES, fleetEnvironmentsAsync, fleetWorkspace, STAMP_TIMEOUT } from '@parity/testkit';

const EXPECTED = join(dirname(fileURLToPath(import.meta.url)), '..', 'expected', 'fleet');
const execFileAsync = promisify(execFile);
const UPDATE = process.env.PARITY_UPDATE_EXPECTED === '1';
/** The platform name the documents are written under (see the file's comment). */
const PLATFORM = 'xpct';

/** The core's version: `"version"` in the document's first block, `"//"` → `"metadata"`, as cdktf and cdktn write it. */
const CORE_VERSION = /^(\{\n {2}"\/\/": \{\n {4}"metadata": \{\n(?: {6,}[^\n]*\n)*? {6}"version": )"([^"\n]*)"/;

/** The document's text with the core's version replaced by a placeholder; fails when the field is not where the core writes it. */
function withoutCoreVersion(text: string, file: string): string {
  const doc = JSON.parse(text) as { '//'?: { metadata?: { version?: unknown } } };
  expect(typeof doc['//']?.metadata?.version, `${file}: no //.metadata.version`).toBe('string');
  expect(CORE_VERSION.test(text), `${file}: //.metadata.version is not where the core writes it`).toBe(true);
  return text.replace(CORE_VERSION, '$1"<core version>"');
}

describe("the tests' fleet synthesizes to the committed Terraform (expected/fleet), byte for byte apart from the core's version", () => {
  let root: string;
  let cleanup: () => void;
  // without blocking this thread (a minute on a busy machine): vitest's worker keeps answering its runner
  beforeAll(async () => {
    await fleetEnvironmentsAsync();
    ({ root, cleanup } = fleetWorkspace());
    edit(root, 'environments/platform.yaml', /^platform: \S+$/m, `platform: ${PLATFORM}`);
    await execFileAsync(process.execPath, [BIN, 'synth'], { env: { ...process.env, PARITY_ROOT: root, NO_COLOR: '1' } });
  }, 2 * STAMP_TIMEOUT);
  afterAll(() => cleanup());

  it('has one expected document per environment of the fleet, and no other', () => {
    if (UPDATE) for (const name of FLEET_NAMES) writeFileSync(join(EXPECTED, `${name}.tf.json`), synthesized(root, name));
    expect(readdirSync(EXPECTED).sort()).toEqual(FLEET_NAMES.map((n) => `${n}.tf.json`));
  });

  it.each(FLEET_NAMES)('%s: the same bytes', (name) => {
    const file = join(EXPECTED, `${name}.tf.json`);
    const actual = withoutCoreVersion(synthesized(root, name), `environments/${name}/cdktf.out/stacks/${name}/cdk.tf.json`);
    const expected = withoutCoreVersion(readFileSync(file, 'utf8'), file);
    // toBe on the whole text: vitest prints the differing lines
    expect(
      actual,
      `${name} differs from expected/fleet/${name}.tf.json (if intended: PARITY_UPDATE_EXPECTED=1, see the file's comment)`,
    ).toBe(expected);
  });

  it('ignores the core version and nothing else, whitespace included', () => {
    const text = synthesized(root, 'staging');
    const other = text.replace(/("version": )"0\.2\d\.\d+"/, '$1"9.9.9"');
    expect(other).not.toBe(text);
    expect(withoutCoreVersion(other, 'staging')).toBe(withoutCoreVersion(text, 'staging'));
    // another "version" (the AWS provider's), a value, an empty list
    for (const [from, to] of [
      ['"version": "5.100.0"', '"version": "6.0.0"'],
      ['"managed-by": "parity"', '"managed-by": "someone"'],
      ['"value": []', '"value": [\n      ]'],
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
