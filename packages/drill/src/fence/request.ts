/**
 * What the fence reads from one AWS request without changing it: the region and service it is
 * signed for (the SigV4 credential scope, in the Authorization header or a presigned URL's
 * `X-Amz-Credential`), the API action it calls, and the caller that marked itself. Pure functions.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** The credential scope of a SigV4 signature: `<key-id>/<yyyymmdd>/<region>/<service>/aws4_request`. */
export interface CredentialScope {
  readonly keyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
}

const SCOPE = /^([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request$/;

function parseScope(credential: string | undefined): CredentialScope | undefined {
  const m = credential ? SCOPE.exec(credential.trim()) : null;
  return m ? { keyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]! } : undefined;
}

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * The region and service a request is signed for: the `Credential=` of an
 * `Authorization: AWS4-HMAC-SHA256 …` header, else the `X-Amz-Credential` query parameter of a
 * presigned URL. Undefined for an unsigned request (or one signed otherwise: SigV2, SigV4a).
 */
export function credentialScope(headers: IncomingHttpHeaders, url: URL): CredentialScope | undefined {
  const auth = header(headers, 'authorization');
  if (auth?.startsWith('AWS4-HMAC-SHA256 ')) return parseScope(/Credential=([^,\s]+)/.exec(auth)?.[1]);
  const algorithm = url.searchParams.get('X-Amz-Algorithm');
  if (algorithm === null || algorithm === 'AWS4-HMAC-SHA256') return parseScope(url.searchParams.get('X-Amz-Credential') ?? undefined);
  return undefined;
}

/** The most of a refused request's body the fence reads to find its `Action` (a Query-protocol form). */
export const ACTION_BODY_LIMIT = 64 * 1024;

/**
 * The API action a request calls: the operation of `X-Amz-Target` (JSON protocols: SQS, KMS,
 * …), the `Action` parameter of the query or of a form body (Query protocols: RDS, IAM, STS, …),
 * else the REST method and path (S3, EKS, Backup, Lambda: their operation is the route).
 */
export function actionOf(method: string, headers: IncomingHttpHeaders, url: URL, body?: string): string {
  const target = header(headers, 'x-amz-target');
  if (target) return target.slice(target.lastIndexOf('.') + 1) || target;
  const inQuery = url.searchParams.get('Action');
  if (inQuery) return inQuery;
  if (body && /application\/x-www-form-urlencoded/i.test(header(headers, 'content-type') ?? '')) {
    const inForm = new URLSearchParams(body).get('Action');
    if (inForm) return inForm;
  }
  return `${method} ${url.pathname}`;
}

/**
 * The regions of the presigned URLs a Query-protocol form body carries (`PreSignedUrl=` of a
 * cross-region CopyDBSnapshot or CreateDBInstanceReadReplica, which the SDK presigns for the
 * source region): on AWS the destination's service calls that URL in the source region.
 */
export function presignedScopes(body: string): CredentialScope[] {
  const out: CredentialScope[] = [];
  for (const [, value] of new URLSearchParams(body)) {
    if (!/^https?:\/\//.test(value) || !value.includes('X-Amz-Credential')) continue;
    try {
      const scope = credentialScope({}, new URL(value));
      if (scope) out.push(scope);
    } catch {
      // not a URL after all
    }
  }
  return out;
}

/** The User-Agent token by which a client names itself to the fence. */
const CALLER_TOKEN = 'parity-caller/';

/**
 * The User-Agent token naming a caller (`parity-caller/<label>`, the label percent-encoded): the
 * SDK's `customUserAgent`, Terraform's `TF_APPEND_USER_AGENT`, the CLI's `AWS_SDK_UA_APP_ID`.
 */
export function callerToken(label: string): string {
  return `${CALLER_TOKEN}${encodeURIComponent(label)}`;
}

/** The caller a request's User-Agent names (`callerToken`), if any. */
export function callerOf(headers: IncomingHttpHeaders): string | undefined {
  const ua = [header(headers, 'user-agent'), header(headers, 'x-amz-user-agent')].filter(Boolean).join(' ');
  const m = /parity-caller\/([^\s]+)/.exec(ua);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1]!);
  } catch {
    return m[1];
  }
}
