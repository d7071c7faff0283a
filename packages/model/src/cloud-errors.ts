/**
 * The one mapper from cloud and network failures to refusals with a fix (issue 25 §2). It reads
 * what the AWS SDK (v3, smithy), Google's client libraries (google-gax: a gRPC status code and the
 * HTTP status), fetch (undici), Node's sockets and npm report, by shape only: the model imports no
 * SDK. Four classes:
 *
 * - credentials: none found, expired, or not valid (`aws sso login`, AWS_PROFILE, the role; for
 *   Google, `gcloud auth application-default login`);
 * - unreachable: connection refused, no such host, a timeout (the URL, and what to check);
 * - denied: the identity may not do the action on the resource (which role should have it);
 * - throttled: the service kept saying slow down, after retries with backoff.
 *
 * A caller outside any class gets the error back unchanged: it is a bug, for the top-level
 * handler to report as one. A command that calls a cloud wraps its work in one line:
 *
 *     await withCloudErrors({ service: 'AWS', endpoint, role: ciIdentity(dr, 'apply') }, () => failover(...));
 *
 * or maps one failure: `catch (e) { throw cloudError(e, call) }`. AWS SDK clients take
 * `AWS_RETRY` so that throttling is retried with backoff before it reaches the mapper.
 */
import {
  type CloudCall,
  cloudCredentials,
  gcpCredentials,
  cloudDenied,
  cloudThrottled,
  cloudUnreachable,
  type Issue,
  ParityError,
} from './errors.js';

/** The AWS SDK client settings for retries: adaptive mode backs off and rate-limits on throttling, five attempts in all. */
export const AWS_RETRY = { maxAttempts: 5, retryMode: 'adaptive' } as const;

export type CloudErrorClass = 'credentials' | 'unreachable' | 'denied' | 'throttled';

/** What the mapper reads off an error, whatever made it. */
interface Shape {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  readonly status?: number;
  readonly attempts?: number;
  readonly url?: string;
}

const CREDENTIALS = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'AuthFailure',
  'MissingAuthenticationToken',
  'ENEEDAUTH',
  'E401',
  'UNAUTHENTICATED',
]);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired', 'TokenRefreshRequired']);
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNABORTED',
  'ESOCKETTIMEDOUT',
  'EPROTO',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'TimeoutError',
  'RequestTimeout',
  'FETCH_ERROR',
  'UNAVAILABLE',
  'DEADLINE_EXCEEDED',
]);
const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'UnauthorizedAccess',
  'AuthorizationError',
  'AuthorizationErrorException',
  'Forbidden',
  'E403',
  'PERMISSION_DENIED',
]);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'ProvisionedThroughputExceededException',
  'BandwidthLimitExceeded',
  'PriorRequestNotComplete',
  'E429',
  'RESOURCE_EXHAUSTED',
]);
/** google-gax's numeric gRPC status codes that fall in a class, by their names. */
const GRPC: Readonly<Record<number, string>> = {
  4: 'DEADLINE_EXCEEDED',
  7: 'PERMISSION_DENIED',
  8: 'RESOURCE_EXHAUSTED',
  14: 'UNAVAILABLE',
  16: 'UNAUTHENTICATED',
};
/** google-auth-library when no Application Default Credentials are found. */
const NO_ADC = /could not load the default credentials|unable to detect a project id/i;

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v ? v : undefined;
}

/** The error that says most: a fetch failure's cause, the first of an AggregateError (IPv4 and IPv6 both refused). */
function innermost(e: unknown): unknown {
  let cur = e;
  for (let i = 0; i < 5; i++) {
    const o = cur as { cause?: unknown; errors?: unknown[]; code?: unknown } | undefined;
    if (!o || typeof o !== 'object') break;
    if (Array.isArray(o.errors) && o.errors.length > 0 && !str(o.code)) cur = o.errors[0];
    else if (o.cause && typeof o.cause === 'object' && !str(o.code)) cur = o.cause;
    else break;
  }
  return cur;
}

function shapeOf(e: unknown): Shape | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const outer = e as {
    name?: unknown;
    message?: unknown;
    Code?: unknown;
    code?: unknown;
    httpStatusCode?: unknown;
    $metadata?: { httpStatusCode?: number; attempts?: number };
  };
  const inner = innermost(e) as {
    name?: unknown;
    code?: unknown;
    Code?: unknown;
    message?: unknown;
    address?: unknown;
    port?: unknown;
    hostname?: unknown;
  };
  const name = str(outer.name) ?? 'Error';
  // an SDK service error names its class; a socket error carries its code
  // a GoogleError carries a numeric gRPC code and the HTTP status it came with
  const grpc = typeof outer.code === 'number' ? GRPC[outer.code] : undefined;
  const status = outer.$metadata?.httpStatusCode ?? (typeof outer.httpStatusCode === 'number' ? outer.httpStatusCode : undefined);
  const code =
    grpc ??
    str(inner.code) ??
    str(inner.Code) ??
    str(outer.Code) ??
    (name !== 'Error' && name !== 'TypeError' ? name : (str(inner.name) ?? name));
  const address = str(inner.hostname) ?? str(inner.address);
  const port = typeof inner.port === 'number' ? inner.port : undefined;
  return {
    name,
    code,
    message: (str(inner.message) ?? str(outer.message) ?? '').split('\n')[0]!,
    ...(status ? { status } : {}),
    ...(outer.$metadata?.attempts ? { attempts: outer.$metadata.attempts } : {}),
    ...(address ? { url: `${address}${port ? `:${port}` : ''}` } : {}),
  };
}

