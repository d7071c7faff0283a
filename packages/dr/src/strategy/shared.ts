/**
 * What every strategy's failback writes the same way: the history line of the reprotect step and
 * of the step that restores the original roles.
 */
import type { Pair } from '../pair.js';

/** The history line of reprotect: the primary region is back and becomes the DR of the dr environment. */
export function reprotectWhat(p: Pair): string {
  return `reprotect — ${p.primary.region} back; ${p.primary.name} becomes the DR of ${p.dr.name}`;
}

/** The end of a failback: the original roles. */
export function rolesWhat(p: Pair): string {
  return `original roles: ${p.dr.name} recovers ${p.primary.name} again; failback done`;
}
