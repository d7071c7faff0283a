/**
 * The README and the guides in docs/ stay true: the README's command table names exactly the
 * commands the CLI has (read from `program()`, the one place commands are declared) with options
 * they take; every relative link and anchor resolves; each guide opens with its three-line summary.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import GithubSlugger from 'github-slugger';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '@parity/model/testing';
import { program } from './main.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
const SCRIPTS = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const GUIDES = readdirSync(join(REPO_ROOT, 'docs'))
  .filter((f) => f.endsWith('.md'))
  .map((f) => `docs/${f}`);

/** Every command that does something (one without subcommands), as its path: `gen env`, `check`. */
function leafCommands(cmd: Command, prefix: string[] = []): Map<string, Command> {
  const out = new Map<string, Command>();
  for (const c of cmd.commands) {
    const path = [...prefix, c.name()];
    if (c.commands.length === 0) out.set(path.join(' '), c);
    else for (const [k, v] of leafCommands(c, path)) out.set(k, v);
  }
  return out;
}

/** The first column of each row of the table under `## Commands`: `pnpm gen env <name> [--force]`. */
function commandTableEntries(readme: string): string[] {
  const lines = readme.split('\n');
  const start = lines.findIndex((l) => l.trim() === '## Commands');
  if (start < 0) return [];
  const entries: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith('## ')) break;
    const m = /^\| `([^`]+)` \|/.exec(line);
    if (m) entries.push(m[1]!.replace(/\\\|/g, '|'));
  }
  return entries;
}

/**
 * What is wrong between a command table and the CLI: an entry naming a command the CLI does not
 * have, or an option that command does not take, a `pnpm` script that does not exist, and a CLI
 * command no entry names.
 */
function commandTableProblems(entries: readonly string[], cli: Command, scripts: Record<string, string>): string[] {
  const leaves = leafCommands(cli);
  const named = new Set<string>();
  const problems: string[] = [];
  for (const entry of entries) {
    const words = entry.split(/\s+/);
    const script = words[1] ?? '';
    if (words[0] !== 'pnpm' || !(script in scripts)) {
      problems.push(`${entry}: not a pnpm script of package.json`);
      continue;
    }
    const launcher = /^node packages\/cli\/bin\/parity\.js(.*)$/.exec(scripts[script]!);
    if (!launcher) continue; // a script of the repository (changeset, bench), not a parity command
    const path = launcher[1]!.trim().split(/\s+/).filter(Boolean);
    let cmd = cli;
    for (const name of path) cmd = cmd.commands.find((c) => c.name() === name) ?? cmd;
    let next = 2;
    for (let sub = cmd.commands.find((c) => c.name() === words[next]); sub; sub = cmd.commands.find((c) => c.name() === words[next])) {
      path.push(sub.name());
      cmd = sub;
      next++;
    }
    const key = path.join(' ');
    const leaf = leaves.get(key);
    if (!leaf) {
      problems.push(`${entry}: the CLI has no command "${[...path, ...words.slice(next, next + 1)].join(' ')}"`);
      continue;
    }
    named.add(key);
    const options = new Set(leaf.options.map((o) => o.long));
    for (const flag of entry.match(/--[a-z][a-z-]*/g) ?? [])
      if (!options.has(flag)) problems.push(`${entry}: "${key}" has no option ${flag}`);
  }
  for (const key of leaves.keys()) if (!named.has(key)) problems.push(`the CLI's "${key}" has no row in the command table`);
  return problems;
}

/** Headings outside fenced code, as GitHub's anchors. */
function anchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const out = new Set<string>();
  let fenced = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) fenced = !fenced;
    const m = !fenced && /^#{1,6} (.+)$/.exec(line);
    if (m) out.add(slugger.slug(m[1]!));
  }
  return out;
}

