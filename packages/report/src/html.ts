/**
 * The page: one HTML file with its stylesheet and map inlined, loading nothing (a Content
 * Security Policy says so), readable from file://, as a CI artifact or on GitHub Pages. Every
 * fact is in a table or text; the map has a title, a description and equivalent tables.
 * The same data gives the same bytes: nothing on the page depends on the clock.
 */
import type { DrPair, Finding, MatrixCell } from '@parity/checks';
import { stable } from '@parity/checks';
import {
  type Drill,
  DRAWN_STORE,
  envProblems,
  extras,
  MECHANISM_LABEL,
  mechanismsOf,
  type ReportData,
  standbyApplied,
  standbyItems,
  storeText,
} from './data.js';
import { count, esc, h, minutes, seconds, show, table } from './html-util.js';
import { arrowProblem, jurisdictionFills, renderMap } from './map.js';
import { CSS } from './style.js';

type EnvSummary = ReportData['check']['envs'][number];

const SOURCE_LABEL: Readonly<Record<string, string>> = {
  bundle: 'bundle default',
  definition: 'definition (defaults)',
  tier: 'tier',
  override: 'manifest (overrides)',
  strategy: 'derived from the DR strategy',
  failover: "derived from the manifest's failover step",
  failback: "derived from the manifest's failback step",
};

/** Where a parameter's value came from, in words: the derived layers are named for what derives them. */
function sourceLabel(source: string, env: EnvSummary | undefined): string {
  if (source === 'tier' && env) return `tier ${env.tier}`;
  if (source === 'override' && env) return `manifest environments/${env.name}/environment.yaml`;
  return SOURCE_LABEL[source] ?? source;
}

const badge = (cls: string, text: string, title?: string) => h('span', { class: `badge ${cls}`.trim(), title }, esc(text));
const row = (attrs: Record<string, string | undefined>, head: string, ...cells: string[]) =>
  h('tr', attrs, h('th', { scope: 'row' }, head), ...cells.map((c) => h('td', {}, c)));

function header(d: ReportData): string {
  const s = d.check.summary;
  const chips = [
    h('li', {}, count(d.check.envs.length, 'environment')),
    h('li', {}, count(d.check.matrix.bundles.length, 'bundle')),
    h('li', { class: s.errors ? 'bad' : 'ok' }, s.errors ? count(s.errors, 'violation') : 'no violations'),
    h('li', { class: s.warnings ? 'warn' : undefined }, count(s.warnings, 'warning')),
    h('li', { class: s.promotionsPending ? 'warn' : undefined }, `${count(s.promotionsPending, 'promotion')} pending`),
    h('li', {}, count(d.check.dr.length, 'DR pair')),
  ];
  const links = [
    ['map', 'Map'],
    ['matrix', 'Parity matrix'],
    ['dr', 'DR pairs'],
    ['findings', 'Findings'],
  ].map(([id, text]) => h('a', { href: `#${id}` }, text));
  const from =
    `From ${h('code', {}, esc(d.check.definitionFile))} and the environments it stamps: ` +
    `the same data as ${h('code', {}, 'pnpm check --json')}, plus the DR drill reports.`;
  return h(
    'header',
    {},
    h('h1', {}, 'Parity fleet report'),
    h('p', { class: 'muted' }, from),
    h('ul', { class: 'chips', 'aria-label': 'summary' }, ...chips),
    h('nav', { 'aria-label': 'sections' }, ...links),
  );
}

const ICON_STYLE = 'border:0;background:none;display:inline';
const ROLE_SHAPES: Readonly<Record<string, string>> = {
  production: '<circle cx="8" cy="8" r="6" class="role-production"/>',
  dr: '<path d="M8,1L15,8L8,15L1,8Z" class="role-dr"/>',
  staging: '<rect x="2" y="2" width="12" height="12" class="role-staging"/>',
};

