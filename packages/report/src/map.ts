/**
 * The fleet on a world map, rendered to SVG in Node when the report is written (the page loads
 * nothing): Natural Earth country shapes (`world-atlas`, 1:110m) through `topojson-client`,
 * projected with d3-geo's Natural Earth projection, fitted to where the environments are.
 * Environments are marked by role at their region's city; the countries of the fleet's
 * jurisdictions are shaded; an arrow runs from each primary to its dr environment, styled by how
 * data gets there; residency errors and data nothing protects are drawn in red.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { geoBounds, geoNaturalEarth1, geoPath, type GeoPath, type GeoPermissibleObjects } from 'd3-geo';
import countries from 'i18n-iso-countries';
import { feature } from 'topojson-client';
import type { FeatureCollection, Geometry } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { type Arrow, type EnvPoint, envProblems, MECHANISM_LABEL } from './data.js';
import { type Attrs, esc, h } from './html-util.js';

export const MAP_WIDTH = 1200;
export const MAP_HEIGHT = 520;

/**
 * EU member states (ISO 3166-1 alpha-2), the catalog's `EU` jurisdiction: the same hand-kept list
 * as packages/model/data/SOURCES.md (from european-union.europa.eu/principles-countries-history/eu-countries_en).
 */
const EU = new Set('AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' '));

/** Soft fills for the fleet's jurisdictions, in order of first appearance. */
const JURISDICTION_FILLS = ['#cfe0f7', '#d5efdd', '#f6e3c6', '#e8d8f3', '#f3d6dc', '#d6eef0'];

type Countries = FeatureCollection<Geometry, { name: string }>;

/** Country shapes at 1:110m for the overview, 1:50m for detail panels. */
function loadCountries(scale: '110m' | '50m'): Countries {
  const file = createRequire(import.meta.url).resolve(`world-atlas/countries-${scale}.json`);
  const topo = JSON.parse(readFileSync(file, 'utf8')) as Topology<{ countries: GeometryCollection<{ name: string }> }>;
  return feature(topo, topo.objects.countries) as Countries;
}

/** The catalog jurisdiction of a country: EU members are EU, GB is UK, others their own code. */
function jurisdictionOfCountry(numericId: string | number | undefined): string | undefined {
  const a2 = numericId === undefined ? undefined : countries.numericToAlpha2(numericId);
  if (!a2) return undefined;
  return EU.has(a2) ? 'EU' : a2 === 'GB' ? 'UK' : a2;
}

interface Placed extends EnvPoint {
  readonly x: number;
  readonly y: number;
}

/** Screen positions; environments sharing a region sit side by side around it. */
function place(points: readonly EnvPoint[], project: (p: [number, number]) => [number, number] | null): Placed[] {
  const groups = new Map<string, EnvPoint[]>();
  for (const p of points) {
    if (p.lat === undefined || p.lon === undefined) continue;
    const k = `${p.lon},${p.lat}`;
    groups.set(k, [...(groups.get(k) ?? []), p]);
  }
  const out: Placed[] = [];
  for (const list of groups.values()) {
    const xy = project([list[0]!.lon!, list[0]!.lat!]);
    if (!xy) continue;
    list.forEach((p, i) => {
      const dx = list.length === 1 ? 0 : (i - (list.length - 1) / 2) * 18;
      out.push({ ...p, x: xy[0] + dx, y: xy[1] });
    });
  }
  return out;
}

function markerShape(p: Placed): string {
  const { x, y } = p;
  const f = (n: number) => n.toFixed(1);
  if (p.role === 'production') return `<circle cx="${f(x)}" cy="${f(y)}" r="7"/>`;
  if (p.role === 'dr') return `<path d="M${f(x)},${f(y - 8.5)}L${f(x + 8.5)},${f(y)}L${f(x)},${f(y + 8.5)}L${f(x - 8.5)},${f(y)}Z"/>`;
  return `<rect x="${f(x - 6)}" y="${f(y - 6)}" width="12" height="12"/>`;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/** Labels placed greedily where they cover no marker and no other label. */
function labels(placed: readonly Placed[], size: Size): string {
  const taken: Box[] = placed.map((p) => ({ x: p.x - 9, y: p.y - 9, w: 18, h: 18 }));
  const out: string[] = [];
  for (const p of [...placed].sort((a, b) => a.y - b.y || a.x - b.x)) {
    const w = p.name.length * 8.2 + 4; // 12.5 px bold, with room to spare
    const h = 15;
    const tries: Array<[number, number, string]> = [
      [p.x + 11, p.y - h / 2, 'start'],
      [p.x - 11 - w, p.y - h / 2, 'end'],
      [p.x - w / 2, p.y - 12 - h, 'middle'],
      [p.x - w / 2, p.y + 12, 'middle'],
      [p.x + 9, p.y - 8 - h, 'start'],
      [p.x + 9, p.y + 8, 'start'],
      [p.x - 9 - w, p.y - 8 - h, 'end'],
      [p.x - 9 - w, p.y + 8, 'end'],
    ];
    const fits = (t: [number, number, string]) => {
      const box = { x: t[0], y: t[1], w, h };
      return box.x >= 0 && box.y >= 0 && box.x + w <= size.width && box.y + h <= size.height && !taken.some((b) => overlaps(b, box));
    };
    const [bx, by, anchor] = tries.find(fits) ?? tries[0]!;
    taken.push({ x: bx, y: by, w, h });
    const tx = anchor === 'start' ? bx + 2 : anchor === 'end' ? bx + w - 2 : bx + w / 2;
    out.push(`<text class="label" x="${tx.toFixed(1)}" y="${(by + 11.5).toFixed(1)}" text-anchor="${anchor}">${esc(p.name)}</text>`);
  }
  return out.join('');
}

/** A curved arrow from the primary to its dr environment, stopping short of both markers. */
function arrowPath(a: Placed, b: Placed): string {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const cx = (a.x + b.x) / 2 - (dy / len) * Math.min(60, len * 0.3);
  const cy = (a.y + b.y) / 2 + (dx / len) * Math.min(60, len * 0.3);
  const shorten = (from: { x: number; y: number }, towards: { x: number; y: number }, by: number) => {
    const l = Math.hypot(towards.x - from.x, towards.y - from.y) || 1;
    return { x: from.x + ((towards.x - from.x) / l) * by, y: from.y + ((towards.y - from.y) / l) * by };
  };
  const s = shorten(a, { x: cx, y: cy }, 10);
  const e = shorten(b, { x: cx, y: cy }, 12);
  return `M${s.x.toFixed(1)},${s.y.toFixed(1)}Q${cx.toFixed(1)},${cy.toFixed(1)} ${e.x.toFixed(1)},${e.y.toFixed(1)}`;
}

/** Whether an arrow is drawn in red, and why (for its tooltip and the table). */
export function arrowProblem(a: Arrow): string | undefined {
  const why = [
    ...(a.residency ? ['residency violation'] : []),
    ...(a.uncovered.length ? [`not protected in the DR region: ${a.uncovered.join(', ')}`] : []),
    ...(a.mechanism === 'none' && !a.uncovered.length ? ['no mechanism found'] : []),
  ];
  return why.length ? why.join('; ') : undefined;
}

/** The fleet's jurisdictions, each with its fill, in order of first appearance. */
export function jurisdictionFills(points: readonly EnvPoint[]): Map<string, string> {
  const fills = new Map<string, string>();
  for (const p of points) {
    const j = p.regionJurisdiction;
    if (j && !fills.has(j)) fills.set(j, JURISDICTION_FILLS[fills.size % JURISDICTION_FILLS.length]!);
  }
  return fills;
}

interface Size {
  readonly width: number;
  readonly height: number;
}

/** What one SVG panel draws. The overview marks environments with `data-env`; a detail panel with `data-detail-env`. */
interface Panel {
  readonly size: Size;
  readonly focus: GeoPermissibleObjects;
  readonly detail: boolean;
  /** Environments whose labels the panel leaves to a detail panel. */
  readonly unlabelled?: ReadonlySet<string>;
}

function countryShapes(path: GeoPath, size: Size, fills: ReadonlyMap<string, string>, scale: '110m' | '50m'): string {
  const shapes: string[] = [];
  for (const c of loadCountries(scale).features) {
    const [[x0, y0], [x1, y1]] = path.bounds(c);
    if (!(x1 >= 0 && y1 >= 0 && x0 <= size.width && y0 <= size.height)) continue; // off the panel
    const j = jurisdictionOfCountry(c.id);
    const fill = j ? fills.get(j) : undefined;
    const d = path(c);
    if (!d) continue;
    const attrs = {
      class: fill ? 'country shaded' : 'country',
      d,
      style: fill ? `fill:${fill}` : undefined,
      'data-jurisdiction': fill ? j : undefined,
    };
    shapes.push(h('path', attrs, h('title', {}, esc(`${c.properties.name}${j ? ` (${j})` : ''}`))));
  }
  return shapes.join('');
}

function arrowElements(arrows: readonly Arrow[], at: ReadonlyMap<string, Placed>, detail: boolean): string {
  return arrows
    .flatMap((a) => {
      // once the dr environment runs as the primary, what flows (the reverse copy of a failback) goes back
      const [from, to] = a.reversed ? [at.get(a.dr), at.get(a.primary)] : [at.get(a.primary), at.get(a.dr)];
      if (!from || !to) return [];
      const bad = arrowProblem(a);
      const ends = a.reversed ? `${a.dr} → ${a.primary}` : `${a.primary} → ${a.dr}`;
      const title = `${ends}: ${MECHANISM_LABEL[a.mechanism]}${a.phase ? `, ${a.phase}` : ''}${bad ? ` (${bad})` : ''}`;
      const who = detail ? { 'data-detail-pair': a.primary } : { 'data-primary': a.primary, 'data-dr': a.dr };
      const attrs = {
        class: `arrow mech-${a.mechanism}${bad ? ' bad' : ''}${a.phase ? ' in-failover' : ''}`,
        ...who,
        'data-mechanism': a.mechanism,
        d: arrowPath(from, to),
        'marker-end': `url(#head${bad ? '-bad' : ''})`,
      };
      return [h('path', attrs, h('title', {}, esc(title)))];
    })
    .join('');
}

function markerElements(placed: readonly Placed[], detail: boolean): string {
  return placed
    .map((p) => {
      const problems = envProblems(p);
      const bad = problems.length > 0;
      const where = `${p.cloud} ${p.region}${p.city ? ` (${p.city})` : ''}, ${p.jurisdiction}`;
      const title = [`${p.name}: ${p.role}, ${where}`, ...problems].join('; ');
      const attrs = {
        class: `marker role-${p.role}${bad ? ' bad' : ''}`,
        [detail ? 'data-detail-env' : 'data-env']: p.name,
        'data-role': p.role,
      };
      return h('g', attrs, markerShape(p), h('title', {}, esc(title)));
    })
    .join('');
}

/** One panel: countries, arrows, markers and labels, projected to fit its focus. */
function renderPanel(
  panel: Panel,
  points: readonly EnvPoint[],
  arrows: readonly Arrow[],
  fills: ReadonlyMap<string, string>,
  extra = '',
): string {
  const { width, height } = panel.size;
  const projection = geoNaturalEarth1().fitExtent(
    [
      [8, 8],
      [width - 8, height - 8],
    ],
    panel.focus,
  );
  // clipped to the panel, so shapes carry only what shows
  const path = geoPath(
    projection.clipExtent([
      [0, 0],
      [width, height],
    ]),
  ).digits(1);
  const placed = place(points, (p) => projection(p)).filter((p) => p.x >= 0 && p.y >= 0 && p.x <= width && p.y <= height);
  const at = new Map(placed.map((p) => [p.name, p]));
  const labelled = placed.filter((p) => !panel.unlabelled?.has(p.name));
  return [
    `<rect class="sea" width="${width}" height="${height}"/>`,
    `<g class="countries">${countryShapes(path, panel.size, fills, panel.detail ? '50m' : '110m')}</g>`,
    extra,
    `<g class="arrows">${arrowElements(arrows, at, panel.detail)}</g>`,
    `<g class="markers">${markerElements(placed, panel.detail)}</g>`,
    `<g class="labels" aria-hidden="true">${labels(labelled, panel.size)}</g>`,
  ].join('\n');
}

/** Arrowheads, plain and red. */
const head = (id: string, cls: string) =>
  h(
    'marker',
    { id, viewBox: '0 0 10 10', refX: 8, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
    h('path', { d: 'M0,0L10,5L0,10Z', class: cls }),
  );
const DEFS = h('defs', {}, head('head', 'head'), head('head-bad', 'head bad'));

/** Points as a focus for a projection, with `padLon`/`padLat` degrees around them. */
function pointsFocus(points: readonly EnvPoint[], padLon: number, padLat: number): GeoPermissibleObjects {
  const placed = points.filter((p) => p.lat !== undefined && p.lon !== undefined);
  if (placed.length === 0) return { type: 'Sphere' };
  const [[w, s], [e, n]] = geoBounds({ type: 'MultiPoint', coordinates: placed.map((p) => [p.lon!, p.lat!]) });
  const west = Math.max(-180, w - padLon);
  const east = Math.min(180, e + padLon);
  const south = Math.max(-58, s - padLat);
  const north = Math.min(78, n + padLat);
  const coords: Array<[number, number]> = [];
  for (let i = 0; i <= 8; i++) {
    const lon = west + ((east - west) * i) / 8;
    coords.push([lon, south], [lon, north]);
  }
  return { type: 'MultiPoint', coordinates: coords };
}

/** The overview's projection: fitted to where the environments are, with room around them. */
function overviewProjection(points: readonly EnvPoint[]) {
  return geoNaturalEarth1().fitExtent(
    [
      [8, 8],
      [MAP_WIDTH - 8, MAP_HEIGHT - 8],
    ],
    pointsFocus(points, 22, 13),
  );
}

/**
 * Groups of environments in different regions drawn so close on the overview that their labels
 * and arrows would collide (markers within 70 px, joined transitively): each gets a detail panel.
 */
function crowded(points: readonly EnvPoint[]): EnvPoint[][] {
  const projection = overviewProjection(points);
  const placed = place(points, (p) => projection(p));
  const group = placed.map((_, i) => i);
  const root = (i: number): number => {
    while (group[i] !== i) i = group[i]!;
    return i;
  };
  for (let i = 0; i < placed.length; i++) {
    for (let k = i + 1; k < placed.length; k++) {
      if (Math.hypot(placed[i]!.x - placed[k]!.x, placed[i]!.y - placed[k]!.y) < 70) group[root(k)] = root(i);
    }
  }
  const groups = new Map<number, EnvPoint[]>();
  for (const [i, p] of placed.entries()) groups.set(root(i), [...(groups.get(root(i)) ?? []), p]);
  return [...groups.values()].filter((g) => new Set(g.map((p) => p.region)).size > 1);
}

/**
 * The map: an overview fitted to where the environments are, then a detail panel for each crowded
 * group. Each is an inline SVG with a title and a description for assistive technology.
 */
export function renderMap(points: readonly EnvPoint[], arrows: readonly Arrow[]): string {
  const fills = jurisdictionFills(points);
  const details = crowded(points);
  const unlabelled = new Set(details.flat().map((p) => p.name));
  const overview = renderPanel(
    { size: { width: MAP_WIDTH, height: MAP_HEIGHT }, focus: pointsFocus(points, 22, 13), detail: false, unlabelled },
    points,
    arrows,
    fills,
    detailFrames(points, details),
  );
  const svg = (attrs: Attrs, ...children: string[]) =>
    h('svg', { ...attrs, role: 'img', xmlns: 'http://www.w3.org/2000/svg' }, ...children);
  const main = svg(
    { class: 'map overview', id: 'map-overview', viewBox: `0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`, 'aria-labelledby': 'map-title map-desc' },
    h('title', { id: 'map-title' }, 'Where each environment runs and where its data goes'),
    h('desc', { id: 'map-desc' }, esc(describe(points, arrows))),
    DEFS,
    overview,
  );
  const width = details.length > 1 ? MAP_WIDTH / 2 - 6 : MAP_WIDTH;
  const panels = details.map((g, i) => {
    const names = new Set(g.map((p) => p.name));
    const inside = arrows.filter((a) => names.has(a.primary) && names.has(a.dr));
    const size = { width, height: 360 };
    return svg(
      {
        class: 'map detail',
        viewBox: `0 0 ${size.width} ${size.height}`,
        'aria-label': `Detail ${i + 1}: ${g.map((p) => p.name).join(', ')}`,
      },
      DEFS,
      renderPanel({ size, focus: pointsFocus(g, 2.5, 1.6), detail: true }, g, inside, fills),
      h('text', { class: 'panel-title', x: 12, y: 22 }, `Detail ${i + 1}`),
    );
  });
  return panels.length ? `${main}\n${h('div', { class: 'details' }, ...panels)}` : main;
}

/** On the overview, a frame around each crowded group, named after its detail panel. */
function detailFrames(points: readonly EnvPoint[], details: readonly EnvPoint[][]): string {
  const projection = overviewProjection(points);
  return details
    .map((g, i) => {
      const xy = place(g, (p) => projection(p));
      const x0 = Math.min(...xy.map((p) => p.x)) - 16;
      const y0 = Math.min(...xy.map((p) => p.y)) - 16;
      const x1 = Math.max(...xy.map((p) => p.x)) + 16;
      const y1 = Math.max(...xy.map((p) => p.y)) + 16;
      const rect = h('rect', { x: x0.toFixed(1), y: y0.toFixed(1), width: (x1 - x0).toFixed(1), height: (y1 - y0).toFixed(1), rx: 6 });
      return h(
        'g',
        { class: 'frame', 'aria-hidden': 'true' },
        rect,
        h('text', { class: 'label', x: x0.toFixed(1), y: (y0 - 5).toFixed(1) }, `Detail ${i + 1}`),
      );
    })
    .join('');
}

/** The map in one paragraph of text. */
export function describe(points: readonly EnvPoint[], arrows: readonly Arrow[]): string {
  const envs = points.map((p) => {
    const flags = [...(p.residency.length ? ['residency violation'] : []), ...(p.unprotected ? ['unprotected'] : [])];
    return `${p.name} (${p.role}) in ${p.cloud} ${p.region}${p.city ? `, ${p.city}` : ''}${flags.map((f) => `, ${f}`).join('')}`;
  });
  const links = arrows.map(
    (a) =>
      `${a.primary} to ${a.dr} by ${MECHANISM_LABEL[a.mechanism]}${a.phase ? `, ${a.phase}${a.reversed ? ` (${a.dr} runs as the primary)` : ''}` : ''}${arrowProblem(a) ? ` (${arrowProblem(a)})` : ''}`,
  );
  const drawn = `${arrows.length} DR arrows: ${links.join('; ') || 'none'}`;
  return `${points.length} environments: ${envs.join('; ')}. ${drawn}. The tables below the map say the same.`;
}
