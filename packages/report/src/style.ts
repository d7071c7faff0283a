/** The page's only stylesheet, inlined: screen at 1280 px and print. */
export const CSS = `
:root { --ink: #1d2733; --muted: #5b6773; --line: #d5dbe1; --bad: #c62828; --bad-bg: #fdecea; --warn: #8a5a00; --warn-bg: #fff4dc;
  --ok: #1b7a3d; --prod: #1f5fbf; --dr: #0f7a55; --staging: #8a6400; --sea: #f1f6fa; --land: #e4e7ea; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif;
  color: var(--ink); background: #fff; }
main { max-width: 1240px; margin: 0 auto; padding: 16px 20px 48px; }
header { border-bottom: 1px solid var(--line); padding-bottom: 8px; margin-bottom: 8px; }
h1 { font-size: 24px; margin: 4px 0; }
h2 { font-size: 19px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 6px; }
nav a { margin-right: 14px; }
.muted { color: var(--muted); }
.chips { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; padding: 0; list-style: none; }
.chips li { border: 1px solid var(--line); border-radius: 12px; padding: 2px 10px; }
.chips li.bad { border-color: var(--bad); color: var(--bad); background: var(--bad-bg); font-weight: 600; }
.chips li.warn { border-color: var(--warn); color: var(--warn); background: var(--warn-bg); }
.chips li.ok { border-color: var(--ok); color: var(--ok); }
table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
thead th { background: #f4f6f8; }
tbody th { font-weight: 600; white-space: nowrap; }
td.violation, tr.bad td, .bad-text { color: var(--bad); }
td.violation { background: var(--bad-bg); font-weight: 600; }
td.pending { background: var(--warn-bg); }
.badge { display: inline-block; font-size: 12px; border: 1px solid var(--line); border-radius: 8px; padding: 0 6px; margin-left: 4px;
  white-space: nowrap; }
.badge.bad { border-color: var(--bad); color: var(--bad); }
.badge.warn { border-color: var(--warn); color: var(--warn); }
.badge.ok { border-color: var(--ok); color: var(--ok); }
details > summary { cursor: pointer; color: #174ea6; }
dl.kv { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }
dl.kv dt { color: var(--muted); }
dl.kv dd { margin: 0; }
code { font: 12.5px ui-monospace, "DejaVu Sans Mono", monospace; background: #f4f6f8; padding: 0 3px; border-radius: 3px;
  overflow-wrap: anywhere; }
td { overflow-wrap: break-word; }
.cols table { table-layout: fixed; }
.cols td, .cols th { overflow-wrap: anywhere; white-space: normal; }
table.standby th:nth-child(1) { width: 44%; }
table.standby th:nth-child(4) { width: 13%; }
table.coverage th:nth-child(1) { width: 22%; }
table.objectives th:nth-child(1) { width: 14%; }
table.findings td:nth-child(3) { width: 26%; }
table.findings td:nth-child(5) { width: 26%; }
figure { margin: 0; }
.map { width: 100%; height: auto; border: 1px solid var(--line); border-radius: 6px; background: var(--sea); display: block; }
.map .sea { fill: var(--sea); }
.map .country { fill: var(--land); stroke: #fff; stroke-width: 0.6; }
.map .country.shaded { stroke: #9aa7b4; stroke-width: 0.7; }
.map .marker { stroke: #fff; stroke-width: 2; }
.map .role-production { fill: var(--prod); }
.map .role-dr { fill: var(--dr); }
.map .role-staging { fill: var(--staging); }
.map .marker.bad { fill: var(--bad); stroke: #fff; }
.map .arrow { fill: none; stroke: #35424f; stroke-width: 2.5; }
.map .arrow.mech-replica { stroke-width: 3.5; }
.map .arrow.mech-replicated-backups { stroke-dasharray: 10 5; }
.map .arrow.mech-backup-copy { stroke-dasharray: 2 5; stroke-linecap: round; }
.map .arrow.in-failover { stroke: #b45309; }
.map .arrow.bad { stroke: var(--bad); }
.map .head { fill: #35424f; }
.map .head.bad { fill: var(--bad); }
.map .label { font-size: 12.5px; font-weight: 600; fill: var(--ink); paint-order: stroke; stroke: rgba(255,255,255,0.9);
  stroke-width: 3px; }
.map.overview { margin-bottom: 8px; }
.details { display: flex; flex-wrap: wrap; gap: 12px; }
.details .map { flex: 1 1 45%; min-width: 0; }
.map .frame rect { fill: none; stroke: #35424f; stroke-width: 1.2; stroke-dasharray: 4 3; }
.map .panel-title { font-size: 14px; font-weight: 700; fill: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 6px 22px; margin: 8px 0; padding: 0; list-style: none; align-items: center; }
.legend svg { vertical-align: middle; margin-right: 4px; }
.swatch { display: inline-block; width: 14px; height: 14px; border: 1px solid #9aa7b4; vertical-align: middle; margin-right: 4px; }
.pair { border: 1px solid var(--line); border-radius: 6px; padding: 4px 14px 10px; margin: 12px 0; }
.pair.bad { border-color: var(--bad); }
.cols { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 24px; overflow-wrap: anywhere; }
.timeline { display: flex; width: 100%; height: 26px; border: 1px solid var(--line); border-radius: 4px; overflow: hidden; margin: 6px 0; }
.timeline span { display: block; min-width: 3px; border-right: 1px solid #fff; font-size: 11px; line-height: 26px; overflow: hidden;
  white-space: nowrap; padding: 0 3px; color: #fff; }
.timeline .passed { background: var(--ok); }
.timeline .failed, .timeline .aborted { background: var(--bad); }
.timeline .skipped { background: #9aa7b4; }
ol.steps { margin: 4px 0; padding-left: 22px; }
ul.checks { list-style: none; margin: 6px 0; padding: 0; }
ul.checks li.ok { color: var(--ok); }
ul.checks li.bad-text { font-weight: 600; }
ul.checks ul { font-weight: 400; margin: 2px 0 4px; padding-left: 22px; list-style: disc; }
footer { margin-top: 32px; color: var(--muted); font-size: 12px; }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav { display: none; }
  h2 { break-after: avoid; }
  .pair, tr, svg.map, .legend { break-inside: avoid; }
  .map.overview { height: 105mm; width: auto; max-width: 100%; margin: 0 auto 4mm; }
  .details .map { height: 62mm; }
  details > summary { color: inherit; }
  a { color: inherit; text-decoration: none; }
  td.violation, td.pending, .chips li, thead th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .map { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;