function legend(d: ReportData): string {
  const icon = (inner: string) =>
    h(
      'svg',
      { class: 'map', width: 16, height: 16, viewBox: '0 0 16 16', 'aria-hidden': 'true', style: `width:16px;${ICON_STYLE}` },
      inner,
    );
  const line = (cls: string) =>
    h(
      'svg',
      { class: 'map', width: 40, height: 12, viewBox: '0 0 40 12', 'aria-hidden': 'true', style: `width:40px;${ICON_STYLE}` },
      h('path', { class: `arrow ${cls}`, d: 'M2,6L38,6' }),
    );
  const roles = Object.entries(ROLE_SHAPES).map(([role, shape]) => h('li', {}, icon(h('g', { class: 'marker' }, shape)), role));
  const mechs = (['replica', 'replicated-backups', 'backup-copy'] as const).map((m) => h('li', {}, line(`mech-${m}`), MECHANISM_LABEL[m]));
  const red = h('li', {}, line('bad'), h('span', { class: 'bad-text' }, 'red: residency violation or data not protected'));
  const jur = [...jurisdictionFills(d.envs)].map(([j, fill]) =>
    h('li', {}, h('span', { class: 'swatch', style: `background:${fill}` }), `jurisdiction ${esc(j)}`),
  );
  // only when a pair is failing over or back: in peacetime the legend stays as short as the map
  const moving = d.arrows.some((a) => a.phase)
    ? [h('li', {}, line('in-failover'), 'amber: failover or failback under way (from the running primary once a failover is complete)')]
    : [];
  return h('ul', { class: 'legend', 'aria-label': 'legend' }, ...roles, ...mechs, red, ...moving, ...jur);
}

function mapTables(d: ReportData): string {
  const envRows = d.envs.map((e) => {
    const problems = envProblems(e);
    const bad = problems.length > 0;
    const residency = bad ? esc(problems.join('; ')) : 'ok';
    const at = esc(e.city ?? 'not in the region catalog: not on the map');
    return row(
      { class: bad ? 'bad' : undefined, 'data-env': e.name },
      esc(e.name),
      esc(e.role),
      esc(`${e.cloud} ${e.region}`),
      at,
      esc(e.jurisdiction),
      residency,
    );
  });
  const arrowRows = d.arrows.map((a) => {
    const bad = arrowProblem(a);
    const stores = a.stores.length ? a.stores.map((st) => esc(storeText(st))).join('<br>') : a.mechanisms.map(esc).join('<br>') || '—';
    return row(
      { class: bad ? 'bad' : undefined, 'data-primary': a.primary, 'data-dr': a.dr },
      esc(`${a.primary} → ${a.dr}`),
      esc(MECHANISM_LABEL[a.mechanism]),
      stores,
      esc(bad ?? 'ok'),
    );
  });
  return h(
    'details',
    { class: 'map-text' },
    h('summary', {}, 'The map as tables'),
    table({}, 'Environments on the map', ['environment', 'role', 'region', 'drawn at', 'jurisdiction', 'problems'], envRows),
    table({}, 'DR arrows', ['primary → dr', `drawn as (the ${DRAWN_STORE})`, 'each store', 'problem'], arrowRows),
  );
}

function mapSection(d: ReportData): string {
  return h(
    'section',
    { id: 'map', 'aria-labelledby': 'map-h' },
    h('h2', { id: 'map-h' }, 'Where the fleet runs and where its data goes'),
    h('figure', {}, renderMap(d.envs, d.arrows), h('figcaption', {}, legend(d))),
    mapTables(d),
  );
}

/** The allowed (and disallowed) differences of a cell, expandable to each value and its source. */
function differsDetails(d: ReportData, env: string, bundle: string, c: MatrixCell): string | undefined {
  const differs = Object.keys(c.differs).sort();
  if (!differs.length) return undefined;
  const e = d.check.envs.find((x) => x.name === env);
  const entries = differs.map((p) => {
    const src = d.params[env]?.[bundle]?.params[p]?.source;
    const must = c.violations.includes(p);
    const from = esc(src ? sourceLabel(src, e) : 'unknown');
    const value = `${h('code', {}, esc(show(c.differs[p])))} from ${from}${must ? ' (must match)' : ''}`;
    return h('dt', {}, esc(p)) + h('dd', { class: must ? 'bad-text' : undefined }, value);
  });
  const allowed = differs.length - c.violations.length;
  const summary = `±${allowed} allowed${c.violations.length ? `, ${c.violations.length} not` : ''}`;
  return h('details', { class: 'differs' }, h('summary', {}, summary), h('dl', { class: 'kv' }, ...entries));
}

