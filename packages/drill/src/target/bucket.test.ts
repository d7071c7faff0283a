import { describe, expect, it } from 'vitest';
import { AWS_PAIR, REPO_ROOT, resolveFixture } from '@parity/model/testing';
import { synthToJson } from '@parity/synth';
import { MOTO_UNSUPPORTED, removeResources, unsupportedSeeds } from './emulator.js';
import type { TerraformJson } from '@parity/model/terraform';

/**
 * The bucket bundle on moto: moto replicates no S3 object, so the drill leaves the replication
 * configuration out of the apply and its report lists it as not exercised (drill.ts words each
 * left-out resource of an unsupported type as "left out of the apply: <reason>. Not exercised:
 * <consequence>"). Everything else of the bucket (both buckets, keys, policies) is applied.
 */
describe('drill: S3 object replication on moto', () => {
  it('leaves the replication configuration out and says S3 object replication is not exercised', async () => {
    const envs = await resolveFixture(AWS_PAIR);
    const json = (await synthToJson(REPO_ROOT, envs.get('prod-use1')!)) as TerraformJson;
    const filtered = removeResources(json, unsupportedSeeds(json));
    const bucket = filtered.removed.filter((r) => r.address.includes('.bucket_'));
    expect(bucket).toEqual([
      {
        address: expect.stringMatching(/^aws_s3_bucket_replication_configuration\.bucket_replication_/),
        reason: MOTO_UNSUPPORTED.aws_s3_bucket_replication_configuration!.reason,
      },
    ]);
    expect(MOTO_UNSUPPORTED.aws_s3_bucket_replication_configuration).toEqual({
      reason: 'moto 5.2.1 replicates no S3 object',
      consequence: 'S3 object replication to the DR region is not exercised',
    });
    const kept = Object.keys(filtered.json.resource?.aws_s3_bucket ?? {}).filter((id) => id.startsWith('bucket_'));
    expect(kept).toHaveLength(2);
  }, 60_000);
});
