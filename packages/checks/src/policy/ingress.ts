/**
 * PAR-SEC-002: nothing reachable from the whole internet. Every ingress that admits `0.0.0.0/0` or
 * `::/0` (any `/0`) is a violation, whatever its port; the finding names the Checkov check of its
 * port: all traffic CKV_AWS_277, SSH (22) CKV_AWS_24, RDP (3389) CKV_AWS_25, HTTP (80) CKV_AWS_260.
 */
import type { Block, TfResource } from '@parity/model/terraform';
import { block, isTrue, listOf, numberOf, on, type StackContext, type Violation } from './types.js';

/** Whether a CIDR admits every address (`0.0.0.0/0`, `::/0`, `0000:…:0000/0`: any prefix length 0). */
export const isOpenCidr = (v: unknown): v is string => typeof v === 'string' && /\/0$/.test(v.trim());

/** The ports Checkov checks one by one on AWS security groups, in Checkov's order. */
const AWS_PORTS: ReadonlyArray<{ readonly port: number; readonly service: string; readonly checkov: string }> = [
  { port: 22, service: 'SSH', checkov: 'CKV_AWS_24' },
  { port: 3389, service: 'RDP', checkov: 'CKV_AWS_25' },
  { port: 80, service: 'HTTP', checkov: 'CKV_AWS_260' },
];
/** Checkov's check of every port (protocol -1, or port -1). */
const AWS_ALL_TRAFFIC = 'CKV_AWS_277';

/** What one ingress admits: every port, or a range; from where (the open CIDRs, or no source named at all). */
interface Opening {
  readonly all: boolean;
  readonly from: number;
  readonly to: number;
  /** The open CIDRs; empty when the ingress names no source. */
  readonly cidrs: readonly string[];
}

/**
 * An AWS ingress (a security group's `ingress` block, an `aws_security_group_rule` of type ingress, an
 * `aws_vpc_security_group_ingress_rule`) that admits the internet: from an open CIDR, or naming no
 * source at all (no CIDR, prefix list, security group or self), which Checkov reads as open to all.
 */
function awsOpening(b: Block): Opening | undefined {
  const cidrs = [...listOf(b.cidr_blocks), ...listOf(b.ipv6_cidr_blocks), ...listOf(b.cidr_ipv4), ...listOf(b.cidr_ipv6)];
  const other =
    listOf(b.prefix_list_ids).length > 0 ||
    listOf(b.security_groups).length > 0 ||
    [b.prefix_list_id, b.source_security_group_id, b.referenced_security_group_id].some((v) => typeof v === 'string' && v !== '') ||
    isTrue(b.self);
  const open = cidrs.filter(isOpenCidr);
  if (open.length === 0 && (cidrs.length > 0 || other)) return undefined;
  const protocol = String(b.protocol ?? b.ip_protocol ?? '');
  const from = numberOf(b.from_port);
  const to = numberOf(b.to_port);
  // Protocol -1 is every protocol and port; -1 or an unset (or computed) port is every port.
  const all = protocol === '-1' || protocol === 'all' || from === undefined || to === undefined || from === -1 || to === -1;
  // 0 to 0 is read as every port, as Checkov reads it.
  return { all, from: from ?? 0, to: from === 0 && to === 0 ? 65535 : (to ?? 65535), cidrs: open };
}

/** The violation of one opening: tagged with the Checkov check of its port, naming the others it includes. */
function openingViolation(r: TfResource, o: Opening, fix: string): Violation {
  const ports = o.all ? 'every port' : o.from === o.to ? `port ${o.from}` : `ports ${o.from}-${o.to}`;
  const source = o.cidrs.length ? `from ${o.cidrs.join(' and ')}` : 'naming no source (no CIDR, prefix list, security group or self)';
  const named = AWS_PORTS.filter((p) => o.all || (o.from <= p.port && p.port <= o.to));
  const checkov = o.all ? AWS_ALL_TRAFFIC : named[0]?.checkov;
  // A range that holds a port Checkov checks is one finding, tagged with the first; it names the others.
  const also = named.map((p) => p.checkov).filter((id) => id !== checkov);
  const among =
    named.length && (o.all || o.from !== o.to)
      ? ` (${named.map((p) => `${p.service} ${p.port}`).join(', ')} among them${also.length ? `; also ${also.join(', ')}` : ''})`
      : '';
  return on(r, { message: `allows ingress on ${ports} ${source}${among}`, fix, ...(checkov ? { checkov } : {}) });
}

/** PAR-SEC-002: a violation per ingress open to the internet. */
export function openIngress(ctx: StackContext): Violation[] {
  const out: Violation[] = [];
  const judge = (r: TfResource, b: Block, fix: string) => {
    const o = awsOpening(b);
    if (o) out.push(openingViolation(r, o, fix));
  };
  for (const r of ctx.doc.resources('aws_vpc_security_group_ingress_rule'))
    judge(r, r.body, "set cidr_ipv4 to the VPC's range, or reference a security group (referenced_security_group_id) or a prefix list");
  for (const r of ctx.doc.resources('aws_security_group_rule'))
    if (r.body.type === 'ingress')
      judge(r, r.body, 'narrow cidr_blocks to known ranges, or use source_security_group_id or prefix_list_ids');
  for (const r of ctx.doc.resources('aws_security_group'))
    for (const i of listOf(r.body.ingress))
      judge(r, block(i) ?? {}, "narrow the ingress block's cidr_blocks to known ranges, or name security_groups");
  for (const r of ctx.doc.resources('google_compute_firewall')) {
    if ((r.body.direction ?? 'INGRESS') !== 'INGRESS') continue;
    const cidrs = listOf(r.body.source_ranges).filter(isOpenCidr);
    if (cidrs.length)
      out.push(
        on(r, {
          message: `allows ingress from ${cidrs.join(' and ')}`,
          fix: 'narrow source_ranges to known ranges (or use source_tags / source_service_accounts)',
        }),
      );
  }
  return out;
}