function cellHtml(d: ReportData, env: string, bundle: string, c: MatrixCell | undefined): string {
  if (!c || c.status === 'missing')
    return h('td', { class: 'violation', 'data-env': env, 'data-bundle': bundle, 'data-status': 'missing' }, 'missing');
  const pinned = d.params[env]?.[bundle]?.pinned;
  const parts = [
    h('span', { class: 'version' }, esc(c.version ?? '')),
    pinned && badge('pin', `pinned ${pinned}`, 'the manifest pins this version'),
    c.status === 'pending' && c.behind && badge('warn pending', `↑ ${c.behind} pending`, 'a newer version runs elsewhere'),
    c.status === 'violation' && c.behind && badge('bad', `major version apart from ${c.behind}`),
    c.violations.length > 0 && badge('bad violations', `✘ must match: ${c.violations.join(', ')}`),
    differsDetails(d, env, bundle, c),
  ];
  const attrs = {
    class: c.status === 'violation' ? 'violation' : c.status === 'pending' ? 'pending' : undefined,
    'data-env': env,
    'data-bundle': bundle,
    'data-status': c.status,
    'data-version': c.version ?? '',
    'data-behind': c.behind,
    'data-differs': Object.keys(c.differs).length,
    'data-violations': c.violations.join(','),
  };
  return h('td', attrs, parts.filter((p): p is string => typeof p === 'string').join(' '));
}

function differencesTable(d: ReportData): string {
  const envOf = (n: string) => d.check.envs.find((e) => e.name === n);
  const rows = d.check.matrix.differences.map((x) => {
    const groups = x.groups.map((g) => {
      const who = g.envs.map((n) => {
        const src = d.params[n]?.[x.bundle]?.params[x.param]?.source;
        return `${esc(n)}${src ? ` ${h('span', { class: 'muted' }, `(${esc(sourceLabel(src, envOf(n)))})`)}` : ''}`;
      });
      return h('li', {}, `${h('code', {}, esc(show(g.value)))}: ${who.join(', ')}`);
    });
    const name = h('code', {}, esc(`${x.bundle}.${x.param}`));
    return row({ class: x.allowed ? undefined : 'bad' }, name, x.allowed ? 'allowed (mayDiffer)' : 'must match', h('ul', {}, ...groups));
  });
  if (!rows.length) return h('p', {}, 'Every parameter is the same in every environment.');
  return table(
    { class: 'differences' },
    'Parameters that differ, by value, with where each value came from',
    ['parameter', '', 'values'],
    rows,
  );
}

function matrixSection(d: ReportData): string {
  const m = d.check.matrix;
  const rows = d.check.envs.map((e) => {
    const cells = m.bundles.map((b) => cellHtml(d, e.name, b, m.cells[e.name]?.[b]));
    return h(
      'tr',
      {},
      h('th', { scope: 'row' }, esc(e.name)),
      h('td', {}, esc(e.role)),
      h('td', {}, esc(`${e.cloud}:${e.region}`)),
      ...cells,
    );
  });
  const intro =
    'Each cell: the bundle version, a pin, a promotion pending (↑), parameters that must match but differ (✘), ' +
    'and the allowed differences, each with its value and where it came from.';
  return h(
    'section',
    { id: 'matrix', 'aria-labelledby': 'matrix-h' },
    h('h2', { id: 'matrix-h' }, 'Parity matrix'),
    h('p', { class: 'muted' }, intro),
    table({ class: 'matrix' }, 'Environment × bundle', ['environment', 'role', 'region', ...m.bundles], rows),
    differencesTable(d),
  );
}

type Computed = { readonly minutes: number; readonly met: boolean; readonly marginMinutes: number };

function objectiveRow(label: string, target: number | undefined, t: Computed | undefined, drilled: number | undefined): string {
  const status = !t
    ? badge('bad', 'not computed')
    : t.met
      ? badge('ok', `met, ${minutes(t.marginMinutes)} to spare`)
      : badge('bad', `breached by ${minutes(-t.marginMinutes)}`);
  const verdict =
    target === undefined ? '' : drilled !== undefined && drilled <= target ? ` ${badge('ok', 'met')}` : ` ${badge('bad', 'breached')}`;
  const drill = drilled !== undefined ? `${minutes(drilled)}${verdict}` : 'never drilled';
  return row({}, label, minutes(target), `${t ? minutes(t.minutes) : '—'} ${status}`, drill);
}

