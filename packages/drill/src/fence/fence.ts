/**
 * A region fence: a small HTTP proxy on loopback between every client of a drill (Terraform's
 * provider, the SDK clients of the failover, the runbook's commands) and the emulator. Until a
 * region is lost it forwards everything untouched: every method, the body streamed, the headers
 * as the client sent them (Host included), so a SigV4 signature still verifies. After
 * `fence(region)`, every request signed for that region (its credential scope, in the
 * Authorization header or a presigned URL) is refused as in an outage and recorded with its
 * service, action and caller; so is a request to a surviving region that carries a URL presigned
 * for a lost one (the SDK presigns a cross-region CopyDBSnapshot's source: on AWS the surviving
 * region would call the lost one with it). A request that is not SigV4-signed names no region: it
 * is refused and recorded whatever is lost (none is expected).
 *
 * What it cannot see: moto serves every region from one process, so a cross-region read that a
 * request names only by ARN (a snapshot copy's source, a KMS replica's primary, a read replica's
 * source) happens inside the emulator once the request signed for the surviving region is let
 * through. The fence proves that no client calls the lost region, not that the emulator's own
 * cross-region reads would fail, as they would on AWS: say so in the report. Nor does a global
 * service's signature name its control plane's region on the emulator (an IAM client with a custom
 * endpoint signs for its own region): `controlPlanes` makes such requests fail with that region.
 *
 * Why a 503 by default: both refusals are retried by both SDKs as transient (aws-sdk-go-v2 under
 * Terraform's provider: status 500/502/503/504 and "connection reset"; the JS SDK v3: the same
 * statuses and ECONNRESET), so neither makes a client give up sooner: Terraform with the drill's
 * `max_retries = 10` gives up after about 80-100 s either way, an SDK client with `maxAttempts: 2`
 * within a tenth of a second. The 503 carries the service's error shape and a message naming the
 * lost region, which Terraform and the SDK print as the error: a reset prints only "connection
 * reset by peer". A drill fails fast by listening (`onRefused`) and aborting the step that made
 * the request, naming its caller, instead of waiting out the client's retries.
 *
 * One port serves every service, as moto does: Terraform's provider and the SDK take one endpoint
 * per service, and every service's endpoint is this URL. Callers mark themselves either with an
 * endpoint of their own (`endpoint(caller)`: a port per caller) or a User-Agent token
 * (`callerToken`), which wins when both are present.
 */
import { appendFileSync } from 'node:fs';
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ACTION_BODY_LIMIT, actionOf, type CredentialScope, callerOf, credentialScope, presignedScopes } from './request.js';

/**
 * How a fenced request is refused.
 * - `reset`: the connection is reset (TCP RST) before any answer, as an endpoint that went away.
 * - `unavailable`: HTTP 503 with the service's own error shape (`ServiceUnavailable`), then the connection closed.
 */
export type Refusal = 'reset' | 'unavailable';

/** Why the fence refused a request. */
export type RefusalReason =
  /** signed for a lost region */
  | 'region-lost'
  /** signed for a surviving region, carrying a URL presigned for a lost one (a cross-region copy's source) */
  | 'presigned-for-lost-region'
  /** a global service whose control plane is in a lost region (`controlPlanes`), whatever region it is signed for */
  | 'control-plane-lost'
  /** not SigV4-signed: it names no region */
  | 'unsigned';

/** One request the fence refused. */
export interface RefusedRequest {
  /** When it arrived (ISO 8601). */
  readonly at: string;
  readonly reason: RefusalReason;
  /** The region it is signed for; undefined when unsigned. */
  readonly region?: string;
  /** The service of its credential scope (`sqs`, `kms`, `s3`, `rds`, …); undefined when unsigned. */
  readonly service?: string;
  /** `X-Amz-Target`'s operation, the `Action` parameter, or `<METHOD> <path>` for a REST API. */
  readonly action: string;
  /** Who made it: its User-Agent's `parity-caller/…` token, else the label of the endpoint it came to. */
  readonly caller: string;
  readonly method: string;
  /** The path without the query (a presigned URL's signature is not kept). */
  readonly path: string;
}

export interface FenceOptions {
  /** The emulator's URL (`http://127.0.0.1:<port>`). */
  readonly upstream: string;
  /** @default 'unavailable' (see above: the same retries as a reset, and an error that names the lost region) */
  readonly refusal?: Refusal;
  /** Each refused request is appended to this file as a JSON line, as it happens. @default - not written */
  readonly log?: string;
  /**
   * Global services whose control plane lives in one region (signing service name → region): a request to one
   * of them is refused when that region is lost, whatever region it is signed for. On the emulator these
   * services are signed for the client's own region (a custom endpoint), so only this shows that a failover
   * calls IAM's control plane in a lost us-east-1. Pass `AWS_GLOBAL_CONTROL_PLANES`. @default - none
   */
  readonly controlPlanes?: Readonly<Record<string, string>>;
  /** The caller named for requests to `url` that carry no caller token. @default 'unnamed' */
  readonly defaultCaller?: string;
  readonly now?: () => Date;
}

