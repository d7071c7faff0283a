/**
 * The order in which vitest starts a project's files. A package with more end-to-end files than
 * workers (the drill's: 11 files on 4) starts them in turn, and on a clone without vitest's cache
 * vitest starts the largest files first. The drill with `--failback` (17 minutes alone) was the
 * fifth largest: it started when a 3-minute file ended, and its end was the end of `pnpm test`.
 *
 * A file whose header says how long it runs alone (`@runsAlone 17 min`, in its first
 * HEADER_CHARS characters) starts before every file that does not, the longest first; the others
 * keep vitest's own order (the last run's durations where its cache has them, else the size).
 */
import { readFileSync } from 'node:fs';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The tag: `@runsAlone <minutes> min`. */
export const RUNS_ALONE = /@runsAlone (\d+(?:\.\d+)?) min\b/;

/** How much of a file's beginning is searched for the tag. */
export const HEADER_CHARS = 4000;

/** The minutes a file's header says it runs alone; 0 without the tag. */
export function declaredMinutes(text: string): number {
  const m = RUNS_ALONE.exec(text.slice(0, HEADER_CHARS));
  return m ? Number(m[1]) : 0;
}

function minutesOf(file: string): number {
  try {
    return declaredMinutes(readFileSync(file, 'utf8'));
  } catch {
    // a file vitest lists but this process cannot read keeps vitest's place for it
    return 0;
  }
}

/** vitest's order, with the files that declare a long run first, the longest first (a stable sort). */
export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const minutes = new Map(base.map((f) => [f.moduleId, minutesOf(f.moduleId)]));
    return [...base].sort((a, b) => (minutes.get(b.moduleId) ?? 0) - (minutes.get(a.moduleId) ?? 0));
  }
}
