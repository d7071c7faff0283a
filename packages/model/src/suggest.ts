/**
 * "Did you mean": the known name closest to a mistyped one (Levenshtein distance, `leven`), within
 * a third of its length and at least two edits; ties go to the first in sorted order.
 */
import { closestMatch } from 'leven';

export function didYouMean(text: string, known: Iterable<string>): string | undefined {
  const candidates = [...new Set(known)].sort();
  return closestMatch(text, candidates, { maxDistance: Math.max(2, Math.floor(text.length / 3)) });
}
