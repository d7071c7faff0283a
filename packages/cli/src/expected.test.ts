/**
 * The Terraform the tests' fleet synthesizes to, byte for byte, against the files committed in
 * `expected/` (`pnpm synth` through the launcher, as users run it). A change to a bundle, to the
 * synth module or to the CDK core that changes what Terraform reads shows here, in review.
 *
 * Only the core's own version (`//.metadata.version`: cdktf 0.21.0 wrote "0.21.0", cdktn writes
 * its version) is left out of the comparison: it is metadata Terraform never reads, and it changes
 * with every release of the core, which changes nothing else.
 *
 * When the change is intended, write the files again and review their diff:
 * `PARITY_UPDATE_EXPECTED=1 pnpm --filter @parity/cli exec vitest run src/expected.test.ts`.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FLEET_NAMES, fleetWorkspace, parity } from '@parity/testkit';

const EXPECTED = join(dirname(fileURLToPath(import.meta.url)), '..', 'expected', 'fleet');
const UPDATE = process.env.PARITY_UPDATE_EXPECTED === '1';

/** The core's version in a synthesized document: `"version"` inside the top `"//"` → `"metadata"` block. */
const CORE_VERSION = /^(\{\n {2}"\/\/": \{\n {4}"metadata": \{\n(?: {6,}[^\n]*\n)*? {6}"version": )"([^"\n]*)"/;

/** The document with the core's version replaced by a placeholder; fails when the field is not where cdktf and cdktn write it. */
function withoutCoreVersion(text: string, file: string): string {
  expect(CORE_VERSION.test(text), `${file}: no //.metadata.version`).toBe(true);
  return text.replace(CORE_VERSION, '$1"<core version>"');
}

describe("the tests' fleet synthesizes to the committed Terraform (expected/fleet), apart from the core's version", () => {
  let root: string;
  let cleanup: () => void;
  beforeAll(() => {
    ({ root, cleanup } = fleetWorkspace());
    const r = parity(root, 'synth');
    expect(r.status, r.stderr).toBe(0);
  });
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

  it('ignores the core version and nothing else', () => {
    const text = synthesized(root, 'staging');
    const other = text.replace(CORE_VERSION, '$1"9.9.9"');
    expect(other).not.toBe(text);
    expect(withoutCoreVersion(other, 'staging')).toBe(withoutCoreVersion(text, 'staging'));
    const changed = text.replace('"managed-by": "parity"', '"managed-by": "someone"');
    expect(changed).not.toBe(text);
    expect(withoutCoreVersion(changed, 'staging')).not.toBe(withoutCoreVersion(text, 'staging'));
  });
});

function synthesized(root: string, name: string): string {
  return readFileSync(join(root, 'environments', name, 'cdktf.out', 'stacks', name, 'cdk.tf.json'), 'utf8');
}
