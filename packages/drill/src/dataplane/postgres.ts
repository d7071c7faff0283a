/**
 * The PostgreSQL server programs a drill's data plane runs: where they are, which version, and as
 * whom. PostgreSQL refuses to run as root, so under root (a CI container) every server program
 * runs as the `postgres` user through `setpriv`, which execs in place: the process the drill
 * started is the postmaster itself, and its process group is the server's.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { refuse, toolMissing } from '@parity/model';
import { runChecked } from '@parity/io';
import { planeFailed } from './errors.js';

/** The oldest major version whose recovery settings (recovery.signal, pg_promote) this module uses. */
export const MIN_MAJOR = 12;

/** How to get the server programs, said when they are missing. */
export const POSTGRES_FIX =
  "install Debian's postgresql package (apt-get install postgresql; .ci/run does it in CI), or set PARITY_PG_BINDIR to a folder holding initdb, postgres, pg_ctl and pg_basebackup";

/** The programs a data plane runs. */
const PROGRAMS = ['initdb', 'postgres', 'pg_ctl', 'pg_basebackup'] as const;

export interface Postgres {
  /** The folder holding initdb, postgres, pg_ctl, pg_basebackup. */
  readonly bindir: string;
  /** `15.10`, from `postgres --version`. */
  readonly version: string;
  readonly major: number;
  /** Under root: the unprivileged user the servers run as (uid, gid). */
  readonly runAs?: { readonly user: string; readonly uid: number; readonly gid: number };
}

const hasPrograms = (dir: string) => PROGRAMS.every((p) => existsSync(join(dir, p)));

/** Candidate folders, in order: `$PARITY_PG_BINDIR`, `pg_config --bindir`, then the packages' known places, newest first. */
async function candidates(): Promise<string[]> {
  const out: string[] = [];
  if (process.env.PARITY_PG_BINDIR) return [process.env.PARITY_PG_BINDIR];
  const fromConfig = await runChecked('pg_config', ['--bindir'], { cwd: process.cwd() }).catch(() => '');
  if (fromConfig.trim()) out.push(fromConfig.trim());
  const versions = (root: string, pattern: RegExp, bin: (v: string) => string) =>
    existsSync(root)
      ? readdirSync(root)
          .filter((d) => pattern.test(d))
          .sort((a, b) => Number(b.replace(/\D+/g, '')) - Number(a.replace(/\D+/g, '')))
          .map(bin)
      : [];
  // Debian and Ubuntu; RHEL's PGDG packages; Homebrew
  out.push(...versions('/usr/lib/postgresql', /^\d+$/, (v) => `/usr/lib/postgresql/${v}/bin`));
  out.push(...versions('/usr', /^pgsql-\d+$/, (v) => `/usr/${v}/bin`));
  out.push(...versions('/opt/homebrew/opt', /^postgresql@\d+$/, (v) => `/opt/homebrew/opt/${v}/bin`));
  out.push('/usr/local/bin', '/usr/bin');
  return out;
}

/** The user PostgreSQL runs as under root, from the passwd file (`postgres`, Debian's package creates it). */
async function unprivileged(user: string): Promise<{ user: string; uid: number; gid: number }> {
  const line = await runChecked('getent', ['passwd', user], { cwd: process.cwd() }).catch(() => '');
  const [, , uid, gid] = line.trim().split(':');
  if (uid === undefined || gid === undefined)
    throw planeFailed(
      `PostgreSQL refuses to run as root, and there is no ${user} user to run it as: create one (useradd --system ${user}; Debian's postgresql package does), or set PARITY_PG_USER to another unprivileged user`,
    );
  return { user, uid: Number(uid), gid: Number(gid) };
}

/**
 * Find the PostgreSQL server programs; refuse (`tool-missing`) when they are nowhere, or older
 * than PostgreSQL 12. Under root, the user they will run as (`$PARITY_PG_USER`, else `postgres`).
 */
export async function findPostgres(): Promise<Postgres> {
  const bindir = (await candidates()).find(hasPrograms);
  if (!bindir)
    return refuse('cannot start the data plane', toolMissing('PostgreSQL server programs (initdb, postgres, pg_basebackup)', POSTGRES_FIX));
  const said = await runChecked(join(bindir, 'postgres'), ['--version'], { cwd: process.cwd() });
  const version = /(\d+(?:\.\d+)*)/.exec(said)?.[1] ?? '';
  const major = Number(version.split('.')[0]);
  if (!(major >= MIN_MAJOR))
    return refuse(
      'cannot start the data plane',
      toolMissing(`PostgreSQL ${MIN_MAJOR} or later (found ${said.trim()} in ${bindir})`, POSTGRES_FIX),
    );
  const root = process.getuid?.() === 0;
  return { bindir, version, major, ...(root ? { runAs: await unprivileged(process.env.PARITY_PG_USER || 'postgres') } : {}) };
}

/** The command line that runs `program` of `pg` with `args`, as its user under root. */
export function pgCommand(pg: Postgres, program: string, args: readonly string[]): { cmd: string; args: string[] } {
  const path = join(pg.bindir, program);
  return asUser(pg, path, args);
}

/** Any command (`cp` in an archive_command is the server's own), as the servers' user under root. */
export function asUser(pg: Postgres, cmd: string, args: readonly string[]): { cmd: string; args: string[] } {
  if (!pg.runAs) return { cmd, args: [...args] };
  return {
    cmd: 'setpriv',
    args: [`--reuid=${pg.runAs.uid}`, `--regid=${pg.runAs.gid}`, '--clear-groups', '--', cmd, ...args],
  };
}
