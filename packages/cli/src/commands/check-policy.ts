/**
 * The policy section of `pnpm check`: findings grouped by rule (ID, severity, Checkov
 * equivalents, then each Terraform address with its problem and fix), then the exceptions in
 * force, so that reviewers see every waiver with its reason and expiry.
 */
import pc from 'picocolors';
import { formatIssue } from '@parity/model';
import type { CheckReport, Finding, RuleSummary } from '@parity/checks';

const esc = (s: string) => s.replaceAll('|', '\\|');

/** Findings per rule, of one kind: violations, or expected, time-bound states (a failover between its applies). */
function byRule(
  r: CheckReport,
  kind: 'policy-violation' | 'policy-expected' = 'policy-violation',
): Array<{ rule: RuleSummary; findings: Finding[] }> {
  return r.policy.rules
    .map((rule) => ({ rule, findings: r.findings.filter((f) => f.check === 'policy' && f.rule === rule.id && f.kind === kind) }))
    .filter((g) => g.findings.length > 0);
}

/** Policy findings that belong to no rule: exceptions that are invalid, expired or unused, transforms that fail. */
function other(r: CheckReport): Finding[] {
  return r.findings.filter((f) => f.check === 'policy' && !f.rule);
}

function ruleHead(rule: RuleSummary): string {
  return `${rule.id} ${rule.title} [${rule.severity}]${rule.checkov.length ? ` (Checkov ${rule.checkov.join(', ')})` : ''}`;
}

export function policyTerminal(r: CheckReport): string[] {
  const groups = byRule(r);
  const expected = byRule(r, 'policy-expected');
  const violations = groups.reduce((n, g) => n + g.findings.length, 0);
  const states = expected.reduce((n, g) => n + g.findings.length, 0);
  const inForce = r.policy.exceptions.filter((x) => x.valid);
  const out = [
    pc.bold('Policy') +
      pc.dim(
        `   (${r.policy.rules.length} rules over the synthesized Terraform; ${violations} violation${violations === 1 ? '' : 's'}, ${states ? `${states} expected during a failover, ` : ''}${inForce.length} exception${inForce.length === 1 ? '' : 's'} in force)`,
      ),
  ];
  if (r.policy.bootstrap.length)
    out.push(pc.dim(`  and the bootstrap (pnpm synth --bootstrap): ${r.policy.bootstrap.map((b) => b.stack).join(', ')}`));
  if (violations === 0 && other(r).length === 0)
    out.push(
      pc.green(`  ✔ every rule passes${r.policy.unjudged.length ? ` (not judged, no Terraform: ${r.policy.unjudged.join(', ')})` : ''}`),
    );
  for (const { rule, findings } of groups) {
    out.push(pc.red(`  ✘ ${ruleHead(rule)}`));
    for (const f of findings) {
      out.push(`    ${f.env} ${f.address}${f.checkov ? pc.dim(` (${f.checkov})`) : ''}`, `      ${f.message}`, `      fix: ${f.fix ?? ''}`);
    }
  }
  for (const { rule, findings } of expected) {
    out.push(pc.yellow(`  ⚠ ${ruleHead(rule)}: expected, for a time`));
    for (const f of findings) {
      out.push(
        `    ${f.env} ${f.address}${f.checkov ? pc.dim(` (${f.checkov})`) : ''}`,
        `      ${f.message}`,
        `      next: ${f.fix ?? ''}`,
      );
    }
  }
  for (const f of other(r))
    out.push(
      ...formatIssue(f)
        .replace(/^(error|warning): /, `$1${f.env ? ` [${f.env}]` : ''}: `)
        .split('\n')
        .map((l) => `  ${f.severity === 'error' ? pc.red(l) : pc.yellow(l)}`),
    );
  if (inForce.length) {
    out.push('', pc.bold('Exceptions in force'));
    for (const x of inForce) {
      out.push(
        `  ${x.rule} ${x.scope === 'fleet' ? 'fleet-wide' : x.scope} until ${x.expires}: ${x.addresses.join(', ')} ${pc.dim(`(${x.file}${x.line ? `:${x.line}` : ''}; waives ${x.waived.length})`)}`,
        `    reason: ${x.reason}`,
      );
    }
  }
  return out;
}

export function policyMarkdown(r: CheckReport): string[] {
  const groups = byRule(r);
  const out = ['#### Policy', ''];
  if (r.policy.bootstrap.length)
    out.push(
      `Over every environment and the bootstrap (\`pnpm synth --bootstrap\`): ${r.policy.bootstrap.map((b) => `\`${b.stack}\``).join(', ')}.`,
      '',
    );
  if (groups.length === 0 && other(r).length === 0) out.push(`✅ ${r.policy.rules.length} rules pass`);
  for (const { rule, findings } of groups) {
    out.push(`**❌ ${esc(ruleHead(rule))}**`, '', '| environment | address | problem | fix |', '|---|---|---|---|');
    for (const f of findings) out.push(`| ${f.env} | \`${esc(f.address ?? '')}\` | ${esc(f.message)} | ${esc(f.fix ?? '')} |`);
    out.push('');
  }
  for (const { rule, findings } of byRule(r, 'policy-expected')) {
    out.push(`**⚠️ ${esc(ruleHead(rule))}: expected, for a time**`, '', '| environment | address | state | next |', '|---|---|---|---|');
    for (const f of findings) out.push(`| ${f.env} | \`${esc(f.address ?? '')}\` | ${esc(f.message)} | ${esc(f.fix ?? '')} |`);
    out.push('');
  }
  for (const f of other(r))
    out.push(
      `- ${f.severity === 'error' ? '❌' : '⚠️'} \`${esc(f.file)}${f.line ? `:${f.line}` : ''}\` \`${esc(f.path)}\`: ${esc(f.message)} — ${esc(f.fix ?? '')}`,
    );
  const inForce = r.policy.exceptions.filter((x) => x.valid);
  if (inForce.length) {
    out.push(
      '',
      '<details><summary>Exceptions in force</summary>',
      '',
      '| rule | scope | addresses | reason | expires |',
      '|---|---|---|---|---|',
    );
    for (const x of inForce)
      out.push(`| ${x.rule} | ${x.scope} | ${x.addresses.map((a) => `\`${esc(a)}\``).join('<br>')} | ${esc(x.reason)} | ${x.expires} |`);
    out.push('', '</details>');
  }
  return out;
}
