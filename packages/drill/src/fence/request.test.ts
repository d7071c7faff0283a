import { describe, expect, it } from 'vitest';
import { actionOf, callerOf, callerToken, credentialScope, presignedScopes } from './request.js';

const url = (path: string) => new URL(path, 'http://127.0.0.1:4566');
const auth = (scope: string) => ({
  authorization: `AWS4-HMAC-SHA256 Credential=${scope}, SignedHeaders=host;x-amz-date, Signature=abc123`,
});

describe('credentialScope', () => {
  it('reads the region and service of the Authorization header', () => {
    expect(credentialScope(auth('test/20261207/us-east-1/sqs/aws4_request'), url('/'))).toEqual({
      keyId: 'test',
      date: '20261207',
      region: 'us-east-1',
      service: 'sqs',
    });
  });

  it("reads a presigned URL's X-Amz-Credential", () => {
    const u = url(
      '/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=test%2F20261207%2Feu-central-1%2Fs3%2Faws4_request&X-Amz-Signature=00',
    );
    expect(credentialScope({}, u)).toMatchObject({ region: 'eu-central-1', service: 's3' });
  });

  it('finds no region in an unsigned request, a SigV2 signature or a malformed scope', () => {
    expect(credentialScope({}, url('/moto-api/'))).toBeUndefined();
    expect(credentialScope({ authorization: 'AWS test:c2lnbmF0dXJl' }, url('/'))).toBeUndefined();
    expect(credentialScope(auth('test/2026/us-east-1/sqs/aws4_request'), url('/'))).toBeUndefined();
    expect(credentialScope({}, url('/?X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&X-Amz-Credential=test%2F20261207%2Fs3%2Faws4_request'))).toBe(
      undefined,
    );
  });
});

describe('actionOf', () => {
  it('takes the operation of X-Amz-Target (JSON protocols)', () => {
    expect(actionOf('POST', { 'x-amz-target': 'TrentService.DescribeKey' }, url('/'))).toBe('DescribeKey');
  });

  it('takes the Action of the query or of a form body (Query protocols)', () => {
    expect(actionOf('GET', {}, url('/?Action=DescribeDBInstances&Version=2014-10-31'))).toBe('DescribeDBInstances');
    const form = { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
    expect(actionOf('POST', form, url('/'), 'Action=CopyDBSnapshot&Version=2014-10-31')).toBe('CopyDBSnapshot');
  });

  it('names a REST call by its method and path', () => {
    expect(actionOf('GET', {}, url('/clusters/prod?x=1'))).toBe('GET /clusters/prod');
  });
});

describe('callers', () => {
  it('round-trips a label through the User-Agent token, among other tokens', () => {
    const label = 'apply-dr: terraform apply dr-usw2';
    const ua = `APN/1.0 HashiCorp/1.0 Terraform/1.11.4 ${callerToken(label)} aws-sdk-go-v2/1.36.3`;
    expect(callerOf({ 'user-agent': ua })).toBe(label);
    expect(callerOf({ 'x-amz-user-agent': `aws-sdk-js/3 ${callerToken('failover')}` })).toBe('failover');
    expect(callerOf({ 'user-agent': 'aws-cli/2' })).toBeUndefined();
  });
});

describe('presignedScopes', () => {
  it("finds the region of a cross-region copy's presigned source in a form body", () => {
    const presigned = `https://rds.us-east-1.amazonaws.com/?Action=CopyDBSnapshot&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent('test/20261207/us-east-1/rds/aws4_request')}&X-Amz-Signature=00`;
    const body = new URLSearchParams({ Action: 'CopyDBSnapshot', PreSignedUrl: presigned, TargetDBSnapshotIdentifier: 'x' }).toString();
    expect(presignedScopes(body)).toEqual([expect.objectContaining({ region: 'us-east-1', service: 'rds' })]);
    expect(presignedScopes('Action=ListQueues&QueueNamePrefix=https%3A%2F%2Fexample')).toEqual([]);
  });
});
