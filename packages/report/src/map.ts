/**
 * The fleet on a world map, rendered to SVG in Node when the report is written (the page loads
 * nothing): Natural Earth country shapes (`world-atlas`, 1:110m) through `topojson-client`,
 * projected with d3-geo's Natural Earth projection, fitted to where the environments are.
 * Environments are marked by role at their region's city, markers that would overlap pushed apart
 * (d3-force's collision force); the countries of the fleet's jurisdictions are shaded, each
 * jurisdiction in its own fixed colour; an arrow runs from each primary to its dr environment,
 * styled by how its database gets there and bent around the markers it does not connect; labels
 * go where they cover no marker, no arrow and no other label; residency errors and data nothing
 * protects are drawn in red.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { forceCollide, forceSimulation, type SimulationNodeDatum } from 'd3-force';
import { geoBounds, geoNaturalEarth1, geoPath, type GeoPath, type GeoPermissibleObjects } from 'd3-geo';
import countries from 'i18n-iso-countries';
import { feature } from 'topojson-client';
import type { FeatureCollection, Geometry } from 'geojson';
import type { GeometryCollection, Topology } from 'topojson-specification';
import { type Arrow, DRAWN_STORE, type EnvPoint, envProblems, MECHANISM_LABEL, storeText } from './data.js';
import { type Attrs, esc, h } from './html-util.js';

export const MAP_WIDTH = 1200;
export const MAP_HEIGHT = 520;

/**
 * EU member states (ISO 3166-1 alpha-2), the catalog's `EU` jurisdiction: the same hand-kept list
 * as packages/model/data/SOURCES.md (from european-union.europa.eu/principles-countries-history/eu-countries_en).
 */
const EU = new Set('AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE'.split(' '));

/** Soft fills for jurisdictions. */
const PALETTE = ['#cfe0f7', '#d5efdd', '#f6e3c6', '#e8d8f3', '#f3d6dc', '#d6eef0'] as const;
const [BLUE, GREEN, SAND, LAVENDER, ROSE, TEAL] = PALETTE;

/**
 * Each jurisdiction of the region catalog in one colour, whatever else the fleet holds, so a
 * jurisdiction looks the same in every report; neighbours differ (US, CA, MX; EU, UK, CH).
 */
const JURISDICTION_FILL: Readonly<Record<string, string>> = {
  EU: BLUE,
  US: GREEN,
  UK: ROSE,
  CH: SAND,
  CA: LAVENDER,
  MX: SAND,
  BR: LAVENDER,
  CL: SAND,
  JP: ROSE,
  KR: SAND,
  TW: TEAL,
  HK: LAVENDER,
  SG: TEAL,
  MY: SAND,
  TH: ROSE,
  ID: LAVENDER,
  IN: SAND,
  AU: SAND,
  NZ: TEAL,
  ZA: TEAL,
  IL: TEAL,
  SA: LAVENDER,
  QA: ROSE,
};

/** A jurisdiction's fill: its own, or one the code picks from the palette (a hash, never the fleet's order). */
export function jurisdictionFill(j: string): string {
  const own = JURISDICTION_FILL[j];
  if (own) return own;
  let hash = 0;
  for (const c of j) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
  return PALETTE[hash % PALETTE.length]!;
}

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

/** Centre-to-centre distance markers keep (they are about 18 px across). */
const MARKER_GAP = 22;

interface Node extends SimulationNodeDatum {
  readonly p: EnvPoint;
  x: number;
  y: number;
}

/**
 * Screen positions. Environments at the same place start on a small ring around it, in name
 * order; d3-force's collision force then pushes apart any markers that still overlap (the same
 * place, or cities a few pixels apart), so every marker shows. Deterministic: d3-force's own
 * random source is a fixed-seed generator.
 */
