import { describe, expect, it } from 'vitest';
import { AWS_PAIR, GCP_PAIR, type TerraformJson, synthFixtures } from '@parity/synth';

/**
 * Reviewed snapshots: what this bundle adds to an environment's Terraform, so that every change to
 * the generated resources shows in review. Update with `vitest run -u` and read the diff.
 */
function ofBundle(json: TerraformJson, bundle: string): Record<string, unknown> {
  const pick = (section: Record<string, Record<string, Record<string, unknown>>> | undefined) =>
    Object.fromEntries(
      Object.entries(section ?? {})
        .map(
          ([type, byName]) =>
            [
              type,
              Object.fromEntries(
                Object.entries(byName)
                  .filter(([id]) => id.startsWith(`${bundle}_`))
                  .map(([id, body]) => [id, withoutMetadata(body)]),
              ),
            ] as const,
        )
        .filter(([, byName]) => Object.keys(byName).length > 0),
    );
  const outputs = Object.fromEntries(Object.entries(json.output ?? {}).filter(([name]) => name.startsWith(`${bundle}_`)));
  return { resource: pick(json.resource), data: pick(json.data), output: outputs };
}

/** cdktf's `//` metadata holds construct paths only; the Terraform address already says as much. */
function withoutMetadata(body: Record<string, unknown>): Record<string, unknown> {
  const { '//': _metadata, ...rest } = body;
  return rest;
}

describe('bucket snapshots', () => {
  it('AWS: production with a DR region, and the dr environment', async () => {
    const { json } = await synthFixtures(AWS_PAIR);
    await expect(JSON.stringify(ofBundle(json.get('prod-use1')!, 'bucket'), null, 2)).toMatchFileSnapshot(
      '__snapshots__/aws.prod-use1.json',
    );
    await expect(JSON.stringify(ofBundle(json.get('dr-usw2')!, 'bucket'), null, 2)).toMatchFileSnapshot('__snapshots__/aws.dr-usw2.json');
  });

  it('GCP: production with a DR region', async () => {
    const { json } = await synthFixtures(GCP_PAIR);
    await expect(JSON.stringify(ofBundle(json.get('prod-gcp-euw1')!, 'bucket'), null, 2)).toMatchFileSnapshot(
      '__snapshots__/gcp.prod-gcp-euw1.json',
    );
  });
});
