/**
 * The page: one HTML file with its stylesheet and map inlined, loading nothing (a Content
 * Security Policy says so), readable from file://, as a CI artifact or on GitHub Pages. Every
 * fact is in a table or text; the map has a title, a description and equivalent tables.
 * The same data gives the same bytes: nothing on the page depends on the clock.
 */
import { stable, type DrPair, type Finding, type MatrixCell } from '@parity/checks';
import { extras, MECHANISM_LABEL, type Drill, type ReportData } from './data.js';
import { esc, minutes, seconds, show } from './html-util.js';
import { arrowProblem, jurisdictionFills, renderMap } from './map.js';
import { CSS } from './style.js';

const SOURCE_LABEL: Readonly<Record<string, string>> = {
  bundle: 'bundle default',
  definition: 'definition (defaults)',
  tier: 'tier',
  override: 'manifest (overrides)',
  strategy: 'derived from the DR strategy',
  failover: "derived from the manifest's failover step",
};

function sourceLabel(source: string, env: ReportData['check']['envs'][number] | undefined): string {
  if (source === 'tier' && env) return `tier ${env.tier}`;
  if (source === 'override' && env) return `manifest environments/${env.name}/environment.yaml`;
  return SOURCE_LABEL[source] ?? source;
}

function header(d: ReportData): string {
  const s = d.check.summary;
  const chip = (cls: string, text: string) => `<li class="${cls}">${esc(text)}</li>`;
  return `<header>
<h1>Parity fleet report</h1>
<p class="muted">From <code>${esc(d.check.definitionFile)}</code> and the environments it stamps: the same data as <code>pnpm check --json</code>, plus the DR drill reports.</p>
<ul class="chips" aria-label="summary">
${chip('', `${d.check.envs.length} environments`)}${chip('', `${d.check.matrix.bundles.length} bundles`)}${chip(s.errors ? 'bad' : 'ok', s.errors ? `${s.errors} violation${s.errors === 1 ? '' : 's'}` : 'no violations')}${chip(s.warnings ? 'warn' : '', `${s.warnings} warning${s.warnings === 1 ? '' : 's'}`)}${chip(s.promotionsPending ? 'warn' : '', `${s.promotionsPending} promotion${s.promotionsPending === 1 ? '' : 's'} pending`)}${chip('', `${d.check.dr.length} DR pair${d.check.dr.length === 1 ? '' : 's'}`)}
</ul>
<nav aria-label="sections"><a href="#map">Map</a><a href="#matrix">Parity matrix</a><a href="#dr">DR pairs</a><a href="#findings">Findings</a></nav>
</header>`;
}

function legend(d: ReportData): string {
  const shape = (role: string) =>
    role === 'production'
      ? '<circle cx="8" cy="8" r="6" class="role-production"/>'
      : role === 'dr'
        ? '<path d="M8,1L15,8L8,15L1,8Z" class="role-dr"/>'
        : '<rect x="2" y="2" width="12" height="12" class="role-staging"/>';
  const icon = (inner: string) => `<svg class="map" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true" style="width:16px;border:0;background:none;display:inline">${inner}</svg>`;
  const line = (cls: string) => `<svg class="map" width="40" height="12" viewBox="0 0 40 12" aria-hidden="true" style="width:40px;border:0;background:none;display:inline"><path class="arrow ${cls}" d="M2,6L38,6"/></svg>`;
  const roles = ['production', 'dr', 'staging'].map((r) => `<li>${icon(`<g class="marker">${shape(r)}</g>`)}${r}</li>`);
  const mechs = (['replica', 'replicated-backups', 'backup-copy'] as const).map((m) => `<li>${line(`mech-${m}`)}${MECHANISM_LABEL[m]}</li>`);
  const jur = [...jurisdictionFills(d.envs)].map(([j, fill]) => `<li><span class="swatch" style="background:${fill}"></span>jurisdiction ${esc(j)}</li>`);
  return `<ul class="legend" aria-label="legend">${roles.join('')}${mechs.join('')}<li>${line('bad')}<span class="bad-text">red: residency violation or data not protected</span></li>${jur.join('')}</ul>`;
}