function threeWays(p: DrPair): string {
  const pol = extras(p).policy;
  const rows = [
    objectiveRow('RPO', p.rpo?.targetMinutes ?? pol.rpoMinutes, p.rpo, p.lastDrill?.rpoMinutes),
    objectiveRow('RTO', p.rto?.targetMinutes ?? pol.rtoMinutes, p.rto, p.lastDrill?.rtoMinutes),
  ];
  return table(
    { class: 'objectives' },
    'Recovery objectives three ways',
    ['', 'target', 'computed from the Terraform', 'last drilled'],
    rows,
  );
}

/** Each data store's RPO: the mechanism recovery uses, what it gives, the store's target and the margin. */
function storeRpoTable(p: DrPair): string {
  const stores = p.rpo?.stores;
  if (!Array.isArray(stores) || stores.length === 0) return '';
  const rows = stores.map((s) =>
    row(
      { class: s.met ? undefined : 'bad' },
      esc(s.bundle),
      esc(s.mechanism),
      minutes(s.rpoMinutes),
      `${minutes(s.targetMinutes)}${s.ownTarget ? ' (its own)' : ''}`,
      s.met ? badge('ok', `${minutes(s.marginMinutes)} to spare`) : badge('bad', `breached by ${minutes(-s.marginMinutes)}`),
    ),
  );
  return table(
    { class: 'store-rpo' },
    'RPO per data store',
    ['store', 'how its data reaches the DR region', 'RPO', 'target', 'margin'],
    rows,
  );
}

function policyList(p: DrPair): string {
  const { policy: pol, implemented, failover, failback } = extras(p);
  const drName = p.dr?.name ?? 'the dr environment';
  const dr = p.dr
    ? `${p.dr.name} (${p.dr.region}), state in ${p.dr.stateRegion}${p.stateOk === false ? ': the region it fails over from' : ''}`
    : 'none';
  const items: Array<[string, string | undefined]> = [
    ['policy', pol.name ?? "(the definition's dr section)"],
    ['strategy', pol.strategy ?? (typeof p.strategy === 'string' ? p.strategy : undefined)],
    ['copy delay budget', pol.copyDelayMinutes !== undefined ? minutes(pol.copyDelayMinutes) : undefined],
    ['standby capacity', pol.standbyCapacityPercent !== undefined ? `${pol.standbyCapacityPercent}%` : undefined],
    [
      'implemented',
      implemented && implemented !== pol.strategy ? `${implemented} (the Terraform does not implement the policy)` : undefined,
    ],
    ['failover', failover && (failover === 'complete' ? `complete: ${drName} runs as the primary` : `step ${failover} under way`)],
    ['failback', failback ? `step ${failback} under way: ${p.primary} takes its role back from ${drName}` : undefined],
    ['primary', `${p.primary} (${p.primaryRegion}, ${p.jurisdiction})`],
    ['dr', dr],
  ];
  const shown = items.filter((i): i is [string, string] => i[1] !== undefined);
  return h('dl', { class: 'kv' }, ...shown.map(([k, v]) => h('dt', {}, esc(k)) + h('dd', {}, esc(v))));
}

/** What runs in the DR region in peacetime (the check's `standby`): the standing cost of the policy. */
function standbyHtml(standby: unknown): string {
  if (standby === undefined || standby === null) return '';
  const items = standbyItems(standby);
  if (!items) return h('p', {}, `Standby in the DR region: ${h('code', {}, esc(stable(standby)))}`);
  const applied = standbyApplied(standby);
  const note = applied === false ? 'the dr environment is applied only at failover; in peacetime only the backup plane runs' : undefined;
  const rows = items.map((i) =>
    row({}, h('code', {}, esc(i.resource)), esc(i.what), esc(i.size ?? ''), i.count === undefined ? '' : String(i.count)),
  );
  return (
    (note ? h('p', { class: 'muted' }, esc(note)) : '') +
    table({ class: 'standby' }, 'Standing in the DR region in peacetime', ['resource', 'what', 'size', 'count'], rows)
  );
}

