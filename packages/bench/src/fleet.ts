/**
 * Synthetic fleets: production environments, each with the dr environment that recovers it, in
 * four kinds of pair (AWS US, GCP EU, AWS EU, GCP US) taken in turn, so any size mixes both
 * clouds. An odd size adds one staging environment. Labels are letters only (the name grammar).
 */

export interface EnvSpec {
  readonly name: string;
  readonly cloud: 'aws' | 'gcp';
  readonly role: 'production' | 'dr' | 'staging';
  readonly recovers?: string;
}

/** prod and dr name prefixes; the label is appended. */
export const PAIR_KINDS = [
  { cloud: 'aws', prod: 'prod-use1', dr: 'dr-usw2', regions: 'us-east-1 → us-west-2' },
  { cloud: 'gcp', prod: 'prod-gcp-euw1', dr: 'dr-gcp-euw4', regions: 'europe-west1 → europe-west4' },
  { cloud: 'aws', prod: 'prod-euw1', dr: 'dr-euc1', regions: 'eu-west-1 → eu-central-1' },
  { cloud: 'gcp', prod: 'prod-gcp-usc1', dr: 'dr-gcp-use1', regions: 'us-central1 → us-east1' },
] as const;

/** 0 → a, 25 → z, 26 → aa, … */
export function label(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

/** The fleet of `size` environments, in an order that generates (a production one before its dr). */
export function fleet(size: number): EnvSpec[] {
  const out: EnvSpec[] = [];
  const pairs = Math.floor(size / 2);
  for (let i = 0; i < pairs; i++) {
    const kind = PAIR_KINDS[i % PAIR_KINDS.length]!;
    const l = label(Math.floor(i / PAIR_KINDS.length));
    const prod = `${kind.prod}-${l}`;
    out.push({ name: prod, cloud: kind.cloud, role: 'production' });
    out.push({ name: `${kind.dr}-${l}`, cloud: kind.cloud, role: 'dr', recovers: prod });
  }
  if (size % 2 === 1) out.push({ name: 'staging', cloud: 'aws', role: 'staging' });
  return out;
}