/** The class of a failure, if it is one of the four; undefined for anything else (a bug). */
export function classifyCloudError(e: unknown): CloudErrorClass | undefined {
  const s = shapeOf(e);
  if (!s) return undefined;
  const has = (set: ReadonlySet<string>) => set.has(s.code) || set.has(s.name);
  if (
    has(CREDENTIALS) ||
    has(EXPIRED) ||
    s.status === 401 ||
    NO_ADC.test(s.message) ||
    /security token included in the request is (expired|invalid)/i.test(s.message)
  )
    return 'credentials';
  if (has(THROTTLED) || s.status === 429 || /rate exceeded/i.test(s.message)) return 'throttled';
  if (has(DENIED) || s.status === 403) return 'denied';
  if (has(UNREACHABLE) || (s.status !== undefined && [502, 503, 504].includes(s.status))) return 'unreachable';
  return undefined;
}

/** "User: arn:… is not authorized to perform: rds:DescribeDBSnapshots on resource: arn:…" → its parts. */
function deniedParts(message: string): { principal?: string; action?: string; resource?: string } {
  const action = /perform:? ([\w-]+:[\w*-]+)/.exec(message)?.[1];
  const resource = /on resource:? (\S+?)[.,;]?(?:\s|$)/.exec(message)?.[1];
  const principal = /User:? (\S+?)[.,;]?\s+is not authorized/.exec(message)?.[1];
  return { ...(action ? { action } : {}), ...(resource ? { resource } : {}), ...(principal ? { principal } : {}) };
}

/** The refusal a cloud or network failure is, or undefined when it is none of the four classes. */
export function cloudRefusal(e: unknown, call: CloudCall): Issue | undefined {
  const kind = classifyCloudError(e);
  const s = shapeOf(e);
  if (!kind || !s) return undefined;
  const profile = call.profile ?? process.env.AWS_PROFILE;
  const withProfile: CloudCall = profile ? { ...call, profile } : call;
  switch (kind) {
    case 'credentials': {
      if (call.service.startsWith('Google')) return gcpCredentials(call, s.code, s.message || s.code);
      const expired = EXPIRED.has(s.code) || EXPIRED.has(s.name) || /expired/i.test(s.message);
      return cloudCredentials(withProfile, s.code, s.message || s.code, expired);
    }
    case 'unreachable':
      return cloudUnreachable(call, s.code, call.endpoint ?? s.url);
    case 'denied': {
      const p = deniedParts(s.message);
      return cloudDenied(call, s.code, p.action, p.resource, p.principal);
    }
    case 'throttled':
      return cloudThrottled(call, s.code, s.attempts);
  }
}

/** `e` as the ParityError it is when it is a cloud or network failure; otherwise `e` itself, unchanged. */
export function cloudError(e: unknown, call: CloudCall): unknown {
  if (e instanceof ParityError) return e;
  const i = cloudRefusal(e, call);
  return i ? new ParityError([i], i.message.split('\n')[0]) : e;
}

/** Run `fn`; a cloud or network failure it throws becomes its refusal. */
export async function withCloudErrors<T>(call: CloudCall, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw cloudError(e, call);
  }
}

export interface BackoffOptions {
  /** Attempts in all (default 5). */
  readonly attempts?: number;
  /** The first wait, in ms (default 500); each next one doubles, up to `maxMs`, with full jitter. */
  readonly baseMs?: number;
  readonly maxMs?: number;
  /** How to wait (tests pass a recorder). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Run `fn`, retrying while the service throttles it, with exponential backoff and full jitter (the
 * AWS SDK does this itself with `AWS_RETRY`; this is for calls made without it: fetch, npm). After
 * the last attempt the throttling is a `cloud-throttled` refusal naming how many attempts were made;
 * any other failure is mapped by `cloudError` at once.
 */
export async function retryThrottled<T>(call: CloudCall, fn: () => Promise<T>, opts: BackoffOptions = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (classifyCloudError(e) !== 'throttled' || attempt >= attempts) {
        const s = shapeOf(e);
        if (classifyCloudError(e) === 'throttled' && s)
          throw new ParityError([cloudThrottled(call, s.code, attempt)], `${call.service} kept throttling`);
        throw cloudError(e, call);
      }
      const cap = Math.min(opts.maxMs ?? 20_000, (opts.baseMs ?? 500) * 2 ** (attempt - 1));
      await sleep(Math.round(Math.random() * cap));
    }
  }
}