function place(points: readonly EnvPoint[], project: (p: [number, number]) => [number, number] | null): Placed[] {
  const groups = new Map<string, Array<{ p: EnvPoint; xy: [number, number] }>>();
  for (const p of [...points].sort((a, b) => a.name.localeCompare(b.name))) {
    if (p.lat === undefined || p.lon === undefined) continue;
    const xy = project([p.lon, p.lat]);
    if (!xy) continue;
    const k = `${xy[0].toFixed(1)},${xy[1].toFixed(1)}`;
    groups.set(k, [...(groups.get(k) ?? []), { p, xy }]);
  }
  const nodes: Node[] = [...groups.values()].flatMap((list) => {
    const ring = list.length < 2 ? 0 : MARKER_GAP / (2 * Math.sin(Math.PI / list.length));
    return list.map(({ p, xy }, i) => {
      const angle = -Math.PI / 2 + (2 * Math.PI * i) / list.length;
      return { p, x: xy[0] + ring * Math.cos(angle), y: xy[1] + ring * Math.sin(angle) };
    });
  });
  forceSimulation(nodes)
    .force('collide', forceCollide<Node>(MARKER_GAP / 2).iterations(4))
    .stop()
    .tick(120);
  return nodes.map((n) => ({ ...n.p, x: n.x, y: n.y }));
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

interface Pt {
  readonly x: number;
  readonly y: number;
}

/** A box around a point, `r` either side. */
const around = (p: Pt, r: number): Box => ({ x: p.x - r, y: p.y - r, w: 2 * r, h: 2 * r });

/** Where a label may go around its marker: beside it first, then above and below, then one step further out. */
function labelTries(p: Placed, w: number, h: number): Array<[number, number, string]> {
  return [0, 12].flatMap((o) => [
    [p.x + 11 + o, p.y - h / 2, 'start'] as [number, number, string],
    [p.x - 11 - o - w, p.y - h / 2, 'end'] as [number, number, string],
    [p.x - w / 2, p.y - 12 - o - h, 'middle'] as [number, number, string],
    [p.x - w / 2, p.y + 12 + o, 'middle'] as [number, number, string],
    [p.x + 9 + o, p.y - 8 - o - h, 'start'] as [number, number, string],
    [p.x + 9 + o, p.y + 8 + o, 'start'] as [number, number, string],
    [p.x - 9 - o - w, p.y - 8 - o - h, 'end'] as [number, number, string],
    [p.x - 9 - o - w, p.y + 8 + o, 'end'] as [number, number, string],
  ]);
}

/**
 * Labels placed greedily where they cover no marker, no arrow (line or head) and no other label;
 * where nothing is free, where they cover least.
 */
function labels(placed: readonly Placed[], size: Size, obstacles: readonly Box[]): string {
  const taken: Box[] = [...placed.map((p) => around(p, 10)), ...obstacles];
  const out: string[] = [];
  for (const p of [...placed].sort((a, b) => a.y - b.y || a.x - b.x)) {
    const w = p.name.length * 8.2 + 4; // 12.5 px bold, with room to spare
    const ht = 15;
    const inside = (box: Box) => box.x >= 0 && box.y >= 0 && box.x + w <= size.width && box.y + ht <= size.height;
    const scored = labelTries(p, w, ht).map((t) => {
      const box = { x: t[0], y: t[1], w, h: ht };
      return { t, box, cost: inside(box) ? taken.filter((b) => overlaps(b, box)).length : Number.POSITIVE_INFINITY };
    });
    const best = scored.reduce((a, b) => (b.cost < a.cost ? b : a));
    const [bx, by, anchor] = best.t;
    taken.push(best.box);
    const tx = anchor === 'start' ? bx + 2 : anchor === 'end' ? bx + w - 2 : bx + w / 2;
    const attrs = { class: 'label', x: tx.toFixed(1), y: (by + 11.5).toFixed(1), 'text-anchor': anchor, 'data-label': p.name };
    out.push(h('text', attrs, esc(p.name)));
  }
  return out.join('');
}

/** Arrowhead length and width, in the map's pixels (`markerUnits="userSpaceOnUse"`: the same for every line width). */
const HEAD = 11;
/** How far an arrow keeps from the centre of a marker it does not connect. */
const CLEARANCE = 17;
/** Bends tried, as a share of the distance (at most 200 px of it): the usual curve first, then either side, then straight. */
const BENDS = [0.3, -0.3, 0.15, -0.15, 0.5, -0.5, 0.75, -0.75, 0];

/** An arrow's path, points along it, and the boxes it covers (line and head) for the labels to avoid. */
interface Route {
  readonly d: string;
  readonly points: readonly Pt[];
  readonly covers: readonly Box[];
}

/** Points along the quadratic curve from `s` through control `c` to `e`. */
function along(s: Pt, c: Pt, e: Pt, n = 48): Pt[] {
  return Array.from({ length: n + 1 }, (_, i) => {
    const t = i / n;
    const u = 1 - t;
    return { x: u * u * s.x + 2 * u * t * c.x + t * t * e.x, y: u * u * s.y + 2 * u * t * c.y + t * t * e.y };
  });
}

/** The curve from `a` to `b` bent by `bend`, stopping short of both markers (the head's tip at the end). */
function curve(a: Pt, b: Pt, bend: number): { d: string; points: Pt[] } {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const len = Math.hypot(dx, dy) || 1;
  const o = bend * Math.min(len, 200);
  const c = { x: (a.x + b.x) / 2 - (dy / len) * o, y: (a.y + b.y) / 2 + (dx / len) * o };
  const shorten = (from: Pt, by: number) => {
    const l = Math.hypot(c.x - from.x, c.y - from.y) || 1;
    return { x: from.x + ((c.x - from.x) / l) * by, y: from.y + ((c.y - from.y) / l) * by };
  };
  const s = shorten(a, 10);
  const e = shorten(b, 11);
  const f = (n: number) => n.toFixed(1);
  return { d: `M${f(s.x)},${f(s.y)}Q${f(c.x)},${f(c.y)} ${f(e.x)},${f(e.y)}`, points: along(s, c, e) };
}

/**
 * The arrow from the primary to its dr environment: the first bend that keeps {@link CLEARANCE}
 * from every other marker, or the one that keeps the most.
 */
function route(a: Placed, b: Placed, others: readonly Pt[]): Route {
  const clearance = (points: readonly Pt[]) =>
    Math.min(Number.POSITIVE_INFINITY, ...others.flatMap((m) => points.map((p) => Math.hypot(p.x - m.x, p.y - m.y))));
  const tried = BENDS.map((bend) => curve(a, b, bend)).map((c) => ({ ...c, clear: clearance(c.points) }));
  const chosen = tried.find((c) => c.clear >= CLEARANCE) ?? tried.reduce((x, y) => (y.clear > x.clear ? y : x));
  const tip = chosen.points[chosen.points.length - 1]!;
  return { d: chosen.d, points: chosen.points, covers: [...chosen.points.map((p) => around(p, 3)), around(tip, HEAD)] };
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

/** The fleet's jurisdictions, in name order, each with its fixed fill. */
export function jurisdictionFills(points: readonly EnvPoint[]): Map<string, string> {
  const js = [...new Set(points.flatMap((p) => (p.regionJurisdiction ? [p.regionJurisdiction] : [])))].sort();
  return new Map(js.map((j) => [j, jurisdictionFill(j)]));
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

/** What an arrow says in its tooltip and the map's text: its database's mechanism, then every other store. */
export function arrowWords(a: Arrow): string {
  const others = a.stores.filter((st) => st.bundle !== DRAWN_STORE).map(storeText);
  const drawn = a.stores.some((st) => st.bundle === DRAWN_STORE) ? ` (the ${DRAWN_STORE})` : '';
  return `${MECHANISM_LABEL[a.mechanism]}${drawn}${others.length ? `; ${others.join('; ')}` : ''}`;
}

/** The arrows of one panel, each routed around the markers it does not connect; and what they cover, for the labels. */
function arrowElements(arrows: readonly Arrow[], placed: readonly Placed[], detail: boolean): { svg: string; covers: Box[] } {
  const at = new Map(placed.map((p) => [p.name, p]));
  const covers: Box[] = [];
  const svg = arrows.flatMap((a) => {
    // once the dr environment runs as the primary, what flows (the reverse copy of a failback) goes back
    const [from, to] = a.reversed ? [at.get(a.dr), at.get(a.primary)] : [at.get(a.primary), at.get(a.dr)];
    if (!from || !to) return [];
    const path = route(
      from,
      to,
      placed.filter((p) => p !== from && p !== to),
    );
    covers.push(...path.covers);
    const bad = arrowProblem(a);
    const ends = a.reversed ? `${a.dr} → ${a.primary}` : `${a.primary} → ${a.dr}`;
    const title = `${ends}: ${arrowWords(a)}${a.phase ? `, ${a.phase}` : ''}${bad ? ` (${bad})` : ''}`;
    const who = detail ? { 'data-detail-pair': a.primary, 'data-detail-dr': a.dr } : { 'data-primary': a.primary, 'data-dr': a.dr };
    const attrs = {
      class: `arrow mech-${a.mechanism}${bad ? ' bad' : ''}${a.phase ? ' in-failover' : ''}`,
      ...who,
      'data-mechanism': a.mechanism,
      d: path.d,
      'marker-end': `url(#head${bad ? '-bad' : ''})`,
    };
    return [h('path', attrs, h('title', {}, esc(title)))];
  });
  return { svg: svg.join(''), covers };
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

/** A projection fitting `focus` into a panel of `size`, 8 px in from its edges. */
const fitted = (size: Size, focus: GeoPermissibleObjects) =>
  geoNaturalEarth1().fitExtent(
    [
      [8, 8],
      [size.width - 8, size.height - 8],
    ],
    focus,
  );

/** One panel: countries, arrows, markers and labels, projected to fit its focus. */
function renderPanel(
  panel: Panel,
  points: readonly EnvPoint[],
  arrows: readonly Arrow[],
  fills: ReadonlyMap<string, string>,
  extra = '',
): string {
  const { width, height } = panel.size;
  const projection = fitted(panel.size, panel.focus);
  // clipped to the panel, so shapes carry only what shows
  const path = geoPath(
    projection.clipExtent([
      [0, 0],
      [width, height],
    ]),
  ).digits(1);
  const placed = place(points, (p) => projection(p)).filter((p) => p.x >= 0 && p.y >= 0 && p.x <= width && p.y <= height);
  const drawn = arrowElements(arrows, placed, panel.detail);
  const labelled = placed.filter((p) => !panel.unlabelled?.has(p.name));
  return [
    `<rect class="sea" width="${width}" height="${height}"/>`,
    `<g class="countries">${countryShapes(path, panel.size, fills, panel.detail ? '50m' : '110m')}</g>`,
    extra,
    `<g class="arrows">${drawn.svg}</g>`,
    `<g class="markers">${markerElements(placed, panel.detail)}</g>`,
    `<g class="labels" aria-hidden="true">${labels(labelled, panel.size, drawn.covers)}</g>`,
  ].join('\n');
}

/** Arrowheads, plain and red. */
const head = (id: string, cls: string) =>
  h(
    'marker',
    { id, viewBox: '0 0 10 10', refX: 10, refY: 5, markerUnits: 'userSpaceOnUse', markerWidth: HEAD, markerHeight: HEAD, orient: 'auto' },
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
const overviewProjection = (points: readonly EnvPoint[]) => fitted({ width: MAP_WIDTH, height: MAP_HEIGHT }, pointsFocus(points, 22, 13));

/**
 * Groups of environments in different places drawn so close on the overview that their labels
 * and arrows would collide (markers within 70 px, joined transitively): each gets a detail panel.
 * Environments at one place (one city) are spread apart on the overview itself.
 */
function crowded(placed: readonly Placed[]): Placed[][] {
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
  const groups = new Map<number, Placed[]>();
  for (const [i, p] of placed.entries()) groups.set(root(i), [...(groups.get(root(i)) ?? []), p]);
  return [...groups.values()].filter((g) => new Set(g.map((p) => `${p.lon},${p.lat}`)).size > 1);
}

/**
 * The map: an overview fitted to where the environments are, then a detail panel for each crowded
 * group. Each is an inline SVG with a title and a description for assistive technology.
 */
export function renderMap(points: readonly EnvPoint[], arrows: readonly Arrow[]): string {
  const fills = jurisdictionFills(points);
  const projection = overviewProjection(points);
  const details = crowded(place(points, (p) => projection(p)));
  const unlabelled = new Set(details.flat().map((p) => p.name));
  // an arrow inside one crowded group is drawn in its detail panel only: on the overview it would be a smudge across markers
  const inGroup = (a: Arrow) => details.some((g) => g.some((p) => p.name === a.primary) && g.some((p) => p.name === a.dr));
  const overview = renderPanel(
    { size: { width: MAP_WIDTH, height: MAP_HEIGHT }, focus: pointsFocus(points, 22, 13), detail: false, unlabelled },
    points,
    arrows.filter((a) => !inGroup(a)),
    fills,
    detailFrames(details),
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

/** On the overview, a frame around each crowded group (as placed there), named after its detail panel. */
function detailFrames(details: readonly Placed[][]): string {
  return details
    .map((xy, i) => {
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
      `${a.primary} to ${a.dr} by ${arrowWords(a)}${a.phase ? `, ${a.phase}${a.reversed ? ` (${a.dr} runs as the primary)` : ''}` : ''}${arrowProblem(a) ? ` (${arrowProblem(a)})` : ''}`,
  );
  const drawn = `${arrows.length} DR arrows: ${links.join('; ') || 'none'}`;
  return `${points.length} environments: ${envs.join('; ')}. ${drawn}. The tables below the map say the same.`;
}
