/** Text made safe for HTML element content and double-quoted attributes. */
export function esc(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;').replaceAll("'", '&#39;');
}

/** A value as the check prints it: strings bare, everything else as JSON. */
export function show(v: unknown): string {
  return typeof v === 'string' ? v : (JSON.stringify(v) ?? 'undefined');
}

/** Minutes as a person reads them. */
export function minutes(m: number | undefined): string {
  if (m === undefined) return '—';
  if (m >= 120 && m % 60 === 0) return `${m / 60} h`;
  return `${Math.round(m * 100) / 100} min`;
}

/** Seconds as a person reads them. */
export function seconds(s: number | undefined): string {
  if (s === undefined) return '';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
