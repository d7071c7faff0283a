/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// (the functions this test evaluates in the page use the DOM's types)
/**
 * `pnpm report` in a real browser: headless Chromium (Debian's `chromium`, or `$PARITY_CHROMIUM`)
 * driven by playwright-core, the page opened from file:// with every other request blocked.
 * Without Chromium this is skipped locally and FAILS under CI=true.
 * What the page draws is checked on its geometry as Chromium lays it out: the bounding boxes of
 * markers and labels, and points along each arrow and its head (each panel's own SVG units).
 * Screenshots (the page, the map's overview and detail panels) go to `packages/cli/.artifacts/report/`
 * (gitignored; CI uploads the folder), to look at.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '@parity/checks';
import { FLEET_NAMES, parity, tempFleets } from '@parity/testkit';

const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, '..', '.artifacts', 'report');
const CI = process.env.CI === 'true';
const CHROMIUM = process.env.PARITY_CHROMIUM || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);

// The tests' fleet (@parity/testkit).
const temp = tempFleets();

// Each test writes the report of a whole fleet and its check --json (every environment
// synthesized) and drives Chromium: 4 min once on CI's 2 cores beside the drills, past the
// package's 5-minute default. A wide margin: a busy machine is not a failure.
const REPORT_TIMEOUT = 900_000;

/** A drill report as `pnpm drill` writes it (schema parity.drill/1), for the timeline and the history. */
function writeDrill(root: string, stamp: string, status: 'passed' | 'failed', rtoMinutes: number): void {
  const dir = join(root, 'environments', 'dr-usw2', 'drills');
  mkdirSync(dir, { recursive: true });
  const step = (id: string, title: string, seconds: number, st = 'passed') => ({
    id,
    title,
    status: st,
    startedAt: `${stamp}`,
    durationSeconds: seconds,
  });
  const report = {
    schema: 'parity.drill/1',
    drEnv: 'dr-usw2',
    primary: 'prod-use1',
    primaryRegion: 'us-east-1',
    drRegion: 'us-west-2',
    startedAt: stamp,
    status,
    target: { kind: 'emulator', description: 'moto 5.2.1 on 127.0.0.1' },
    tools: { moto: '5.2.1' },
    steps: [
      step('check', 'check the pair', 1),
      step('apply-primary', 'apply prod-use1', 95),
      step('marker', 'write a marker', 3),
      step('loss', 'declare us-east-1 lost', 0.1),
      step('copy', 'copy the latest snapshot', 12),
      step('apply-dr', 'apply dr-usw2', 239.6, status === 'failed' ? 'failed' : 'passed'),
      step('verify', 'verify', 4),
    ],
    rto: {
      measuredMinutes: rtoMinutes,
      measuredSeconds: rtoMinutes * 60,
      targetMinutes: 480,
      met: true,
      marginMinutes: 480 - rtoMinutes,
      from: stamp,
      to: stamp,
    },
    rpo: { measuredMinutes: 0.05, measuredSeconds: 3, targetMinutes: 240, met: true, marginMinutes: 239.95, from: stamp, to: stamp },
    leftOut: {},
    droppedDependsOn: {},
    verification: [],
    notExercised: [],
    workDir: '.parity/drills/dr-usw2',
  };
  writeFileSync(join(dir, `${stamp.replaceAll(':', '-')}.json`), `${JSON.stringify(report, null, 2)}\n`);
}

/** Write the report of `root` and the check it comes from. */
async function reportOf(root: string, envs = FLEET_NAMES.length): Promise<{ file: string; check: CheckReport }> {
  const out = join(root, 'out');
  const r = await parity(root, 'report', '--out', out);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`wrote .*index\\.html \\(${envs} environments`));
  const check = JSON.parse((await parity(root, 'check', '--json')).stdout) as CheckReport;
  return { file: join(out, 'index.html'), check };
}

let browser: Browser | undefined;
beforeAll(async () => {
  if (!HAVE_CHROMIUM) {
    if (CI)
      throw new Error(
        `Chromium not found at ${CHROMIUM}: CI must open the report in a real browser. ` +
          'Fix: apt-get install -y chromium, or set PARITY_CHROMIUM.',
      );
    return;
  }
  // launch's own limit is 30 s; a loaded 2-core machine may need more to start Chromium
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], timeout: 300_000 });
}, 360_000);
afterAll(async () => {
  await browser?.close();
});