function mapTables(d: ReportData): string {
  const envRows = d.envs.map((e) => {
    const bad = e.residency.length > 0;
    return `<tr${bad ? ' class="bad"' : ''} data-env="${esc(e.name)}"><th scope="row">${esc(e.name)}</th><td>${esc(e.role)}</td><td>${esc(e.cloud)} ${esc(e.region)}</td><td>${esc(e.city ?? 'not in the catalog: not on the map')}</td><td>${esc(e.jurisdiction)}</td><td>${bad ? esc(e.residency.map((f) => f.message).join('; ')) : 'ok'}</td></tr>`;
  });
  const arrowRows = d.arrows.map((a) => {
    const bad = arrowProblem(a);
    return `<tr${bad ? ' class="bad"' : ''} data-primary="${esc(a.primary)}" data-dr="${esc(a.dr)}"><th scope="row">${esc(a.primary)} → ${esc(a.dr)}</th><td>${esc(MECHANISM_LABEL[a.mechanism])}</td><td>${a.mechanisms.map((m) => esc(m)).join('<br>') || '—'}</td><td>${esc(bad ?? 'ok')}</td></tr>`;
  });
  return `<details class="map-text"><summary>The map as tables</summary>
<table><caption>Environments on the map</caption><thead><tr><th scope="col">environment</th><th scope="col">role</th><th scope="col">region</th><th scope="col">drawn at</th><th scope="col">jurisdiction</th><th scope="col">residency</th></tr></thead><tbody>${envRows.join('')}</tbody></table>
<table><caption>DR arrows</caption><thead><tr><th scope="col">primary → dr</th><th scope="col">drawn as</th><th scope="col">mechanisms</th><th scope="col">problem</th></tr></thead><tbody>${arrowRows.join('')}</tbody></table>
</details>`;
}

function mapSection(d: ReportData): string {
  return `<section id="map" aria-labelledby="map-h"><h2 id="map-h">Where the fleet runs and where its data goes</h2>
<figure>${renderMap(d.envs, d.arrows)}<figcaption>${legend(d)}</figcaption></figure>
${mapTables(d)}
</section>`;
}

function cellHtml(d: ReportData, env: string, bundle: string, c: MatrixCell | undefined): string {
  if (!c || c.status === 'missing') return `<td class="violation" data-env="${esc(env)}" data-bundle="${esc(bundle)}" data-status="missing">missing</td>`;
  const e = d.check.envs.find((x) => x.name === env);
  const origin = d.params[env]?.[bundle];
  const differs = Object.keys(c.differs).sort();
  const parts = [`<span class="version">${esc(c.version ?? '')}</span>`];
  if (origin?.pinned) parts.push(`<span class="badge pin" title="the manifest pins this version">pinned ${esc(origin.pinned)}</span>`);
  if (c.status === 'pending' && c.behind) parts.push(`<span class="badge warn pending" title="a newer version runs elsewhere">↑ ${esc(c.behind)} pending</span>`);
  if (c.status === 'violation' && c.behind) parts.push(`<span class="badge bad">major version apart from ${esc(c.behind)}</span>`);
  if (c.violations.length) parts.push(`<span class="badge bad violations">✘ must match: ${c.violations.map(esc).join(', ')}</span>`);
  const allowed = differs.filter((p) => !c.violations.includes(p));
  if (differs.length) {
    const rows = differs.map((p) => {
      const src = origin?.params[p]?.source;
      const must = c.violations.includes(p);
      return `<dt>${esc(p)}</dt><dd${must ? ' class="bad-text"' : ''}><code>${esc(show(c.differs[p]))}</code> from ${esc(src ? sourceLabel(src, e) : 'unknown')}${must ? ' (must match)' : ''}</dd>`;
    });
    parts.push(`<details class="differs"><summary>±${allowed.length} allowed${c.violations.length ? `, ${c.violations.length} not` : ''}</summary><dl class="kv">${rows.join('')}</dl></details>`);
  }
  const cls = c.status === 'violation' ? 'violation' : c.status === 'pending' ? 'pending' : '';
  return `<td class="${cls}" data-env="${esc(env)}" data-bundle="${esc(bundle)}" data-status="${esc(c.status)}" data-version="${esc(c.version ?? '')}"${c.behind ? ` data-behind="${esc(c.behind)}"` : ''} data-differs="${differs.length}" data-violations="${esc(c.violations.join(','))}">${parts.join(' ')}</td>`;
}

