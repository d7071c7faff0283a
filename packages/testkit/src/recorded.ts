/**
 * Tests of the AWS API calls against recorded responses: an SDK request handler that answers
 * each operation with a stored HTTP body (RDS: query protocol, XML; AWS Backup: REST-JSON;
 * CloudWatch: JSON 1.0), and records every request it was sent, so a test can assert both what
 * was asked and what was made of the answer. Test support only (imported by *.test.ts).
 */
import { Readable } from 'node:stream';

/** The part of an SDK HTTP request the handler reads. */
interface HttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: unknown;
}

/** An SDK HTTP response (smithy checks its shape, not its class). */
interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Readable;
}

export interface RecordedAnswer {
  readonly status?: number;
  readonly body: string;
  readonly contentType?: string;
}

export interface Sent {
  readonly operation: string;
  readonly method: string;
  readonly path: string;
  readonly body: string;
}

/** The operation a request is for: `Action=` (query), `X-Amz-Target` (JSON), or method and path (REST). */
function operationOf(req: HttpRequest, body: string): string {
  const action = /(?:^|&)Action=([A-Za-z]+)/.exec(body)?.[1];
  if (action) return action;
  const target = req.headers['x-amz-target'] ?? req.headers['X-Amz-Target'];
  if (target) return target.split('.').pop()!;
  return `${req.method} ${req.path}`;
}

/** A request handler answering from `answers` by operation; an operation not recorded is a test failure. */
export function recordedHandler(answers: Record<string, RecordedAnswer>): {
  handler: { handle(req: HttpRequest): Promise<{ response: HttpResponse }> };
  sent: Sent[];
} {
  const sent: Sent[] = [];
  const handler = {
    async handle(req: HttpRequest) {
      const body = typeof req.body === 'string' ? req.body : req.body ? Buffer.from(req.body as Uint8Array).toString('utf8') : '';
      const operation = operationOf(req, body);
      sent.push({ operation, method: req.method, path: req.path, body });
      const a = answers[operation];
      if (!a) throw new Error(`no recorded answer for ${operation}`);
      const response: HttpResponse = {
        statusCode: a.status ?? 200,
        headers: { 'content-type': a.contentType ?? (a.body.startsWith('<') ? 'text/xml' : 'application/x-amz-json-1.0') },
        body: Readable.from([Buffer.from(a.body)]),
      };
      return { response };
    },
  };
  return { handler, sent };
}

/** Client settings for a recorded test: the handler, fixed credentials, no retries. */
export function recordedConfig(handler: ReturnType<typeof recordedHandler>['handler'], region = 'us-west-2') {
  return { region, requestHandler: handler, credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 };
}
