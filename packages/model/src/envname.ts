/**
 * The environment name grammar:
 *
 *     <role>[-<cloud>][-<region>][-<label>]
 *
 * - role:   `staging` (or `stg`), `prod` (or `production`), `dr`
 * - cloud:  `aws` or `gcp`; absent means the definition's default cloud
 * - region: the region's short code in that cloud: us-west-2 → `usw2`, ap-southeast-1 → `apse1`,
 *           europe-west1 → `euw1`, us-central1 → `usc1`; absent means the default region
 * - label:  optional letters to tell apart two environments of one role and region (`blue`)
 *
 * The whole name is 2-24 characters of `a-z`, `0-9` and `-`.
 * Examples: `staging`, `prod-use1`, `prod-euw1`, `dr-usw2`, `prod-gcp-euw1`, `dr-gcp-euw4`.
 */
import type { Cloud } from './catalog.js';
import { foreignCharacter } from './names.js';

/** The roles an environment's name gives it (and `pnpm gen env` stamps). */
export type NamedRole = 'staging' | 'production' | 'dr';

/**
 * Every role an environment has: a named one, or `preview`, an ephemeral environment `pnpm preview`
 * derives from a base environment (preview.ts), never written in a manifest.
 */
export type Role = NamedRole | 'preview';

const ROLES: Record<string, NamedRole> = { staging: 'staging', stg: 'staging', prod: 'production', production: 'production', dr: 'dr' };

export interface ParsedName {
  readonly role: NamedRole;
  readonly cloud?: Cloud;
  /** Region short code as written, not yet looked up. */
  readonly regionShort?: string;
  readonly label?: string;
}

export const NAME_PATTERN = /^[a-z][a-z0-9-]{0,22}[a-z0-9]$/;
export const NAME_GRAMMAR = '<role>[-<cloud>][-<region>][-<label>], e.g. staging, prod-use1, dr-usw2, prod-gcp-euw1';

/** Parse an environment name; returns a reason when it does not fit the grammar. */
export function parseEnvName(name: string): { parsed?: ParsedName; reason?: string } {
  const foreign = foreignCharacter(name);
  if (foreign) {
    return {
      reason: `character ${foreign.position} is ${foreign.codePoint} ${foreign.description}, not ASCII: an environment name is a-z, 0-9 and -`,
    };
  }
  if (!NAME_PATTERN.test(name) || name.includes('--')) {
    return { reason: 'an environment name is 2-24 characters of a-z, 0-9 and single hyphens, starting with a letter' };
  }
  const tokens = name.split('-');
  // Own keys only: `constructor` or `toString` are no role.
  const role = Object.hasOwn(ROLES, tokens[0]!) ? ROLES[tokens[0]!] : undefined;
  if (!role) return { reason: `it must start with a role: ${Object.keys(ROLES).join(', ')}` };
  let i = 1;
  let cloud: Cloud | undefined;
  if (tokens[i] === 'aws' || tokens[i] === 'gcp') cloud = tokens[i++] as Cloud;
  let regionShort: string | undefined;
  if (tokens[i] !== undefined && /^[a-z]+\d+$/.test(tokens[i]!)) regionShort = tokens[i++];
  let label: string | undefined;
  if (tokens[i] !== undefined && /^[a-z]+$/.test(tokens[i]!)) label = tokens[i++];
  if (i < tokens.length) {
    return { reason: `"${tokens.slice(i).join('-')}" is not a cloud, a region short code or a label` };
  }
  return { parsed: { role, cloud, regionShort, label } };
}