function differencesTable(d: ReportData): string {
  const rows = d.check.matrix.differences.map((x) => {
    const groups = x.groups.map((g) => {
      const who = g.envs.map((n) => {
        const src = d.params[n]?.[x.bundle]?.params[x.param]?.source;
        return `${esc(n)}${src ? ` <span class="muted">(${esc(sourceLabel(src, d.check.envs.find((e) => e.name === n)))})</span>` : ''}`;
      });
      return `<li><code>${esc(show(g.value))}</code>: ${who.join(', ')}</li>`;
    });
    return `<tr${x.allowed ? '' : ' class="bad"'}><th scope="row"><code>${esc(x.bundle)}.${esc(x.param)}</code></th><td>${x.allowed ? 'allowed (mayDiffer)' : 'must match'}</td><td><ul>${groups.join('')}</ul></td></tr>`;
  });
  if (!rows.length) return '<p>Every parameter is the same in every environment.</p>';
  return `<table class="differences"><caption>Parameters that differ, by value, with where each value came from</caption><thead><tr><th scope="col">parameter</th><th scope="col"></th><th scope="col">values</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function matrixSection(d: ReportData): string {
  const m = d.check.matrix;
  const head = `<tr><th scope="col">environment</th><th scope="col">role</th><th scope="col">region</th>${m.bundles.map((b) => `<th scope="col">${esc(b)}</th>`).join('')}</tr>`;
  const rows = d.check.envs.map((e) => `<tr><th scope="row">${esc(e.name)}</th><td>${esc(e.role)}</td><td>${esc(e.cloud)}:${esc(e.region)}</td>${m.bundles.map((b) => cellHtml(d, e.name, b, m.cells[e.name]?.[b])).join('')}</tr>`);
  return `<section id="matrix" aria-labelledby="matrix-h"><h2 id="matrix-h">Parity matrix</h2>
<p class="muted">Each cell: the bundle version, a pin, a promotion pending (↑), parameters that must match but differ (✘), and the allowed differences, each with its value and where it came from.</p>
<table class="matrix"><caption>Environment × bundle</caption><thead>${head}</thead><tbody>${rows.join('')}</tbody></table>
${differencesTable(d)}
</section>`;
}

function threeWays(p: DrPair): string {
  const drill = p.lastDrill;
  const pol = extras(p).policy;
  const row = (label: string, target: number | undefined, t: { minutes: number; met: boolean; marginMinutes: number } | undefined, drilled: number | undefined) => {
    const status = t ? (t.met ? `<span class="badge ok">met, ${minutes(t.marginMinutes)} to spare</span>` : `<span class="badge bad">breached by ${minutes(-t.marginMinutes)}</span>`) : '<span class="badge bad">not computed</span>';
    const dr = drilled !== undefined ? `${minutes(drilled)}${target !== undefined ? (drilled <= target ? ' <span class="badge ok">met</span>' : ' <span class="badge bad">breached</span>') : ''}` : 'never drilled';
    return `<tr><th scope="row">${label}</th><td>${minutes(target)}</td><td>${t ? minutes(t.minutes) : '—'} ${status}</td><td>${dr}</td></tr>`;
  };
  return `<table class="objectives"><caption>Recovery objectives three ways</caption><thead><tr><th scope="col"></th><th scope="col">target</th><th scope="col">computed from the Terraform</th><th scope="col">last drilled</th></tr></thead><tbody>
${row('RPO', p.rpo?.targetMinutes ?? pol?.rpoMinutes, p.rpo, drill?.rpoMinutes)}
${row('RTO', p.rto?.targetMinutes ?? pol?.rtoMinutes, p.rto, drill?.rtoMinutes)}
</tbody></table>`;
}

function policyList(p: DrPair): string {
  const pol = extras(p).policy;
  const items: Array<[string, string]> = [
    ['policy', pol?.name ?? '(the definition\'s dr section)'],
    ['strategy', pol?.strategy ?? p.strategy],
    ...(pol?.copyDelayMinutes !== undefined ? ([['copy delay budget', minutes(pol.copyDelayMinutes)]] as Array<[string, string]>) : []),
    ...(pol?.standbyCapacityPercent !== undefined ? ([['standby capacity', `${pol.standbyCapacityPercent}%`]] as Array<[string, string]>) : []),
    ['primary', `${p.primary} (${p.primaryRegion}, ${p.jurisdiction})`],
    ['dr', p.dr ? `${p.dr.name} (${p.dr.region}), state in ${p.dr.stateRegion}${p.stateOk === false ? ': the region it fails over from' : ''}` : 'none'],
  ];
  return `<dl class="kv">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`;
}

function coverageTable(p: DrPair): string {
  const standby = extras(p).standby;
  const rows = (p.coverage ?? []).map((c) => `<tr${c.covered ? '' : ' class="bad"'}><th scope="row">${esc(c.bundle)}</th><td>${c.protections.map((x) => `${esc(x.mechanism)} <span class="muted">(RPO ${minutes(x.rpoMinutes)})</span>`).join('<br>') || 'NOT protected in the DR region'}</td></tr>`);
  const keys = p.keys.map((k) => `<li${k.ok ? '' : ' class="bad-text"'}><code>${esc(k.address)}</code> in ${esc(k.region)}: key ${k.keyRegion ? `in ${esc(k.keyRegion)}` : 'of unknown region'}</li>`);
  return `<table class="coverage"><caption>How each stateful bundle reaches ${esc(p.dr?.region ?? 'the DR region')}</caption><thead><tr><th scope="col">bundle</th><th scope="col">mechanisms</th></tr></thead><tbody>${rows.join('') || '<tr><td colspan="2">no Terraform to read yet</td></tr>'}</tbody></table>
${keys.length ? `<p>Copies and their keys:</p><ul>${keys.join('')}</ul>` : ''}
${standby !== undefined ? `<p>Standby in the DR region: <code>${esc(stable(standby))}</code></p>` : ''}
${p.queues ? `<p class="muted">Queues: ${esc(p.queues)}</p>` : ''}`;
}

function timeline(d: Drill): string {
  const total = d.steps.reduce((a, s) => a + (s.durationSeconds ?? 0), 0);
  const bar = total > 0 ? `<div class="timeline" role="img" aria-label="step durations of the drill of ${esc(d.startedAt)}">${d.steps.filter((s) => (s.durationSeconds ?? 0) > 0).map((s) => `<span class="${esc(s.status)}" style="flex:${(s.durationSeconds! / total).toFixed(4)}" title="${esc(`${s.title}: ${seconds(s.durationSeconds)}`)}">${esc(s.title)}</span>`).join('')}</div>` : '';
  const steps = d.steps.map((s) => `<li class="${s.status === 'failed' || s.status === 'aborted' ? 'bad-text' : ''}"><strong>${esc(s.title)}</strong>: ${esc(s.status)}${s.durationSeconds !== undefined ? `, ${seconds(s.durationSeconds)}` : ''}${s.startedAt ? ` <span class="muted">(${esc(s.startedAt)})</span>` : ''}${s.detail ? ` <span class="muted">— ${esc(s.detail)}</span>` : ''}</li>`);
  return `<h4>Last drill: ${esc(d.startedAt)}, ${esc(d.status)}${d.target ? ` <span class="muted">(${esc(d.target)})</span>` : ''}</h4>${bar}<ol class="steps">${steps.join('')}</ol>`;
}

function drillHistory(list: readonly Drill[]): string {
  const rows = list.map((x) => `<tr${x.status === 'passed' ? '' : ' class="bad"'}><th scope="row">${esc(x.startedAt)}</th><td>${esc(x.status)}</td><td>${minutes(x.rtoMinutes)}</td><td>${minutes(x.rpoMinutes)}</td><td><code>${esc(x.file)}</code></td></tr>`);
  return `<table class="drills"><caption>Drill history</caption><thead><tr><th scope="col">started</th><th scope="col">status</th><th scope="col">RTO</th><th scope="col">RPO</th><th scope="col">report</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function pairSection(d: ReportData, p: DrPair): string {
  const drills = p.dr ? (d.drills[p.dr.name] ?? []) : [];
  const residency = d.check.findings.filter((f) => f.check === 'residency' && f.severity === 'error' && (f.env === p.primary || f.env === p.dr?.name));
  const bad = !p.dr || residency.length > 0 || (p.coverage ?? []).some((c) => !c.covered) || p.rpo?.met === false || p.rto?.met === false;
  const residencyList = residency.length ? `<p class="bad-text"><strong>Residency:</strong></p><ul class="bad-text">${residency.map((f) => `<li>${esc(f.message)}</li>`).join('')}</ul>` : '';
  const drillPart = drills.length ? `${timeline(drills[0]!)}${drillHistory(drills)}` : `<p>Never drilled${p.dr ? `: <code>pnpm drill ${esc(p.dr.name)}</code>` : ''}.</p>`;
  return `<article class="pair${bad ? ' bad' : ''}" data-primary="${esc(p.primary)}"${p.dr ? ` data-dr="${esc(p.dr.name)}"` : ''}>
<h3>${esc(p.primary)} → ${p.dr ? esc(p.dr.name) : '<span class="bad-text">no dr environment</span>'}</h3>
<div class="cols"><div>${policyList(p)}${threeWays(p)}${residencyList}</div><div>${coverageTable(p)}</div></div>
${drillPart}
</article>`;
}

function drSection(d: ReportData): string {
  const body = d.check.dr.length ? d.check.dr.map((p) => pairSection(d, p)).join('\n') : '<p>No production environments.</p>';
  return `<section id="dr" aria-labelledby="dr-h"><h2 id="dr-h">DR pairs</h2>${body}</section>`;
}

function findingRow(f: Finding): string {
  const where = `${f.file}${f.line ? `:${f.line}` : ''}`;
  return `<tr class="${f.severity === 'error' ? 'bad' : ''}"><td>${f.severity}</td><td>${esc(f.env ?? '')}</td><td><code>${esc(where)}</code>${f.path ? ` <code>${esc(f.path)}</code>` : ''}</td><td>${esc(f.message)}${f.value !== undefined ? ` <span class="muted">(value <code>${esc(show(f.value))}</code>${f.allowed ? `, allowed ${esc(f.allowed)}` : ''})</span>` : ''}</td><td>${esc(f.fix ?? '')}</td></tr>`;
}

function findingsSection(d: ReportData): string {
  const kinds = new Map<string, Finding[]>();
  for (const f of d.check.findings) kinds.set(f.kind, [...(kinds.get(f.kind) ?? []), f]);
  const groups = [...kinds].map(([kind, list]) => {
    const errors = list.filter((f) => f.severity === 'error').length;
    return `<h3 id="kind-${esc(kind)}">${esc(kind)} <span class="badge ${errors ? 'bad' : 'warn'}">${list.length}</span> <span class="muted">(${esc(list[0]!.check)})</span></h3>
<table class="findings" data-kind="${esc(kind)}"><thead><tr><th scope="col">severity</th><th scope="col">environment</th><th scope="col">where</th><th scope="col">problem</th><th scope="col">fix</th></tr></thead><tbody>${list.map(findingRow).join('')}</tbody></table>`;
  });
  return `<section id="findings" aria-labelledby="findings-h"><h2 id="findings-h">Findings</h2>${groups.join('\n') || '<p>None: no violations, no warnings.</p>'}</section>`;
}

/** Opens every collapsed detail before printing, so that paper shows all of it. */
const PRINT_SCRIPT = `addEventListener('beforeprint', () => { for (const d of document.querySelectorAll('details')) d.open = true; });`;

/** The whole page. */
export function renderHtml(d: ReportData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<title>Parity fleet report: ${d.check.envs.length} environments, ${d.check.summary.errors} violations</title>
<style>${CSS}</style>
</head>
<body>
<main>
${header(d)}
${mapSection(d)}
${matrixSection(d)}
${drSection(d)}
${findingsSection(d)}
<footer>Written by <code>pnpm report</code>. Map: Natural Earth 1:110m (public domain) via world-atlas; region places from the region catalog (GeoNames).</footer>
</main>
<script>${PRINT_SCRIPT}</script>
</body>
</html>
`;
}
