import type { Issue, IssueKind } from '@parity/model';
import type { CheckovComparison } from './policy/types.js';

/** Which part of `pnpm check` a finding belongs to. */
export type CheckName = 'config' | 'parity' | 'regions' | 'residency' | 'dr' | 'policy';

export type FindingKind =
  | IssueKind
  | 'parity-mismatch'
  | 'bundle-missing'
  | 'major-version'
  | 'promotion-pending'
  | 'residency-unknown'
  | 'dr-missing'
  | 'dr-not-covered'
  | 'key-region'
  | 'rpo-breached'
  | 'rto-breached'
  | 'schedule-unknown'
  | 'dr-mechanism-missing'
  | 'replica-engine-mismatch'
  | 'standby-capacity'
  | 'policy-violation'
  | 'policy-expected'
  | 'exception-invalid'
  | 'exception-expired'
  | 'exception-unused'
  | 'runbook-stale'
  | 'preview-parity'
  | 'preview-protected'
  | 'preview-dr'
  | 'preview-expiry-tag'
  | 'preview-expired';

/** A problem (or a note) found by a check: an Issue with the check and environment it concerns. */
export interface Finding extends Omit<Issue, 'kind'> {
  readonly check: CheckName;
  readonly kind: FindingKind;
  readonly env?: string;
  /** Policy findings: the rule, its severity, the Terraform address and the Checkov equivalent. */
  readonly rule?: string;
  readonly ruleSeverity?: 'critical' | 'high' | 'medium' | 'low';
  readonly address?: string;
  readonly checkov?: string;
  /** How the rule compares with that Checkov check: equivalent, or stricter (never looser). */
  readonly checkovComparison?: CheckovComparison;
}

const CHECK_OF: Partial<Record<IssueKind, CheckName>> = {
  'not-overridable': 'parity',
  'unknown-region': 'regions',
  'opt-in-region': 'regions',
  'missing-service': 'regions',
  'missing-feature': 'regions',
  residency: 'residency',
  'state-in-failed-region': 'dr',
  recovers: 'dr',
  'preview-recovers': 'dr',
  'preview-production-data': 'parity',
  'cloud-mismatch': 'dr',
  transform: 'policy',
};

/** A resolution issue as a finding of the check it belongs to. */
export function fromIssue(i: Issue, env?: string): Finding {
  return { ...i, check: CHECK_OF[i.kind] ?? 'config', ...(env ? { env } : {}) };
}