function coverageTable(p: DrPair): string {
  const standby = extras(p).standby;
  const rows = (p.coverage ?? []).map((c) => {
    const how = c.protections.map((x) => {
      const view = mechanismsOf(p).find((m) => m.text === x.mechanism);
      const recovery = extras(x).recovery;
      // the database's kind is what the arrow draws; another store's "replica" is no read replica
      const note = [
        view && c.bundle === DRAWN_STORE ? MECHANISM_LABEL[view.kind] : undefined,
        `RPO ${minutes(x.rpoMinutes)}`,
        recovery ? `then ${recovery}` : undefined,
      ];
      return `${esc(x.mechanism)} ${h('span', { class: 'muted' }, `(${esc(note.filter(Boolean).join(', '))})`)}`;
    });
    return row({ class: c.covered ? undefined : 'bad' }, esc(c.bundle), how.join('<br>') || 'NOT protected in the DR region');
  });
  const keys = p.keys.map((k) =>
    h(
      'li',
      { class: k.ok ? undefined : 'bad-text' },
      `${h('code', {}, esc(k.address))} in ${esc(k.region)}: key ${k.keyRegion ? `in ${esc(k.keyRegion)}` : 'of unknown region'}`,
    ),
  );
  const caption = `How each stateful bundle reaches ${p.dr?.region ?? 'the DR region'}`;
  return [
    table(
      { class: 'coverage' },
      caption,
      ['bundle', 'mechanisms'],
      rows.length ? rows : [h('tr', {}, h('td', { colspan: 2 }, 'no Terraform to read yet'))],
    ),
    keys.length ? h('p', {}, 'Copies and their keys:') + h('ul', {}, ...keys) : '',
    standbyHtml(standby),
    p.queues ? h('p', { class: 'muted' }, `Queues: ${esc(p.queues)}`) : '',
  ].join('');
}

function timeline(d: Drill): string {
  const total = d.steps.reduce((a, s) => a + (s.durationSeconds ?? 0), 0);
  const spans = d.steps
    .filter((s) => (s.durationSeconds ?? 0) > 0)
    .map((s) =>
      h(
        'span',
        { class: s.status, style: `flex:${(s.durationSeconds! / total).toFixed(4)}`, title: `${s.title}: ${seconds(s.durationSeconds)}` },
        esc(s.title),
      ),
    );
  const bar =
    total > 0 ? h('div', { class: 'timeline', role: 'img', 'aria-label': `step durations of the drill of ${d.startedAt}` }, ...spans) : '';
  const steps = d.steps.map((s) => {
    const took = s.durationSeconds !== undefined ? `, ${seconds(s.durationSeconds)}` : '';
    const when = s.startedAt ? ` ${h('span', { class: 'muted' }, `(${esc(s.startedAt)})`)}` : '';
    const detail = s.detail ? ` ${h('span', { class: 'muted' }, `— ${esc(s.detail)}`)}` : '';
    return h(
      'li',
      { class: s.status === 'failed' || s.status === 'aborted' ? 'bad-text' : undefined },
      `${h('strong', {}, esc(s.title))}: ${esc(s.status)}${took}${when}${detail}`,
    );
  });
  const target = d.target ? ` ${h('span', { class: 'muted' }, `(${esc(d.target)})`)}` : '';
  return h('h4', {}, `Last drill: ${esc(d.startedAt)}, ${esc(d.status)}${target}`) + bar + h('ol', { class: 'steps' }, ...steps);
}

function drillHistory(list: readonly Drill[]): string {
  const rows = list.map((x) =>
    row(
      { class: x.status === 'passed' ? undefined : 'bad' },
      esc(x.startedAt),
      esc(x.status),
      minutes(x.rtoMinutes),
      minutes(x.rpoMinutes),
      h('code', {}, esc(x.file)) + (x.evidence ? ` · ${h('a', { href: x.evidence, class: 'evidence' }, 'evidence record')}` : ''),
    ),
  );
  return table({ class: 'drills' }, 'Drill history', ['started', 'status', 'RTO', 'RPO', 'report'], rows);
}

/** One check of a pair: passed, or failed and why. */
interface PairCheck {
  readonly id: string;
  readonly ok: boolean;
  readonly text: string;
  /** Each failure, when there are several. */
  readonly items?: readonly string[];
}

const met = (t: DrPair['rpo'] | DrPair['rto']) =>
  !t ? 'not computed' : t.met ? `met, ${minutes(t.marginMinutes)} to spare` : `breached by ${minutes(-t.marginMinutes)}`;