/** Open a page from file:// with everything else refused; collects console errors and refused requests. */
async function open(file: string): Promise<{ page: Page; errors: string[]; refused: string[] }> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
  const page = await context.newPage();
  // The page is a local file, but drawing it is work: on CI's 2 cores, beside the drills, a
  // full-page screenshot once took more than 10 s. A wide margin costs time only when something fails.
  page.setDefaultTimeout(120_000);
  const errors: string[] = [];
  const refused: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  await context.route('**/*', async (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    refused.push(url);
    return route.abort();
  });
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  return { page, errors, refused };
}

interface Pt {
  x: number;
  y: number;
}
interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
/** One map panel as Chromium lays it out, in the panel's SVG units. */
interface Panel {
  markers: Array<{ name: string; box: Box }>;
  labels: Array<{ name: string; box: Box }>;
  /** Each arrow: its ends, points every 2 units along its line, and points filling its head. */
  arrows: Array<{ from: string; to: string; mechanism: string; line: Pt[]; head: Pt[] }>;
}

/**
 * The geometry of a map panel (`svg` selector): markers' and labels' bounding boxes, and each
 * arrow sampled along its path, its head rebuilt from the `<marker>` it names (size, units, tip).
 */
function panelGeometry(page: Page, svg: string, detail: boolean): Promise<Panel> {
  return page.locator(svg).evaluate((root, detail) => {
    const env = detail ? 'data-detail-env' : 'data-env';
    const bbox = (el: Element) => {
      const b = (el as SVGGraphicsElement).getBBox();
      return { x: b.x, y: b.y, width: b.width, height: b.height };
    };
    const markers = [...root.querySelectorAll(`.markers [${env}]`)].map((g) => ({ name: g.getAttribute(env)!, box: bbox(g) }));
    const labels = [...root.querySelectorAll('.labels text')].map((t) => ({ name: t.textContent ?? '', box: bbox(t) }));
    const arrows = [...root.querySelectorAll<SVGPathElement>('path.arrow')].map((path) => {
      const total = path.getTotalLength();
      const line: Array<{ x: number; y: number }> = [];
      for (let l = 0; l <= total; l += 2) {
        const at = path.getPointAtLength(l); // an SVGPoint: copied, since only plain data leaves the page
        line.push({ x: at.x, y: at.y });
      }
      const end = path.getPointAtLength(total);
      const before = path.getPointAtLength(Math.max(0, total - 1));
      const id = /url\(#(.+)\)/.exec(path.getAttribute('marker-end') ?? '')?.[1] ?? '';
      const marker = root.querySelector(`marker#${id}`)!;
      const [, , vbW, vbH] = (marker.getAttribute('viewBox') ?? '0 0 3 3').split(/\s+/).map(Number);
      const perStroke = (marker.getAttribute('markerUnits') ?? 'strokeWidth') === 'strokeWidth';
      const stroke = perStroke ? Number.parseFloat(getComputedStyle(path).strokeWidth) : 1;
      const sx = (Number(marker.getAttribute('markerWidth') ?? 3) * stroke) / vbW!;
      const sy = (Number(marker.getAttribute('markerHeight') ?? 3) * stroke) / vbH!;
      const refX = Number(marker.getAttribute('refX') ?? 0);
      const refY = Number(marker.getAttribute('refY') ?? 0);
      const len = Math.hypot(end.x - before.x, end.y - before.y) || 1;
      const ux = (end.x - before.x) / len;
      const uy = (end.y - before.y) / len;
      // the head's triangle (viewBox 0,0 → w,h/2 → 0,h) placed with refX/refY at the path's end, along its direction
      const at = (vx: number, vy: number) => {
        const a = (vx - refX) * sx;
        const b = (vy - refY) * sy;
        return { x: end.x + a * ux - b * uy, y: end.y + a * uy + b * ux };
      };
      const [p0, p1, p2] = [at(0, 0), at(vbW!, vbH! / 2), at(0, vbH!)];
      const head: Array<{ x: number; y: number }> = [];
      for (let i = 0; i <= 8; i++)
        for (let k = 0; k <= 8 - i; k++) {
          const [a, b] = [i / 8, k / 8];
          head.push({ x: p0.x + a * (p1.x - p0.x) + b * (p2.x - p0.x), y: p0.y + a * (p1.y - p0.y) + b * (p2.y - p0.y) });
        }
      const from = path.getAttribute(detail ? 'data-detail-pair' : 'data-primary') ?? '';
      return {
        from,
        to: path.getAttribute(detail ? 'data-detail-dr' : 'data-dr') ?? '',
        mechanism: path.getAttribute('data-mechanism') ?? '',
        line,
        head,
      };
    });
    return { markers, labels, arrows };
  }, detail);
}

const inside = (p: Pt, b: Box, pad = 0) => p.x > b.x - pad && p.x < b.x + b.width + pad && p.y > b.y - pad && p.y < b.y + b.height + pad;
const intersect = (a: Box, b: Box) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const centre = (b: Box): Pt => ({ x: b.x + b.width / 2, y: b.y + b.height / 2 });

/**
 * What every panel of the map must hold: no two markers overlap; no label covers a marker or
 * another label; no arrow (line or head) crosses a label, nor a marker it does not connect.
 * `ends` names each arrow's two environments (detail panels name only the primary).
 */
function expectLegible(name: string, g: Panel, ends: (from: string) => string[]): void {
  for (const [i, a] of g.markers.entries())
    for (const b of g.markers.slice(i + 1)) expect(intersect(a.box, b.box), `${name}: markers ${a.name} and ${b.name} overlap`).toBe(false);
  for (const [i, l] of g.labels.entries()) {
    for (const m of g.markers) expect(intersect(l.box, m.box), `${name}: label ${l.name} covers marker ${m.name}`).toBe(false);
    for (const k of g.labels.slice(i + 1)) expect(intersect(l.box, k.box), `${name}: labels ${l.name} and ${k.name} overlap`).toBe(false);
  }
  for (const a of g.arrows) {
    const joined = ends(a.from);
    // points that are numbers, or every check below would pass on nothing
    expect(a.line.length, `${name}: arrow from ${a.from}`).toBeGreaterThan(5);
    expect([...a.line, ...a.head].every((p) => Number.isFinite(p.x) && Number.isFinite(p.y))).toBe(true);
    for (const l of g.labels) {
      expect(
        a.line.filter((p) => inside(p, l.box)),
        `${name}: arrow from ${a.from} crosses label ${l.name}`,
      ).toEqual([]);
      expect(
        a.head.filter((p) => inside(p, l.box)),
        `${name}: the head of the arrow from ${a.from} covers label ${l.name}`,
      ).toEqual([]);
    }
    for (const m of g.markers.filter((x) => !joined.includes(x.name))) {
      // clear of the marker by 4 units at least: an arrow that grazes a marker reads as touching it
      const reach = Math.max(m.box.width, m.box.height) / 2 + 4;
      const through = [...a.line, ...a.head].filter((p) => Math.hypot(p.x - centre(m.box).x, p.y - centre(m.box).y) < reach);
      expect(through, `${name}: arrow ${joined.join(' → ')} runs through ${m.name}'s marker`).toEqual([]);
    }
  }
}

/** The computed fill of each jurisdiction's countries on the overview, and of its legend swatch. */
function jurisdictionColours(page: Page): Promise<Record<string, string>> {
  return page.evaluate(() => {
    const out: Record<string, string> = {};
    for (const c of document.querySelectorAll('#map-overview path.country[data-jurisdiction]'))
      out[c.getAttribute('data-jurisdiction')!] = getComputedStyle(c).fill;
    for (const li of document.querySelectorAll('.legend li')) {
      const j = /^jurisdiction (\S+)/.exec(li.textContent ?? '')?.[1];
      const sw = li.querySelector('.swatch');
      if (j && sw) out[`legend ${j}`] = getComputedStyle(sw).backgroundColor;
    }
    return out;
  });
}

/** The page, and each map panel on its own, kept under SHOTS. */
async function keepScreenshots(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  await page.locator('#map-overview').screenshot({ path: join(SHOTS, `${name}-map.png`) });
  const details = page.locator('svg.map.detail');
  for (let i = 0; i < (await details.count()); i++) await details.nth(i).screenshot({ path: join(SHOTS, `${name}-detail-${i + 1}.png`) });
}

/** The map of the fleet (with a third environment at Ashburn) against what `check --json` says, on its rendered geometry. */
async function expectMapTellsTheTruth(page: Page, check: CheckReport): Promise<void> {
  const ends = (primary: string) => [primary, ...check.dr.filter((p) => p.primary === primary && p.dr).map((p) => p.dr!.name)];
  const overview = await panelGeometry(page, '#map-overview', false);
  expectLegible('overview', overview, ends);
  const details = await page.locator('svg.map.detail').count();
  expect(details).toBeGreaterThan(0);
  const panels = [];
  for (let i = 0; i < details; i++) panels.push(await panelGeometry(page, `svg.map.detail >> nth=${i}`, true));
  for (const [i, g] of panels.entries()) expectLegible(`detail ${i + 1}`, g, ends);

  // the backup & restore pair is drawn by its database (backups), not by the bucket's S3 replication
  const eu = check.dr.find((p) => p.primary === 'prod-euw1')!;
  const dbKinds = (eu.mechanisms ?? []).filter((m) => m.bundle === 'database').map((m) => m.kind);
  expect(dbKinds.length).toBeGreaterThan(0);
  expect(dbKinds).not.toContain('replica');
  expect((eu.mechanisms ?? []).some((m) => m.bundle === 'bucket' && m.kind === 'replica')).toBe(true);
  const euArrow = page.locator('svg.map.detail path.arrow[data-detail-pair="prod-euw1"]');
  expect(await euArrow.getAttribute('data-mechanism')).toBe(dbKinds.includes('replicated-backups') ? 'replicated-backups' : 'backup-copy');
  expect(await euArrow.evaluate((p) => getComputedStyle(p).strokeDasharray)).not.toBe('none');
  const euRow = (await page.locator('details.map-text tr[data-primary="prod-euw1"]').textContent()) ?? '';
  expect(euRow).not.toContain('read replica');
  expect(euRow).toMatch(/bucket: S3 cross-region replication/);
  expect(euRow).toMatch(/database: AWS Backup/);
  expect(await euArrow.locator('title').textContent()).toMatch(/\(the database\);.*; bucket: S3 cross-region/);
  // the critical GCP pair has a Cloud SQL replica: drawn solid
  const gcpArrow = page.locator('svg.map.detail path.arrow[data-detail-pair="prod-gcp-euw1"]');
  expect(await gcpArrow.getAttribute('data-mechanism')).toBe('replica');
  expect(await gcpArrow.evaluate((p) => getComputedStyle(p).strokeDasharray)).toBe('none');

  // in the Europe detail, prod-euw1 → dr-euc1 keeps clear of prod-gcp-euw1's marker
  const europe = panels.find((g) => g.markers.some((m) => m.name === 'prod-gcp-euw1'))!;
  const gcp = europe.markers.find((m) => m.name === 'prod-gcp-euw1')!;
  const euLine = europe.arrows.find((a) => a.from === 'prod-euw1')!;
  const nearest = Math.min(...euLine.line.map((p) => Math.hypot(p.x - centre(gcp.box).x, p.y - centre(gcp.box).y)));
  expect(nearest).toBeGreaterThanOrEqual(Math.max(gcp.box.width, gcp.box.height) / 2 + 4);

  // dr-usw2 is labelled on the overview, and the arrow's head stops short of its label
  const drLabel = overview.labels.find((l) => l.name === 'dr-usw2')!;
  const usHead = overview.arrows.find((a) => a.from === 'prod-use1')!.head;
  expect(usHead.filter((p) => inside(p, drLabel.box, 1))).toEqual([]);

  // three environments at Ashburn: three markers apart, near the city, each labelled on the overview
  const ashburn = ['prod-use1', 'staging', 'staging-gcp-use4'].map((n) => overview.markers.find((m) => m.name === n)!);
  for (const [i, a] of ashburn.entries())
    for (const b of ashburn.slice(i + 1)) {
      const d = Math.hypot(centre(a.box).x - centre(b.box).x, centre(a.box).y - centre(b.box).y);
      expect(d, `${a.name} and ${b.name}`).toBeGreaterThanOrEqual(Math.max(a.box.width, b.box.width));
      expect(d, `${a.name} and ${b.name}`).toBeLessThan(60);
    }
  expect(overview.labels.map((l) => l.name)).toEqual(expect.arrayContaining(['prod-use1', 'staging', 'staging-gcp-use4']));
}

describe.skipIf(!HAVE_CHROMIUM && !CI)('pnpm report in headless Chromium', { timeout: REPORT_TIMEOUT }, () => {
  it('shows every environment, one arrow per DR pair and the matrix of check --json, loading nothing', async () => {
    const root = temp();
    // this test's own history in place of the drill reports committed as evidence
    rmSync(join(root, 'environments', 'dr-usw2', 'drills'), { recursive: true, force: true });
    writeDrill(root, '2026-11-20T10:00:00Z', 'failed', 61);
    writeDrill(root, '2026-11-27T10:00:00Z', 'passed', 42.5);
    // a third environment at Ashburn, beside prod-use1 and staging (us-east-1): GCP's us-east4
    const third = await parity(root, 'gen', 'env', 'staging-gcp-use4');
    expect(third.status, third.stdout + third.stderr).toBe(0);
    const { file, check } = await reportOf(root, FLEET_NAMES.length + 1);
    const { page, errors, refused } = await open(file);

    expect(errors).toEqual([]);
    expect(refused).toEqual([]);

    // one marker per environment, at its region, on the overview
    const markers = await page.locator('#map-overview [data-env]').evaluateAll((els) => els.map((e) => e.getAttribute('data-env')));
    expect(markers.sort()).toEqual(check.envs.map((e) => e.name).sort());
    expect(markers).toHaveLength(FLEET_NAMES.length + 1);
    // one arrow per DR pair, from the primary to its dr environment: on the overview, or in the detail panel of a crowded group
    const arrows = await page
      .locator('#map-overview path.arrow')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-primary')}>${e.getAttribute('data-dr')}`));
    const inDetail = await page
      .locator('svg.map.detail path.arrow')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-detail-pair')}>${e.getAttribute('data-detail-dr')}`));
    expect([...arrows, ...inDetail].sort()).toEqual(
      check.dr
        .filter((p) => p.dr)
        .map((p) => `${p.primary}>${p.dr!.name}`)
        .sort(),
    );
    expect(inDetail.sort()).toEqual(['prod-euw1>dr-euc1', 'prod-gcp-euw1>dr-gcp-euw4']);
    expect(await page.locator('#map-overview path.arrow.bad').count()).toBe(0);
    // the four European environments, too close to tell apart on the overview, get a detail panel
    const detail = await page
      .locator('svg.map.detail [data-detail-env]')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-detail-env')));
    expect(detail.sort()).toEqual(['dr-euc1', 'dr-gcp-euw4', 'prod-euw1', 'prod-gcp-euw1']);
    // the fleet's jurisdictions shaded: the United States, and the EU's member states in view
    expect(await page.locator('#map-overview path.country[data-jurisdiction="US"]').count()).toBe(1);
    expect(await page.locator('#map-overview path.country[data-jurisdiction="EU"]').count()).toBeGreaterThan(15);
    expect(await page.locator('#map-overview path.country[data-jurisdiction="UK"]').count()).toBe(0);
    await expect.poll(() => page.locator('svg#map-overview title').first().textContent()).toMatch(/Where each environment runs/);
    expect(await page.locator('#map-desc').textContent()).toMatch(/prod-use1 to dr-usw2 by /);

    // every matrix cell says what check --json says
    for (const env of check.matrix.envs) {
      for (const bundle of check.matrix.bundles) {
        const c = check.matrix.cells[env]![bundle]!;
        const td = page.locator(`table.matrix td[data-env="${env}"][data-bundle="${bundle}"]`);
        expect(await td.count(), `${env} × ${bundle}`).toBe(1);
        const attrs = await td.evaluate((el) => ({
          status: el.dataset.status,
          version: el.dataset.version,
          behind: el.dataset.behind,
          differs: el.dataset.differs,
          violations: el.dataset.violations,
          text: el.textContent,
        }));
        expect(attrs.status).toBe(c.status);
        expect(attrs.version).toBe(c.version);
        expect(attrs.behind).toBe(c.behind);
        expect(Number(attrs.differs)).toBe(Object.keys(c.differs).length);
        expect(attrs.violations).toBe(c.violations.join(','));
        expect(attrs.text).toContain(c.version!);
      }
    }
    // an allowed difference expands to its value and where it came from
    const staging = page.locator('table.matrix td[data-env="staging"][data-bundle="database"] details');
    await staging.locator('summary').click();
    await expect.poll(() => staging.textContent()).toMatch(/small from tier standard/);

    // DR pairs: three ways, with the last drill's steps and the history
    const pair = page.locator('article.pair[data-primary="prod-use1"]');
    expect(await pair.locator('table.objectives tbody tr').count()).toBe(2);
    const rto = check.dr.find((p) => p.primary === 'prod-use1')!.rto!;
    const rtoRow = await pair.locator('table.objectives tbody tr', { hasText: 'RTO' }).textContent();
    expect(rtoRow).toContain(`${rto.minutes} min`); // computed, as check --json says
    expect(rtoRow).toContain('42.5 min'); // last drilled
    expect(await pair.locator('.timeline span').count()).toBe(7);
    expect(await pair.locator('table.drills tbody tr').count()).toBe(2);
    expect(await pair.locator('h4').textContent()).toMatch(/2026-11-27T10:00:00Z, passed/);
    // a step of 239.6 s reads as the drill writes it, never "3 min 60 s"
    expect(await pair.locator('ol.steps li', { hasText: 'apply dr-usw2' }).textContent()).toContain('4 min 00 s');
    // (a lag budget of 60 s, the critical policy's, is no duration of minutes and seconds)
    expect(await page.locator('body').textContent()).not.toMatch(/\bmin 60 s\b/);

    await expectMapTellsTheTruth(page, check);

    // reads at 1280 px without scrolling sideways; print hides the navigation and opens the details
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    await keepScreenshots(page, 'report-fleet');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav').evaluate((n) => n.ownerDocument.defaultView!.getComputedStyle(n).display)).toBe('none');
    await page.evaluate("dispatchEvent(new Event('beforeprint'))");
    expect(await page.locator('details:not([open])').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('draws a residency violation in red: dr-euc1 moved to us-east-2 takes prod-euw1 data out of the EU', async () => {
    const root = temp();
    // the fleet as it was, for its colours: EU came first then; with dr-euc1 moved, US does
    const before = await open((await reportOf(root)).file);
    const coloursBefore = await jurisdictionColours(before.page);
    await before.page.context().close();
    const manifest = join(root, 'environments', 'dr-euc1', 'environment.yaml');
    const text = readFileSync(manifest, 'utf8');
    const moved = text
      .replace(/^region: eu-central-1.*$/m, 'region: us-east-2')
      .replace(/^ {2}region: eu-central-1$/m, '  region: us-east-2');
    expect(moved).not.toBe(text);
    writeFileSync(manifest, moved);
    const { file, check } = await reportOf(root);
    expect(check.findings.some((f) => f.check === 'residency' && f.env === 'dr-euc1')).toBe(true);
    const { page, errors, refused } = await open(file);
    expect(errors).toEqual([]);
    expect(refused).toEqual([]);

    const red = 'rgb(198, 40, 40)';
    const marker = page.locator('#map-overview [data-env="dr-euc1"]');
    expect(await marker.getAttribute('class')).toMatch(/\bbad\b/);
    expect(await marker.evaluate((g) => g.ownerDocument.defaultView!.getComputedStyle(g).fill)).toBe(red);
    const arrow = page.locator('#map-overview path.arrow[data-primary="prod-euw1"][data-dr="dr-euc1"]');
    expect(await arrow.evaluate((p) => p.ownerDocument.defaultView!.getComputedStyle(p).stroke)).toBe(red);
    // the others stay as they were
    expect(
      await page
        .locator('#map-overview path.arrow[data-primary="prod-use1"]')
        .evaluate((p) => p.ownerDocument.defaultView!.getComputedStyle(p).stroke),
    ).not.toBe(red);
    expect(
      await page.locator('#map-overview [data-env="dr-usw2"]').evaluate((g) => g.ownerDocument.defaultView!.getComputedStyle(g).fill),
    ).not.toBe(red);
    // and in the text alternatives, the pair and the findings
    expect(await page.locator('table tr.bad[data-env="dr-euc1"]').count()).toBe(1);
    expect(await page.locator('article.pair[data-primary="prod-euw1"]').getAttribute('class')).toMatch(/\bbad\b/);
    // the DR section shows the failing check, in red, beside those that pass
    const residencyCheck = page.locator('article.pair[data-primary="prod-euw1"] ul.checks > li[data-check="residency"]');
    expect(await residencyCheck.getAttribute('data-ok')).toBe('false');
    expect(await residencyCheck.textContent()).toMatch(/^✘ residency: \d+ violations?/);
    expect(await residencyCheck.evaluate((li) => getComputedStyle(li).color)).toBe(red);
    expect(await page.locator('article.pair[data-primary="prod-use1"] ul.checks > li[data-ok="false"]').count()).toBe(0);
    // each jurisdiction keeps its colour from one run to the next, on the map and in the legend
    const coloursAfter = await jurisdictionColours(page);
    expect(coloursBefore['EU']).toBeDefined();
    expect(coloursBefore['US']).toBeDefined();
    expect(coloursBefore['EU']).not.toBe(coloursBefore['US']);
    expect(coloursAfter).toEqual(coloursBefore);
    expect(await page.locator('table.findings[data-kind="residency"] tbody tr').count()).toBe(
      check.findings.filter((f) => f.kind === 'residency').length,
    );
    // long Terraform addresses wrap: still no sideways scrolling at 1280 px
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    await keepScreenshots(page, 'report-residency');
    await page.context().close();
  });
});