export interface Fence {
  /** The endpoint of the default caller: give it to every service of every client. */
  readonly url: string;
  /** The regions lost so far, in the order they were fenced. */
  readonly lost: readonly string[];
  /** Every refused request, in order. */
  readonly refused: readonly RefusedRequest[];
  /** Requests let through, per region (`unsigned` never is). */
  readonly forwarded: Readonly<Record<string, number>>;
  /** An endpoint of its own for `caller` (a port of its own; the same URL for the same caller). */
  endpoint(caller: string): Promise<string>;
  /** Lose `region`: from now on every request signed for it is refused. Returns when. */
  fence(region: string): Date;
  /** The region is back (a failback): its requests are forwarded again. */
  lift(region: string): void;
  /** Hear each refusal as it happens (a drill step aborts at once, naming the caller). Returns the unsubscribe. */
  onRefused(listener: (r: RefusedRequest) => void): () => void;
  /** Stop listening, close every connection. */
  close(): Promise<void>;
}

/**
 * Where the control planes of AWS's global services live in the aws partition (AWS whitepaper "AWS Fault
 * Isolation Boundaries", Global services and Appendix A/B): IAM, Organizations, Route 53 and CloudFront in
 * us-east-1, Global Accelerator in us-west-2. Their data planes (authentication, DNS answers) are everywhere.
 */
export const AWS_GLOBAL_CONTROL_PLANES: Readonly<Record<string, string>> = {
  iam: 'us-east-1',
  organizations: 'us-east-1',
  route53: 'us-east-1',
  cloudfront: 'us-east-1',
  globalaccelerator: 'us-west-2',
};

/** One listener of the fence: the default or a caller's own. */
interface Listener {
  readonly server: Server;
  readonly url: string;
}

/** The fence's state: what is lost, what was refused and let through. */
interface State {
  readonly upstream: URL;
  readonly agent: Agent;
  readonly refusal: Refusal;
  readonly now: () => Date;
  readonly lost: string[];
  readonly forwarded: Record<string, number>;
  readonly controlPlanes: Readonly<Record<string, string>>;
  record(r: RefusedRequest): void;
}

/** A form body a presigned URL may hide in: read whole before it is forwarded, after a loss. */
const FORM_LIMIT = 1024 * 1024;

