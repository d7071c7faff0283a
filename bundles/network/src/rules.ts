/**
 * Address-plan limits the parameter schema cannot express. Resolution runs them (so `gen env`,
 * `synth` and `check` name the file and field); the deploy functions assert them again.
 */
import type { RuleProblem } from '@parity/model';
import type { NetworkParams } from './params.js';

/** The smallest subnet AWS allows is a /28. */
export const MIN_AWS_SUBNET_PREFIX = 28;

/** AWS: the VPC must hold `2 * azCount` subnets (private and public) of a usable size. */
export function awsAddressPlanProblems(p: Pick<NetworkParams, 'cidr' | 'azCount' | 'subnetNewBits'>): RuleProblem[] {
  const prefix = Number(p.cidr.split('/')[1]);
  const subnetPrefix = prefix + p.subnetNewBits;
  if (subnetPrefix > MIN_AWS_SUBNET_PREFIX) {
    return [
      {
        param: 'subnetNewBits',
        message: `cidr ${p.cidr} with subnetNewBits ${p.subnetNewBits} gives /${subnetPrefix} subnets; AWS subnets are at most /${MIN_AWS_SUBNET_PREFIX}`,
        allowed: `at most ${MIN_AWS_SUBNET_PREFIX - prefix}`,
        fix: 'use a larger cidr or fewer subnetNewBits',
      },
    ];
  }
  const needed = 2 * p.azCount;
  const available = 2 ** p.subnetNewBits;
  if (needed > available) {
    return [
      {
        param: 'azCount',
        message: `${p.azCount} zones need ${needed} subnets (private and public), but subnetNewBits ${p.subnetNewBits} splits ${p.cidr} into only ${available}`,
        allowed: `at most ${Math.floor(available / 2)} zones`,
        fix: 'raise subnetNewBits or lower azCount',
      },
    ];
  }
  return [];
}

interface Range {
  readonly param: 'cidr' | 'podsCidr' | 'servicesCidr';
  readonly cidr: string;
  readonly first: number;
  readonly last: number;
}

function parseRange(param: Range['param'], cidr: string): { range?: Range; problem?: RuleProblem } {
  const [ip, bitsText] = cidr.split('/');
  const octets = (ip ?? '').split('.').map(Number);
  const bits = Number(bitsText);
  if (
    octets.length !== 4 ||
    octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255) ||
    !Number.isInteger(bits) ||
    bits < 0 ||
    bits > 32
  ) {
    return { problem: { param, message: `${param} ${cidr} is not an IPv4 CIDR block`, fix: 'write a block such as 10.0.0.0/16' } };
  }
  const address = octets.reduce((a, o) => a * 256 + o, 0);
  const size = 2 ** (32 - bits);
  const first = Math.floor(address / size) * size;
  if (first !== address) {
    const canonical = [24, 16, 8, 0].map((s) => Math.floor(first / 2 ** s) % 256).join('.');
    return {
      problem: {
        param,
        message: `${param} ${cidr} has host bits set; GCP expects the network address`,
        allowed: `${canonical}/${bits}`,
        fix: `use ${canonical}/${bits}`,
      },
    };
  }
  return { range: { param, cidr, first, last: first + size - 1 } };
}

/** GCP: each range is a network address, and the primary, pods and services ranges are disjoint. */
export function gcpRangeProblems(p: Pick<NetworkParams, 'cidr' | 'podsCidr' | 'servicesCidr'>): RuleProblem[] {
  const parsed = [parseRange('cidr', p.cidr), parseRange('podsCidr', p.podsCidr), parseRange('servicesCidr', p.servicesCidr)];
  const problems = parsed.flatMap((x) => (x.problem ? [x.problem] : []));
  if (problems.length) return problems;
  const ranges = parsed.map((x) => x.range!);
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.first <= b.last && b.first <= a.last) {
        problems.push({
          param: b.param,
          message: `${a.param} ${a.cidr} overlaps ${b.param} ${b.cidr}; the subnetwork's primary and secondary ranges must be disjoint`,
          fix: `move ${b.param} outside ${a.cidr}`,
        });
      }
    }
  }
  return problems;
}
