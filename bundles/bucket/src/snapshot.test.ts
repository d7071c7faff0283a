import { describe, expect, it } from 'vitest';
import { AWS_PAIR, bundleSnapshot, GCP_PAIR, synthFixtures } from '@parity/synth';

/**
 * Reviewed snapshots: what this bundle adds to an environment's Terraform, so that every change to
 * the generated resources shows in review. Update with `vitest run -u` and read the diff.
 */
describe('bucket snapshots', () => {
  it('AWS: production with a DR region, and the dr environment', async () => {
    const { json } = await synthFixtures(AWS_PAIR);
    await expect(bundleSnapshot(json.get('prod-use1')!, 'bucket')).toMatchFileSnapshot('__snapshots__/aws.prod-use1.json');
    await expect(bundleSnapshot(json.get('dr-usw2')!, 'bucket')).toMatchFileSnapshot('__snapshots__/aws.dr-usw2.json');
  });

  it('GCP: production with a DR region', async () => {
    const { json } = await synthFixtures(GCP_PAIR);
    await expect(bundleSnapshot(json.get('prod-gcp-euw1')!, 'bucket')).toMatchFileSnapshot('__snapshots__/gcp.prod-gcp-euw1.json');
  });
});