/** Relative links (file and anchor) of a markdown file that lead nowhere. */
function brokenLinks(file: string): string[] {
  const text = readFileSync(join(REPO_ROOT, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  const broken: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/.test(target)) continue;
    const [path, anchor] = target.split('#') as [string, string | undefined];
    const abs = path ? join(REPO_ROOT, dirname(file), path) : join(REPO_ROOT, file);
    if (!existsSync(abs)) broken.push(`${file}: ${target} (no file ${relative(REPO_ROOT, abs)})`);
    else if (anchor && !anchors(readFileSync(abs, 'utf8')).has(anchor)) broken.push(`${file}: ${target} (no heading #${anchor})`);
  }
  return broken;
}

describe('README', () => {
  it('fits on a few screens: 250 lines or fewer', () => {
    expect(README.split('\n').length).toBeLessThanOrEqual(250);
  });

  it('opens with the two commands, and CI (.ci/run) runs the test one as the README writes it', () => {
    const blocks = [...README.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim());
    expect(blocks[0]).toMatch(/^npm i -g pnpm@\S+ && pnpm install --frozen-lockfile && pnpm gen env (\S+) --force && pnpm synth \1$/);
    expect(blocks[1]).toMatch(/\nnpm i -g pnpm@\S+ && pnpm install --frozen-lockfile && pnpm test$/);
    const pinned = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { packageManager: string }).packageManager;
    for (const b of blocks.slice(0, 2)) expect(b).toContain(`npm i -g ${pinned} `);
    const ci = readFileSync(join(REPO_ROOT, '.ci/run'), 'utf8');
    expect(ci).toMatch(/^pnpm install --frozen-lockfile$/m);
    expect(ci).toMatch(/^pnpm test$/m);
  });

  it('command table: every entry is a command the CLI has, with options it takes, and every CLI command has an entry', () => {
    const entries = commandTableEntries(README);
    expect(entries.length).toBeGreaterThan(10);
    expect(commandTableProblems(entries, program(), SCRIPTS)).toEqual([]);
  });

  it('fails a table naming a command the CLI does not have, an option it does not take, or leaving one out', () => {
    const table = [
      '## Commands',
      '',
      '| command | what it does |',
      '|---|---|',
      '| `pnpm gen env <name> [--cloud aws\\|gcp] [--colour <c>]` | x |',
      '| `pnpm gen nothing` | x |',
      '| `pnpm explode` | x |',
      '| `pnpm changeset` | a script of the repository |',
      '',
      '## Layout',
    ].join('\n');
    const problems = commandTableProblems(commandTableEntries(table), program(), SCRIPTS);
    expect(problems).toContain('pnpm gen env <name> [--cloud aws|gcp] [--colour <c>]: "gen env" has no option --colour');
    expect(problems).toContain('pnpm gen nothing: the CLI has no command "gen nothing"');
    expect(problems).toContain('pnpm explode: not a pnpm script of package.json');
    expect(problems).toContain(`the CLI's "check" has no row in the command table`);
    expect(problems.some((p) => p.includes('changeset'))).toBe(false);
  });
});

describe('docs/', () => {
  it('holds one guide per topic', () => {
    for (const topic of [
      'adopt',
      'environments',
      'bundles',
      'check',
      'dr-strategies',
      'failover-failback',
      'drills',
      'guardrails',
      'ci',
      'bootstrap',
      'releases',
      'report',
      'benchmarks',
    ])
      expect(GUIDES).toContain(`docs/${topic}.md`);
  });

  it.each(GUIDES)('%s opens with its title and a three-line summary', (file) => {
    const lines = readFileSync(join(REPO_ROOT, file), 'utf8').split('\n');
    expect(lines[0]).toMatch(/^# \S/);
    expect(lines[1]).toBe('');
    for (const l of lines.slice(2, 5)) expect(l.trim().length, l).toBeGreaterThan(0);
    expect(lines[5]).toBe('');
  });

  it('every relative link of the README, DEVELOPERS.md and the guides leads to a file and a heading that exist', () => {
    expect(['README.md', 'DEVELOPERS.md', ...GUIDES].flatMap(brokenLinks)).toEqual([]);
  });

  it('the README links every guide', () => {
    for (const g of GUIDES) expect(README).toContain(`](${g})`);
  });
});
