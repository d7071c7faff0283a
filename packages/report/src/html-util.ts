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

/**
 * Seconds as a person reads them, as the drill's report writes them: `45 s`, `4 min 00 s`,
 * `1 h 02 min`. Rounded to the second once, before it is split, so 239.6 s is `4 min 00 s`.
 */
export function seconds(s: number | undefined): string {
  if (s === undefined) return '';
  const whole = Math.max(0, Math.round(s));
  const two = (n: number) => String(n).padStart(2, '0');
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${two(whole % 60)} s`;
  return `${Math.floor(whole / 3600)} h ${two(Math.floor((whole % 3600) / 60))} min`;
}

export type Attrs = Readonly<Record<string, string | number | boolean | undefined>>;

/**
 * An element. Attribute values are escaped; `undefined` and `false` leave the attribute out, `true`
 * writes it bare. Children are HTML already: pass text through {@link esc}.
 */
export function h(tag: string, attrs: Attrs = {}, ...children: ReadonlyArray<string | false | undefined>): string {
  const a = Object.entries(attrs)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${esc(String(v))}"`))
    .join('');
  return `<${tag}${a}>${children.filter((c) => typeof c === 'string').join('')}</${tag}>`;
}

/** A data table: a caption, column headers, and rows already rendered as `<tr>`. */
export function table(attrs: Attrs, caption: string | undefined, head: readonly string[], rows: readonly string[]): string {
  const headRow = h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, esc(c))));
  return h(
    'table',
    attrs,
    caption !== undefined ? h('caption', {}, esc(caption)) : undefined,
    h('thead', {}, headRow),
    h('tbody', {}, ...rows),
  );
}

/** `n thing` or `n things`. */
export function count(n: number, thing: string): string {
  return `${n} ${thing}${n === 1 ? '' : 's'}`;
}