/** Start a fence in front of `upstream` on a free loopback port. */
export async function startFence(opts: FenceOptions): Promise<Fence> {
  const refused: RefusedRequest[] = [];
  const listeners = new Set<(r: RefusedRequest) => void>();
  const servers = new Map<string, Promise<Listener>>();
  const state: State = {
    upstream: new URL(opts.upstream),
    agent: new Agent({ keepAlive: true }),
    refusal: opts.refusal ?? 'unavailable',
    now: opts.now ?? (() => new Date()),
    lost: [],
    forwarded: {},
    controlPlanes: opts.controlPlanes ?? {},
    record(r) {
      refused.push(r);
      if (opts.log) appendFileSync(opts.log, `${JSON.stringify(r)}\n`);
      for (const l of listeners) l(r);
    },
  };
  const listen = (label: string): Promise<Listener> => {
    let l = servers.get(label);
    if (!l) {
      l = serve((req, res) => handle(state, label, req, res));
      servers.set(label, l);
    }
    return l;
  };
  const main = await listen(opts.defaultCaller ?? 'unnamed');
  return {
    url: main.url,
    get lost() {
      return [...state.lost];
    },
    get refused() {
      return [...refused];
    },
    get forwarded() {
      return { ...state.forwarded };
    },
    endpoint: async (caller) => (await listen(caller)).url,
    fence(region) {
      if (!state.lost.includes(region)) state.lost.push(region);
      return state.now();
    },
    lift(region) {
      const i = state.lost.indexOf(region);
      if (i >= 0) state.lost.splice(i, 1);
    },
    onRefused(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async close() {
      const all = await Promise.all(servers.values());
      await Promise.all(all.map((s) => closeServer(s.server)));
      state.agent.destroy();
    },
  };
}

/**
 * One request: refused when unsigned or signed for a lost region; after a loss, a small form body
 * is read first, and refused when it carries a URL presigned for a lost region (on AWS the
 * surviving region's service would call the lost one with it); else forwarded as it came.
 */
function handle(state: State, label: string, req: IncomingMessage, res: ServerResponse): void {
  const at = state.now().toISOString();
  const url = new URL(req.url ?? '/', 'http://fence.invalid');
  const scope = credentialScope(req.headers, url);
  const refuseWith = (reason: RefusalReason, body: Buffer, through?: CredentialScope) => {
    const s = through ?? scope;
    const r: RefusedRequest = {
      at,
      reason,
      ...(s ? { region: s.region, service: s.service } : {}),
      action: actionOf(req.method ?? 'GET', req.headers, url, body.toString('utf8')),
      caller: callerOf(req.headers) ?? label,
      method: req.method ?? 'GET',
      path: url.pathname,
    };
    state.record(r);
    refuse(req, res, state.refusal, r);
  };
  if (!scope || state.lost.includes(scope.region)) {
    void readBody(req, ACTION_BODY_LIMIT).then((body) => refuseWith(scope ? 'region-lost' : 'unsigned', body));
    return;
  }
  const home = state.controlPlanes[scope.service];
  if (home && state.lost.includes(home)) {
    void readBody(req, ACTION_BODY_LIMIT).then((body) => refuseWith('control-plane-lost', body, { ...scope, region: home }));
    return;
  }
  const pass = (body?: Buffer) => {
    state.forwarded[scope.region] = (state.forwarded[scope.region] ?? 0) + 1;
    forward(req, res, state, body);
  };
  if (state.lost.length === 0 || !smallForm(req)) {
    pass();
    return;
  }
  void readBody(req, FORM_LIMIT).then((body) => {
    const through = presignedScopes(body.toString('utf8')).find((p) => state.lost.includes(p.region));
    if (through) refuseWith('presigned-for-lost-region', body, through);
    else pass(body);
  });
}

/** A Query-protocol form body of a known, small length. */
function smallForm(req: IncomingMessage): boolean {
  const length = Number(req.headers['content-length']);
  return /application\/x-www-form-urlencoded/i.test(String(req.headers['content-type'] ?? '')) && length > 0 && length <= FORM_LIMIT;
}

/** A server on a free loopback port. */
function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Listener> {
  return new Promise((resolve, reject) => {
    const server = createServer(handler);
    // a client's request may be large (S3 uploads) and slow; the fence never times a request out itself
    server.requestTimeout = 0;
    server.headersTimeout = 60_000;
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ server, url: `http://127.0.0.1:${port}` });
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Pass the request to the emulator as it came, and its answer back as it comes. */
function forward(req: IncomingMessage, res: ServerResponse, state: State, body?: Buffer): void {
  const out = request(
    {
      host: state.upstream.hostname,
      port: state.upstream.port,
      method: req.method,
      path: req.url,
      // the client's own headers, in order and case, Host included: what the signature covers
      headers: req.rawHeaders,
      agent: state.agent,
    },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, answer.rawHeaders);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    },
  );
  out.on('error', (e) => {
    if (res.headersSent) res.destroy();
    else
      res
        .writeHead(502, { 'content-type': 'text/plain', connection: 'close' })
        .end(`the fence could not reach the emulator: ${e.message}\n`);
  });
  req.on('error', () => out.destroy());
  res.on('close', () => {
    if (!res.writableFinished) out.destroy();
  });
  if (body) out.end(body);
  else req.pipe(out);
}

/** Read at most `limit` bytes of a body (the rest is discarded). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks));
    };
    req.on('data', (d: Buffer) => {
      if (size < limit) chunks.push(d.subarray(0, limit - size));
      size += d.length;
      if (size >= limit) finish();
    });
    req.on('end', finish);
    req.on('error', finish);
    req.on('close', finish);
  });
}

/** Refuse as an outage: a reset connection, or a 503 in the service's error shape. */
function refuse(req: IncomingMessage, res: ServerResponse, refusal: Refusal, r: RefusedRequest): void {
  if (refusal === 'reset') {
    req.socket.resetAndDestroy();
    return;
  }
  const message = r.region ? `${r.region} is unavailable (lost in a drill)` : 'unsigned request refused by the drill fence';
  const json = req.headers['x-amz-target'] !== undefined || /json/.test(String(req.headers['content-type'] ?? ''));
  const body = json
    ? JSON.stringify({ __type: 'ServiceUnavailableException', message })
    : `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>${message}</Message></Error><RequestId>parity-fence</RequestId></ErrorResponse>\n`;
  res.writeHead(503, {
    'content-type': json ? 'application/x-amz-json-1.0' : 'text/xml',
    'x-amzn-errortype': 'ServiceUnavailableException',
    'x-amzn-requestid': 'parity-fence',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  res.end(body);
}
