/**
 * `pnpm report` in a real browser: headless Chromium (Debian's `chromium`, or `$PARITY_CHROMIUM`)
 * driven by playwright-core, the page opened from file:// with every other request blocked.
 * Without Chromium this is skipped locally and FAILS under CI=true.
 * Screenshots go to `.parity/screenshots/` (gitignored), to look at.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '@parity/checks';
import { FLEET_NAMES, parity, tempFleets } from '@parity/testkit';

const HERE = dirname(fileURLToPath(import.meta.url));
const SHOTS = join(HERE, '..', '..', '..', '.parity', 'screenshots');
const CI = process.env.CI === 'true';
const CHROMIUM = process.env.PARITY_CHROMIUM || '/usr/bin/chromium';
const HAVE_CHROMIUM = existsSync(CHROMIUM);

// The tests' fleet (@parity/testkit).
const temp = tempFleets();

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
      step('apply-dr', 'apply dr-usw2', 110, status === 'failed' ? 'failed' : 'passed'),
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
function reportOf(root: string): { file: string; check: CheckReport } {
  const out = join(root, 'out');
  const r = parity(root, 'report', '--out', out);
  expect(r.status, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(new RegExp(`wrote .*index\\.html \\(${FLEET_NAMES.length} environments`));
  const check = JSON.parse(parity(root, 'check', '--json').stdout) as CheckReport;
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
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});
afterAll(async () => {
  await browser?.close();
});

/** Open a page from file:// with everything else refused; collects console errors and refused requests. */
async function open(file: string): Promise<{ page: Page; errors: string[]; refused: string[] }> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 900 }, offline: true });
  const page = await context.newPage();
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

describe.skipIf(!HAVE_CHROMIUM && !CI)('pnpm report in headless Chromium', () => {
  it('shows every environment, one arrow per DR pair and the matrix of check --json, loading nothing', async () => {
    const root = temp();
    // this test's own history in place of the drill reports committed as evidence
    rmSync(join(root, 'environments', 'dr-usw2', 'drills'), { recursive: true, force: true });
    writeDrill(root, '2026-11-20T10:00:00Z', 'failed', 61);
    writeDrill(root, '2026-11-27T10:00:00Z', 'passed', 42.5);
    const { file, check } = reportOf(root);
    const { page, errors, refused } = await open(file);

    expect(errors).toEqual([]);
    expect(refused).toEqual([]);

    // one marker per environment, at its region, on the overview
    const markers = await page.locator('#map-overview [data-env]').evaluateAll((els) => els.map((e) => e.getAttribute('data-env')));
    expect(markers.sort()).toEqual(check.envs.map((e) => e.name).sort());
    expect(markers).toHaveLength(FLEET_NAMES.length);
    // one arrow per DR pair, from the primary to its dr environment
    const arrows = await page
      .locator('#map-overview path.arrow')
      .evaluateAll((els) => els.map((e) => `${e.getAttribute('data-primary')}>${e.getAttribute('data-dr')}`));
    expect(arrows.sort()).toEqual(
      check.dr
        .filter((p) => p.dr)
        .map((p) => `${p.primary}>${p.dr!.name}`)
        .sort(),
    );
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

    // reads at 1280 px without scrolling sideways; print hides the navigation and opens the details
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'report-fleet.png'), fullPage: true });
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('nav').evaluate((n) => n.ownerDocument.defaultView!.getComputedStyle(n).display)).toBe('none');
    await page.evaluate("dispatchEvent(new Event('beforeprint'))");
    expect(await page.locator('details:not([open])').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.context().close();
  });

  it('draws a residency violation in red: dr-euc1 moved to us-east-2 takes prod-euw1 data out of the EU', async () => {
    const root = temp();
    const manifest = join(root, 'environments', 'dr-euc1', 'environment.yaml');
    const text = readFileSync(manifest, 'utf8');
    const moved = text
      .replace(/^region: eu-central-1.*$/m, 'region: us-east-2')
      .replace(/^ {2}region: eu-central-1$/m, '  region: us-east-2');
    expect(moved).not.toBe(text);
    writeFileSync(manifest, moved);
    const { file, check } = reportOf(root);
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
    expect(await page.locator('table.findings[data-kind="residency"] tbody tr').count()).toBe(
      check.findings.filter((f) => f.kind === 'residency').length,
    );
    // long Terraform addresses wrap: still no sideways scrolling at 1280 px
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1280);
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, 'report-residency.png'), fullPage: true });
    await page.context().close();
  });
});
