/**
 * `pnpm check`: the parity matrix, region availability, data residency and DR readiness of the
 * whole fleet, as a terminal report, `--markdown` for a pull-request comment, or `--json`.
 * `--dr` limits the output to the DR readiness report. Exit code 1 on any violation.
 */
import { mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { writeFileAtomic } from '@parity/io';
import pc from 'picocolors';
import {
  type BootstrapStack,
  lastDrill,
  resolveForCheck,
  runChecks,
  stable,
  unreadableDefinitionReport,
  type CheckReport,
  type DrPair,
  type Finding,
  formatMinutes,
  type PreviewSummary,
} from '@parity/checks';
import {
  CLOUDS,
  type Cloud,
  DEFINITION_FILE,
  formatIssue,
  isPreview,
  loadWorkspace,
  ParityError,
  readWorkspaceJsonIfExists,
  type PinInstaller,
  type ResolvedEnvironment,
  stampedStale,
  synthFailed,
  type Workspace,
} from '@parity/model';
import { policyMarkdown, policyTerminal } from './check-policy.js';
import { bootstrapFile, bootstrapOptions, bootstrapStackName, InputHasher, isUpToDate, stackFile } from '@parity/synth/cache';
import type { TerraformJson } from '@parity/model/terraform';
import { npmInstaller } from '@parity/release/install';

export interface CheckFlags {
  json?: boolean;
  markdown?: boolean;
  dr?: boolean;
}

/** Run every check; environments that resolve are synthesized (incrementally) so their JSON can be read. */
export async function runCheck(names: readonly string[] = [], root?: string, now?: Date, runbooks = false): Promise<CheckReport> {
  return (await checkFleet(names, root, now, runbooks)).report;
}

/** What `pnpm report` shows: {@link runCheck}'s report, the workspace root and the environments it resolved. */
export interface CheckedFleet {
  readonly report: CheckReport;
  readonly root: string;
  readonly envs: readonly ResolvedEnvironment[];
}

/** {@link runCheck}, also returning the root and the resolved environments (parameter sources, pins). */
/** `runbooks`: also judge each DR pair's RUNBOOK.md against the model (`pnpm check`; not a drill's or a failover's check). */
export async function checkFleet(names: readonly string[] = [], root?: string, now?: Date, runbooks = false): Promise<CheckedFleet> {
  let ws: Workspace;
  // the pinned versions the bundle cache lacked: this check fetches them from the registry, a failover could not
  const fetched: string[] = [];
  const installer: PinInstaller = {
    install: (at, pkg, version, abs) => {
      fetched.push(relative(at, abs));
      return npmInstaller.install(at, pkg, version, abs);
    },
  };
  try {
    ws = await loadWorkspace(root, { installer });
  } catch (e) {
    if (e instanceof ParityError)
      return { report: unreadableDefinitionReport(DEFINITION_FILE, e.issues), root: root ?? process.cwd(), envs: [] };
    throw e;
  }
  const resolved = resolveForCheck(ws, names);
  resolved.findings.push(...registryNeeded(resolved.envs, fetched));
  const hasher = new InputHasher(ws.root);
  const json = new Map<string, TerraformJson>();
  const stale = resolved.envs.filter((e) => !resolved.valid.has(e.name) || !isUpToDate(ws.root, e.name, hasher.envHash(e)));
  if (stale.length > 0) {
    const synth = await import('@parity/synth');
    for (const e of stale.filter((x) => resolved.valid.has(x.name))) {
      try {
        await synth.synthEnvironments(ws.root, [e], { force: true, hasher });
      } catch (err) {
        if (err instanceof ParityError) resolved.findings.push(...synthIssues(err, e.name));
        else resolved.findings.push({ check: 'config', env: e.name, ...synthFailed(e.name, e.file, err) });
      }
    }
    for (const e of stale.filter((x) => !resolved.valid.has(x.name))) {
      // A broken environment is synthesized in memory only: never write Terraform someone could apply.
      try {
        json.set(e.name, (await synth.synthToJson(ws.root, e)) as TerraformJson);
      } catch (err) {
        if (err instanceof ParityError) resolved.findings.push(...synthIssues(err, e.name));
        else resolved.findings.push({ check: 'config', env: e.name, ...synthFailed(e.name, e.file, err, 'fix the problems above first') });
      }
    }
  }
  for (const e of resolved.envs) {
    if (json.has(e.name)) continue;
    const file = stackFile(ws.root, e.name);
    const stack = readWorkspaceJsonIfExists<TerraformJson>(ws.root, file, { kind: 'generated', what: 'synthesized stack' });
    if (stack) json.set(e.name, stack);
  }
  // Drill reports are read here and handed in: the checks read nothing from disk.
  const drills = (name: string) => lastDrill(ws.root, name);
  // The bootstrap covers the whole fleet: judged when check does.
  const opts = { ...(now ? { now } : {}), bootstrap: names.length === 0 ? await bootstrapStacks(ws, resolved, hasher) : [] };
  if (runbooks) resolved.findings.push(...(await stampedFindings(ws, resolved.valid)));
  const report = runChecks(ws, resolved, (name) => json.get(name), drills, opts);
  if (!runbooks) return { report, root: ws.root, envs: resolved.envs };
  // the runbooks are made from the report's DR figures: a stale one is one more finding
  const { runbookFindings } = await import('@parity/dr/runbook');
  const runbookStale = runbookFindings(ws, report, (name) => json.get(name));
  if (!runbookStale.length) return { report, root: ws.root, envs: resolved.envs };
  const withRunbooks = runChecks(
    ws,
    { ...resolved, findings: [...resolved.findings, ...runbookStale] },
    (name) => json.get(name),
    drills,
    opts,
  );
  return { report: withRunbooks, root: ws.root, envs: resolved.envs };
}

/**
 * A dr environment whose pinned bundle version was not in the bundle cache when the check began:
 * on the day the registry (hosted in a region that may be the one lost) may be gone with it, and
 * a failover loads pins from the cache only. Warned before the day.
 */
export function registryNeeded(envs: readonly ResolvedEnvironment[], fetched: readonly string[]): Finding[] {
  const out: Finding[] = [];
  for (const e of envs.filter((x) => x.role === 'dr'))
    for (const b of e.bundles)
      if (b.pinned && fetched.includes(b.pinned.dir))
        out.push({
          check: 'dr',
          env: e.name,
          kind: 'registry',
          severity: 'warning',
          file: e.file,
          path: `bundles.${b.name}`,
          value: b.version,
          message: `${e.name} pins ${b.name}@${b.version}, not installed; a failover would need the registry`,
          fix: `keep ${b.pinned.dir} where the failover runs (this check has just installed it from the registry: cache it in CI), or pin a version the workspace holds`,
        });
  return out;
}

/** A cached bootstrap stack; one that cannot be read (a link, not JSON) is made again, as a missing one is. */
function readCache(root: string, file: string): { hash?: string; json?: TerraformJson } {
  try {
    return (
      readWorkspaceJsonIfExists<{ hash?: string; json?: TerraformJson }>(root, file, { kind: 'generated', what: 'bootstrap cache' }) ?? {}
    );
  } catch (e) {
    if (e instanceof ParityError) return {};
    throw e;
  }
}

/** `pnpm check`: an environment whose README or manifest comments, stamped from the model, no longer say what it gives. */
async function stampedFindings(ws: Workspace, valid: ReadonlySet<string>): Promise<Finding[]> {
  const { staleStampedFiles } = await import('@parity/generator');
  return [...valid].flatMap((env) => {
    const stale = staleStampedFiles(ws, env);
    return stale.length ? [{ check: 'config' as const, env, ...stampedStale(env, stale) }] : [];
  });
}

/** Where `check` keeps a cloud's bootstrap Terraform between runs, with the hash of its inputs. */
const bootstrapCache = (root: string, cloud: Cloud) => join(root, '.parity', 'check', `bootstrap-${cloud}.json`);

/**
 * The bootstrap stacks (`pnpm synth --bootstrap`) of the environments that resolve, for the policy
 * rules: synthesized in memory when their inputs changed (kept in .parity/check), so an unchanged
 * fleet's check does not load cdktf.
 */
async function bootstrapStacks(
  ws: Workspace,
  resolved: ReturnType<typeof resolveForCheck>,
  hasher: InputHasher,
): Promise<BootstrapStack[]> {
  const root = ws.root;
  // previews have no bootstrap of their own: they use their base's state bucket and the preview identity
  const envs = resolved.envs.filter((e) => resolved.valid.has(e.name) && !isPreview(e));
  const clouds = CLOUDS.filter((c) => envs.some((e) => e.cloud === c));
  const json = new Map<Cloud, TerraformJson>();
  const options = bootstrapOptions(ws.definition.data, ws.bundles.values());
  const hashes = new Map(clouds.map((c) => [c, hasher.bootstrapHash(c, envs, options)]));
  for (const c of clouds) {
    const file = bootstrapCache(root, c);
    const cached = readCache(root, file);
    if (cached.hash === hashes.get(c) && cached.json) json.set(c, cached.json);
  }
  const missing = clouds.filter((c) => !json.has(c));
  if (missing.length > 0) {
    const { bootstrapToJson } = await import('@parity/synth/bootstrap');
    for (const [c, j] of bootstrapToJson(
      envs[0]!.platform,
      envs.filter((e) => missing.includes(e.cloud)),
      options,
    )) {
      json.set(c, j as TerraformJson);
      mkdirSync(dirname(bootstrapCache(root, c)), { recursive: true });
      writeFileAtomic(bootstrapCache(root, c), JSON.stringify({ hash: hashes.get(c), json: j }));
    }
  }
  // a stack holds the environments that resolve: one that does not has its own findings, not a missing bucket
  const made = (cloud: Cloud) => envs.filter((e) => e.cloud === cloud).map((e) => e.name);
  return clouds.map((cloud) => ({
    cloud,
    stack: bootstrapStackName(cloud),
    file: bootstrapFile(cloud),
    json: json.get(cloud)!,
    envs: made(cloud),
  }));
}

/** Problems synthesis reports as issues (a transform naming no resource), as findings of the environment. */
function synthIssues(err: ParityError, env: string): Finding[] {
  return err.issues.map((i) => ({ ...i, check: 'policy' as const, kind: i.kind === 'transform' ? 'transform' : 'schema', env }));
}

const CHECK_TITLES = {
  config: 'Configuration',
  parity: 'Parity',
  regions: 'Region availability',
  residency: 'Data residency',
  dr: 'DR readiness',
} as const;

function cellText(report: CheckReport, env: string, bundle: string): { text: string; status: string } {
  const c = report.matrix.cells[env]?.[bundle];
  if (!c) return { text: '—', status: 'missing' };
  if (c.status === 'missing') return { text: 'missing', status: 'violation' };
  const n = Object.keys(c.differs).length;
  const text = `${c.version}${c.status === 'pending' ? ` ↑${c.behind}` : ''}${c.violations.length ? ` ✘${c.violations.join(',')}` : n ? ` ±${n}` : ''}`;
  return { text, status: c.status };
}

function minutes(m: number): string {
  return m >= 120 && m % 60 === 0 ? `${m / 60} h` : formatMinutes(m);
}

/** Where a pair's production environment is recovered: its dr environment, the ones not checked, or none. */
function drTarget(p: DrPair, style: { name: (s: string) => string; note: (s: string) => string; none: string }): string {
  if (p.dr) return `${style.name(p.dr.name)} ${style.note(`(${p.dr.region})`)}`;
  return p.uncheckedDr?.length ? style.note(`${p.uncheckedDr.join(', ')} (not checked)`) : style.none;
}

/** Starts a markdown line that is a list item nested under the one before (each store under the pair's RPO). */
const NESTED = '\u0000';

function pairLines(p: DrPair, md: boolean): string[] {
  const ok = (b: boolean) => (md ? (b ? '✅' : '❌') : b ? pc.green('✔') : pc.red('✘'));
  const lines: string[] = [];
  if (!p.dr && p.uncheckedDr?.length) {
    lines.push(
      `${md ? 'ℹ️' : pc.cyan('i')} recovered by ${p.uncheckedDr.join(', ')}, not checked here (or not resolved): \`pnpm check ${p.primary} ${p.uncheckedDr.join(' ')}\` checks the pair`,
    );
    return lines;
  }
  if (!p.dr) {
    lines.push(`${ok(false)} no dr environment recovers it`);
    return lines;
  }
  const pol = p.policy;
  // failing back (step reprotect), the data flows from the dr environment into the production region
  const to = p.reversed ? p.primaryRegion : p.dr.region;
  if (p.failback)
    lines.push(
      `${md ? 'ℹ️' : pc.cyan('i')} failing back: step ${p.failback}${p.reversed ? ` — roles reversed: ${p.dr.name} (${p.dr.region}) is the primary, ${p.primary} in ${p.primaryRegion} its DR; the figures below are for that direction` : ''}`,
    );
  lines.push(
    `${md ? 'ℹ️' : pc.cyan('i')} policy ${pol.name}: ${pol.strategy}, RPO ${minutes(pol.rpoMinutes)}${Object.entries(
      pol.storeRpoMinutes ?? {},
    )
      .map(([k, v]) => ` (${k} ${minutes(v)})`)
      .join(
        '',
      )}, RTO ${minutes(pol.rtoMinutes)}, copy budget ${pol.copyDelayMinutes} min${pol.replicaLagSeconds !== undefined ? `, replica lag budget ${pol.replicaLagSeconds} s` : ''}${pol.standbyCapacityPercent !== undefined ? `, standby ${pol.standbyCapacityPercent}%` : ''}${p.implemented && p.implemented !== pol.strategy ? ` (the Terraform implements ${p.implemented})` : ''}${p.failover ? `; failing over: step ${p.failover}` : ''}`,
  );
  if (p.rpo) {
    lines.push(
      `${ok(p.rpo.met)} RPO: worst case ${minutes(p.rpo.minutes)} vs target ${minutes(p.rpo.targetMinutes)} (${p.rpo.met ? `every store met, ${minutes(p.rpo.marginMinutes)} to spare at the tightest` : `breached`}), per store:`,
    );
    for (const st of p.rpo.stores)
      lines.push(
        `${md ? NESTED : '    '}${ok(st.met)} ${st.bundle}: ${minutes(st.rpoMinutes)} vs ${minutes(st.targetMinutes)}${st.ownTarget ? ' (its own target)' : ''}, ${st.met ? `${minutes(st.marginMinutes)} to spare` : `breached by ${minutes(-st.marginMinutes)}`} — ${st.mechanism}${st.fix ? ` → ${st.fix}` : ''}`,
      );
  } else lines.push(`${ok(false)} RPO: no protection reaches ${to}`);
  if (p.rto)
    lines.push(
      `${ok(p.rto.met)} RTO: estimated ${minutes(p.rto.minutes)} vs target ${minutes(p.rto.targetMinutes)} with ${p.implemented ?? p.strategy} (${p.rto.met ? 'met' : `breached by ${-p.rto.marginMinutes} min`}; ${Object.entries(
        p.rto.breakdown,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})${p.rto.fix ? ` → ${p.rto.fix}` : ''}`,
    );
  if (p.standby) lines.push(...standbyLines(p, md));
  lines.push(
    `${ok(p.coverage.every((c) => c.covered))} coverage: ${p.coverage.map((c) => `${c.bundle} ${c.covered ? `→ ${to}` : 'NOT covered'}`).join(', ')}`,
  );
  if (p.keys.length)
    lines.push(
      `${ok(p.keys.every((k) => k.ok))} keys: ${p.keys.length} cop${p.keys.length === 1 ? 'y' : 'ies'} in ${to} encrypted with keys ${p.keys.every((k) => k.ok) ? `in ${to}` : 'in the wrong region'}`,
    );
  lines.push(
    `${ok(p.stateOk ?? false)} state: ${p.dr.name} keeps its Terraform state in ${p.dr.stateRegion}${p.stateOk ? `, not in ${p.primaryRegion}` : `, the region it fails over from`}`,
  );
  if (p.queues) lines.push(`${md ? 'ℹ️' : pc.cyan('i')} queues: ${p.queues}`);
  lines.push(
    `${md ? 'ℹ️' : pc.cyan('i')} last drilled: ${p.lastDrill ? `${p.lastDrill.at} (${p.lastDrill.status}${p.lastDrill.rtoMinutes !== undefined ? `, RTO ${p.lastDrill.rtoMinutes} min` : ''}${p.lastDrill.rpoMinutes !== undefined ? `, RPO ${p.lastDrill.rpoMinutes} min` : ''}) — ${p.lastDrill.file}` : `never (pnpm drill ${p.dr.name})`}`,
  );
  return lines;
}

/** What runs in the DR region in peacetime: the standing cost of the policy. */
function standbyLines(p: DrPair, md: boolean): string[] {
  const s = p.standby!;
  const head = p.reversed
    ? `standing cost in ${p.primaryRegion} while failing back (${p.primary} as the DR of ${p.dr!.name}):`
    : s.applied
      ? `standing cost in ${p.dr!.region} (${p.dr!.name} applied in peacetime):`
      : `standing cost in ${p.dr!.region}: the backup plane only (${p.dr!.name} is applied only at failover: do not apply it now):`;
  const items = s.items.map((i) => `${i.what}${i.size ? ` ${i.size}` : ''}${i.count !== undefined ? ` × ${i.count}` : ''} (${i.resource})`);
  // markdown: one list item (the caller makes each line one); terminal: one line per resource
  if (md) return [`ℹ️ ${head} ${items.join('; ')}`];
  return [`${pc.cyan('i')} ${head}`, ...items.map((i) => `      ${i}`)];
}

/** A preview against its base: at parity or not, what differs as allowed, when it expires. */
function previewLine(p: PreviewSummary, md: boolean): string {
  const ok = (b: boolean) => (md ? (b ? '✅' : '❌') : b ? pc.green('✔') : pc.red('✘'));
  const name = md ? `**${p.name}**` : pc.bold(p.name);
  const verdict = !p.baseChecked
    ? `${p.from} not checked with it: run pnpm check without names`
    : p.atParity
      ? `at parity with ${p.from}`
      : `not at parity with ${p.from} (see the findings)`;
  const allowed = p.differences
    .filter((d) => d.allowed)
    .map((d) => `${d.bundle}.${d.param} ${stable(d.preview)} (${p.from}: ${stable(d.base)})`);
  const when = `${p.expired ? 'expired' : 'expires'} ${p.expires}`;
  return `${ok(p.atParity && p.baseChecked)} ${name} ← ${p.from} (${p.cloud} ${p.region}, tier ${p.tier}, ${when}): ${verdict}${allowed.length ? `; allowed differences: ${allowed.join(', ')}` : ''}`;
}

function findingText(f: Finding): string {
  return formatIssue(f).replace(/^(error|warning): /, `$1 [${f.check}${f.env ? ` ${f.env}` : ''}] `);
}

export function formatTerminal(r: CheckReport, drOnly = false): string {
  const out: string[] = [];
  if (!drOnly) {
    out.push(
      pc.bold(`Parity: ${r.envs.length} environments × ${r.matrix.bundles.length} bundles`) +
        pc.dim(`   (${r.definitionFile}; ±n = n allowed differences, ↑v = promotion pending, ✘ = must match)`),
    );
    const head = ['environment', 'role', 'region', ...r.matrix.bundles];
    const rows = r.envs.map((e) => [e.name, e.role, `${e.cloud}:${e.region}`, ...r.matrix.bundles.map((b) => cellText(r, e.name, b))]);
    const widths = head.map((h, i) =>
      Math.max(
        h.length,
        ...rows.map((row) => (typeof row[i] === 'string' ? (row[i] as string) : (row[i] as { text: string }).text).length),
      ),
    );
    out.push(pc.dim(head.map((h, i) => h.padEnd(widths[i]!)).join('  ')));
    for (const row of rows) {
      out.push(
        row
          .map((c, i) => {
            if (typeof c === 'string') return c.padEnd(widths[i]!);
            const t = c.text.padEnd(widths[i]!);
            return c.status === 'violation' ? pc.red(t) : c.status === 'pending' ? pc.yellow(t) : t;
          })
          .join('  '),
      );
    }
    const allowed = r.matrix.differences.filter((d) => d.allowed);
    if (allowed.length) {
      out.push('', pc.bold('Allowed differences (mayDiffer; derived from a DR policy or failover step)'));
      for (const d of allowed)
        out.push(
          `  ${`${d.bundle}.${d.param}`.padEnd(28)} ${d.groups.map((g) => `${stable(g.value)}: ${g.envs.join(', ')}`).join(pc.dim('  |  '))}${d.derived ? pc.dim(`  (derived in ${d.derived.join(', ')})`) : ''}`,
        );
    }
  }
  out.push('', pc.bold('DR readiness'));
  if (r.dr.length === 0) out.push('  (no production environments)');
  for (const p of r.dr) {
    out.push(
      `  ${pc.bold(p.primary)} ${pc.dim(`(${p.primaryRegion}, ${p.jurisdiction})`)} → ${drTarget(p, { name: pc.bold, note: pc.dim, none: pc.red('none') })}`,
    );
    for (const l of pairLines(p, false)) out.push(`    ${l}`);
  }
  if (!drOnly && r.previews.length)
    out.push('', pc.bold('Previews (pnpm preview: ephemeral, never committed)'), ...r.previews.map((p) => `  ${previewLine(p, false)}`));
  if (!drOnly) out.push('', ...policyTerminal(r));
  const shown = r.findings.filter((f) => !drOnly || f.check === 'dr');
  const errors = shown.filter((f) => f.severity === 'error');
  const warnings = shown.filter((f) => f.severity === 'warning');
  for (const check of ['config', 'parity', 'regions', 'residency', 'dr'] as const) {
    const fs = shown.filter((f) => f.check === check);
    if (!fs.length) continue;
    out.push('', pc.bold(CHECK_TITLES[check]));
    for (const f of fs)
      out.push(
        ...findingText(f)
          .split('\n')
          .map((l, i) => (i === 0 ? (f.severity === 'error' ? pc.red(`  ${l}`) : pc.yellow(`  ${l}`)) : `  ${l}`)),
      );
  }
  out.push(
    '',
    errors.length
      ? pc.red(pc.bold(`✘ ${errors.length} violation${errors.length === 1 ? '' : 's'}`)) + pc.dim(`, ${warnings.length} warning(s)`)
      : pc.green(pc.bold('✔ no violations')) +
          pc.dim(`, ${warnings.length} warning(s), ${r.summary.promotionsPending} promotion(s) pending`),
  );
  return out.join('\n');
}

export function formatMarkdown(r: CheckReport, drOnly = false): string {
  const out: string[] = [];
  const esc = (s: string) => s.replaceAll('|', '\\|');
  const errors = r.findings.filter((f) => f.severity === 'error' && (!drOnly || f.check === 'dr'));
  out.push(
    `### Parity check: ${errors.length ? `❌ ${errors.length} violation${errors.length === 1 ? '' : 's'}` : '✅ no violations'}`,
    '',
  );
  if (!drOnly) {
    out.push(
      `| environment | role | region | ${r.matrix.bundles.join(' | ')} |`,
      `|---|---|---|${r.matrix.bundles.map(() => '---').join('|')}|`,
    );
    for (const e of r.envs)
      out.push(
        `| ${e.name} | ${e.role} | ${e.cloud}:${e.region} | ${r.matrix.bundles
          .map((b) => {
            const c = cellText(r, e.name, b);
            return c.status === 'violation' ? `❌ ${esc(c.text)}` : c.status === 'pending' ? `⏳ ${esc(c.text)}` : esc(c.text);
          })
          .join(' | ')} |`,
      );
    const allowed = r.matrix.differences.filter((d) => d.allowed);
    if (allowed.length) {
      out.push('', '<details><summary>Allowed differences</summary>', '', '| parameter | values |', '|---|---|');
      for (const d of allowed)
        out.push(
          `| \`${d.bundle}.${d.param}\` | ${d.groups.map((g) => `\`${esc(stable(g.value))}\`: ${g.envs.join(', ')}`).join('<br>')} |`,
        );
      out.push('', '</details>');
    }
  }
  out.push('', '#### DR readiness', '');
  for (const p of r.dr) {
    out.push(
      `**${p.primary}** (${p.primaryRegion}, ${p.jurisdiction}) → ${drTarget(p, { name: (s) => `**${s}**`, note: (s) => s, none: '❌ none' })}`,
      '',
    );
    for (const l of pairLines(p, true)) out.push(l.startsWith(NESTED) ? `  - ${l.slice(NESTED.length)}` : `- ${l}`);
    out.push('');
  }
  if (!drOnly && r.previews.length) out.push('#### Previews', '', ...r.previews.map((p) => `- ${previewLine(p, true)}`), '');
  if (!drOnly) out.push(...policyMarkdown(r), '');
  if (
    r.findings.some((f) => f.check !== 'policy' && (f.severity === 'error' || f.severity === 'warning') && (!drOnly || f.check === 'dr'))
  ) {
    out.push('#### Findings', '', '| | check | where | problem | fix |', '|---|---|---|---|---|');
    for (const f of r.findings.filter((x) => (!drOnly || x.check === 'dr') && x.check !== 'policy')) {
      out.push(
        `| ${f.severity === 'error' ? '❌' : '⚠️'} | ${f.check} | \`${esc(f.file)}${f.line ? `:${f.line}` : ''}\` ${f.path ? `\`${esc(f.path)}\`` : ''} | ${esc(f.message)}${f.value !== undefined ? ` (value \`${esc(stable(f.value))}\`)` : ''} | ${esc(f.fix ?? '')} |`,
      );
    }
  }
  return out.join('\n');
}

export async function check(names: readonly string[], flags: CheckFlags = {}, root?: string): Promise<CheckReport> {
  const report = await runCheck(names, root, undefined, true);
  const text = flags.json
    ? JSON.stringify(
        flags.dr ? { dr: report.dr, findings: report.findings.filter((f) => f.check === 'dr'), summary: report.summary } : report,
        null,
        2,
      )
    : flags.markdown
      ? formatMarkdown(report, flags.dr)
      : formatTerminal(report, flags.dr);
  process.stdout.write(`${text}\n`);
  const errors = report.findings.filter((f) => f.severity === 'error' && (!flags.dr || f.check === 'dr'));
  if (errors.length > 0) process.exitCode = 1;
  return report;
}
