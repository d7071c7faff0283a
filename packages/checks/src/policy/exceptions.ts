/**
 * Policy exceptions: declared in the definition (the whole fleet) or a manifest (one
 * environment), each with a rule, the addresses it covers, a reason and an expiry date. An
 * exception for an unknown rule or past its expiry is itself an error (and waives nothing); one
 * that matches nothing is a warning, so stale exceptions get removed.
 */
import type { PolicyException, Workspace } from '@parity/model';
import type { Finding } from '../findings.js';
import type { Violation } from './types.js';

/** An exception as declared, with where it was declared and what it covers. */
export interface DeclaredException extends PolicyException {
  /** `fleet` (the definition) or the environment whose manifest declares it. */
  readonly scope: string;
  readonly file: string;
  readonly path: string;
  readonly line?: number;
  /** Whether it waives anything: a known rule, not expired. */
  readonly valid: boolean;
  /** The findings it waived, as `<env> <address>`. */
  readonly waived: string[];
}

/** Every exception of the workspace, checked against the known rule IDs and today's date. */
export function declaredExceptions(
  ws: Workspace,
  ruleIds: readonly string[],
  now: Date,
): { exceptions: DeclaredException[]; findings: Finding[] } {
  const today = now.toISOString().slice(0, 10);
  const exceptions: DeclaredException[] = [];
  const findings: Finding[] = [];
  const add = (
    list: readonly PolicyException[],
    scope: string,
    file: string,
    base: string[],
    lineOf: (p: ReadonlyArray<string | number>) => number | undefined,
  ) => {
    list.forEach((x, i) => {
      const at = (field?: string) => {
        const path = [...base, i, ...(field ? [field] : [])];
        return { file, path: path.join('.'), line: lineOf(path) };
      };
      let valid = true;
      if (!ruleIds.includes(x.rule)) {
        valid = false;
        findings.push({
          check: 'policy',
          kind: 'exception-invalid',
          severity: 'error',
          ...(scope === 'fleet' ? {} : { env: scope }),
          ...at('rule'),
          value: x.rule,
          message: `no policy rule ${x.rule}`,
          allowed: ruleIds.join(', '),
          fix: 'name a rule pnpm check lists',
        });
      }
      if (x.expires < today) {
        valid = false;
        findings.push({
          check: 'policy',
          kind: 'exception-expired',
          severity: 'error',
          ...(scope === 'fleet' ? {} : { env: scope }),
          ...at('expires'),
          value: x.expires,
          message: `the exception to ${x.rule} for ${x.addresses.join(', ')} expired on ${x.expires} (today is ${today}); it no longer waives anything`,
          allowed: `a date from ${today} on`,
          fix: 'fix what the rule reports and remove the exception, or renew it with a later date if its reason still holds',
        });
      }
      exceptions.push({ ...x, scope, ...at(), valid, waived: [] });
    });
  };
  if (ws.definition)
    add(ws.definition.data.guardrails.exceptions, 'fleet', ws.definition.file, ['guardrails', 'exceptions'], ws.definition.lineOf);
  for (const [name, src] of ws.manifests)
    add(src.data.guardrails?.exceptions ?? [], name, src.file, ['guardrails', 'exceptions'], src.lineOf);
  return { exceptions, findings };
}

/** `*` matches any run of characters; everything else literally. */
function glob(pattern: string): RegExp {
  return new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
      .join('.*')}$`,
  );
}

/** The valid exception that waives a violation of `rule` in `env`, if any (and records the waiver). */
export function waiverFor(
  exceptions: readonly DeclaredException[],
  rule: string,
  env: string,
  v: Violation,
): DeclaredException | undefined {
  const hit = exceptions.find(
    (x) =>
      x.valid &&
      x.rule === rule &&
      (x.scope === 'fleet' || x.scope === env) &&
      x.addresses.some((a) => glob(a).test(v.address) || (v.construct !== undefined && glob(a).test(v.construct))),
  );
  hit?.waived.push(`${env} ${v.address}`);
  return hit;
}

/** Valid exceptions that waived nothing: warnings, so that stale ones are removed. */
export function unusedExceptions(exceptions: readonly DeclaredException[]): Finding[] {
  return exceptions
    .filter((x) => x.valid && x.waived.length === 0)
    .map((x) => ({
      check: 'policy' as const,
      kind: 'exception-unused' as const,
      severity: 'warning' as const,
      ...(x.scope === 'fleet' ? {} : { env: x.scope }),
      file: x.file,
      path: `${x.path}.addresses`,
      line: x.line,
      value: x.addresses,
      message: `the exception to ${x.rule} matches no finding`,
      fix: 'remove it, or correct its addresses',
    }));
}
