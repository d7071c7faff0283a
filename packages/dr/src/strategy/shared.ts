/**
 * What every strategy's failback writes the same way: the history line of the reprotect step and
 * of the step that restores the original roles, and the names a runbook's way back uses.
 */
import type { TerraformJson } from '@parity/model/terraform';
import { failbackCommand } from '../failback/procedure.js';
import { databaseOf, names } from '../names.js';
import type { Pair } from '../pair.js';

/** The history line of reprotect: the primary region is back and becomes the DR of the dr environment. */
export function reprotectWhat(p: Pair): string {
  return `reprotect — ${p.primary.region} back; ${p.primary.name} becomes the DR of ${p.dr.name}`;
}

/** The end of a failback: the original roles. */
export function rolesWhat(p: Pair): string {
  return `original roles: ${p.dr.name} recovers ${p.primary.name} again; failback done`;
}

/** What a runbook's way back names: the command of each step, both databases, the dr side's node groups, who acts. */
export function wayBackNames(p: Pair, primaryJson: TerraformJson, drJson: TerraformJson) {
  return {
    run: failbackCommand(p),
    pdb: databaseOf(primaryJson),
    ddb: databaseOf(drJson),
    n: names(primaryJson, drJson, p),
    by: 'pnpm failback, then Terraform',
  };
}
