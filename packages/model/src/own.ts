/**
 * A record's own entry: `tiers.constructor` or `residency.environments.toString` name nothing
 * unless the file defines them (every JavaScript object already has those properties).
 */
export function own<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