/**
 * Every check of a pair, passed or failed: residency (findings about either environment), coverage,
 * RPO, RTO, the copies' keys, where the dr state lives, and any other DR finding about the pair.
 */
function pairChecks(d: ReportData, p: DrPair): PairCheck[] {
  const about = (f: Finding) => f.severity === 'error' && (f.env === p.primary || f.env === p.dr?.name);
  const residency = d.check.findings.filter((f) => f.check === 'residency' && about(f));
  const uncovered = (p.coverage ?? []).filter((c) => !c.covered).map((c) => c.bundle);
  const badKeys = p.keys.filter((k) => !k.ok).map((k) => k.address);
  const others = d.check.findings.filter((f) => f.check === 'dr' && about(f));
  const where = p.dr?.region ?? 'the DR region';
  const checks: PairCheck[] = [
    residency.length
      ? { id: 'residency', ok: false, text: `residency: ${count(residency.length, 'violation')}`, items: residency.map((f) => f.message) }
      : { id: 'residency', ok: true, text: `data stays in ${p.jurisdiction}` },
    !p.dr
      ? { id: 'coverage', ok: false, text: 'no dr environment recovers it' }
      : uncovered.length
        ? { id: 'coverage', ok: false, text: `not protected in ${where}: ${uncovered.join(', ')}` }
        : { id: 'coverage', ok: true, text: `every stateful bundle reaches ${where}` },
    { id: 'rpo', ok: p.rpo?.met === true, text: `RPO ${met(p.rpo)}` },
    { id: 'rto', ok: p.rto?.met === true, text: `RTO ${met(p.rto)}` },
    badKeys.length
      ? { id: 'keys', ok: false, text: `copies encrypted with a key outside ${where}: ${badKeys.join(', ')}` }
      : { id: 'keys', ok: true, text: p.keys.length ? `every copy encrypted with a key in ${where}` : 'no copies to encrypt' },
    p.stateOk === false
      ? { id: 'state', ok: false, text: `the dr state lives in ${p.dr?.stateRegion}, the region it fails over from` }
      : { id: 'state', ok: true, text: p.dr ? `dr state in ${p.dr.stateRegion}` : 'no dr state' },
  ];
  const more: PairCheck = others.length
    ? { id: 'dr-findings', ok: false, text: count(others.length, 'DR finding'), items: others.map((f) => `${f.kind}: ${f.message}`) }
    : { id: 'dr-findings', ok: true, text: 'no other DR finding' };
  return [...checks, more];
}

function checksList(checks: readonly PairCheck[]): string {
  const items = checks.map((c) =>
    h(
      'li',
      { class: c.ok ? 'check ok' : 'check bad-text', 'data-check': c.id, 'data-ok': String(c.ok) },
      `${c.ok ? '✔' : '✘'} ${esc(c.text)}`,
      c.items && h('ul', {}, ...c.items.map((i) => h('li', {}, esc(i)))),
    ),
  );
  return h('ul', { class: 'checks', 'aria-label': 'checks of the pair' }, ...items);
}

function pairSection(d: ReportData, p: DrPair): string {
  const drills = p.dr ? (d.drills[p.dr.name] ?? []) : [];
  const checks = pairChecks(d, p);
  const bad = checks.some((c) => !c.ok);
  const never = h('p', {}, `Never drilled${p.dr ? `: ${h('code', {}, esc(`pnpm drill ${p.dr.name}`))}` : ''}.`);
  const title = `${esc(p.primary)} → ${p.dr ? esc(p.dr.name) : h('span', { class: 'bad-text' }, 'no dr environment')}`;
  return h(
    'article',
    { class: bad ? 'pair bad' : 'pair', 'data-primary': p.primary, 'data-dr': p.dr?.name },
    h('h3', {}, title),
    h(
      'div',
      { class: 'cols' },
      h('div', {}, checksList(checks), policyList(p), threeWays(p), storeRpoTable(p)),
      h('div', {}, coverageTable(p)),
    ),
    drills.length ? timeline(drills[0]!) + drillHistory(drills) : never,
  );
}

function drSection(d: ReportData): string {
  const body = d.check.dr.length ? d.check.dr.map((p) => pairSection(d, p)) : [h('p', {}, 'No production environments.')];
  return h('section', { id: 'dr', 'aria-labelledby': 'dr-h' }, h('h2', { id: 'dr-h' }, 'DR pairs'), ...body);
}

/** The previews (`pnpm preview`), if any, apart from the fleet: ephemeral, each against its base. */
function previewsSection(d: ReportData): string | undefined {
  const previews = d.check.previews ?? [];
  if (!previews.length) return undefined;
  const rows = previews.map((p) =>
    row(
      { class: p.atParity ? undefined : 'bad' },
      esc(p.name),
      esc(p.from),
      esc(`${p.cloud} ${p.region}`),
      esc(p.tier),
      `${esc(p.expires)}${p.expired ? ` ${badge('warn', 'expired')}` : ''}`,
      p.atParity ? badge('ok', `at parity with ${p.from}`) : badge('bad', 'not at parity (see the findings)'),
    ),
  );
  return h(
    'section',
    { id: 'previews', 'aria-labelledby': 'previews-h' },
    h('h2', { id: 'previews-h' }, 'Previews'),
    h(
      'p',
      {},
      'Ephemeral environments for pull requests (pnpm preview), never committed: destroyed when the pull request closes or they expire.',
    ),
    table({ class: 'previews' }, undefined, ['preview', 'base', 'region', 'tier', 'expires', 'parity'], rows),
  );
}

function findingRow(f: Finding): string {
  const where = `${h('code', {}, esc(`${f.file}${f.line ? `:${f.line}` : ''}`))}${f.path ? ` ${h('code', {}, esc(f.path))}` : ''}`;
  const value =
    f.value !== undefined
      ? ` ${h('span', { class: 'muted' }, `(value ${h('code', {}, esc(show(f.value)))}${f.allowed ? `, allowed ${esc(f.allowed)}` : ''})`)}`
      : '';
  const cells = [f.severity, esc(f.env ?? ''), where, `${esc(f.message)}${value}`, esc(f.fix ?? '')];
  return h('tr', { class: f.severity === 'error' ? 'bad' : undefined }, ...cells.map((c) => h('td', {}, c)));
}

function findingsSection(d: ReportData): string {
  const kinds = new Map<string, Finding[]>();
  for (const f of d.check.findings) kinds.set(f.kind, [...(kinds.get(f.kind) ?? []), f]);
  const groups = [...kinds].map(([kind, list]) => {
    const errors = list.some((f) => f.severity === 'error');
    const check = h('span', { class: 'muted' }, `(${esc(list[0]!.check)})`);
    const title = `${esc(kind)} ${badge(errors ? 'bad' : 'warn', String(list.length))} ${check}`;
    return (
      h('h3', { id: `kind-${kind}` }, title) +
      table(
        { class: 'findings', 'data-kind': kind },
        undefined,
        ['severity', 'environment', 'where', 'problem', 'fix'],
        list.map(findingRow),
      )
    );
  });
  const body = groups.length ? groups : [h('p', {}, 'None: no violations, no warnings.')];
  return h('section', { id: 'findings', 'aria-labelledby': 'findings-h' }, h('h2', { id: 'findings-h' }, 'Findings'), ...body);
}

/** Opens every collapsed detail before printing, so that paper shows all of it. */
const PRINT_SCRIPT = "addEventListener('beforeprint', () => { for (const d of document.querySelectorAll('details')) d.open = true; });";
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";
const CREDIT = 'Map: Natural Earth (public domain) via world-atlas; region places from the region catalog (GeoNames).';

/** The whole page. */
export function renderHtml(d: ReportData): string {
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    h('title', {}, esc(`Parity fleet report: ${count(d.check.envs.length, 'environment')}, ${count(d.check.summary.errors, 'violation')}`)),
    h('style', {}, CSS),
  ];
  const main = [header(d), mapSection(d), matrixSection(d), drSection(d), previewsSection(d), findingsSection(d)].filter(
    (x) => x !== undefined,
  );
  const footer = h('footer', {}, `Written by ${h('code', {}, 'pnpm report')}. ${CREDIT}`);
  const body = [h('main', {}, ...main.map((s) => `${s}\n`), footer), h('script', {}, PRINT_SCRIPT)];
  return `<!doctype html>\n<html lang="en">\n<head>\n${head.join('\n')}\n</head>\n<body>\n${body.join('\n')}\n</body>\n</html>\n`;
}
