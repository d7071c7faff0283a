/**
 * Terraform in a drill's work folder: init from the provider mirror (offline), apply, destroy,
 * and the state as JSON. Every run is logged to `<dir>/terraform.log` and stopped with its
 * provider plugins on abort.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TerraformJson } from '@parity/model/terraform';
import {
  type ProcessGroups,
  type ProcessOptions,
  terraformVersion as ioTerraformVersion,
  runTerraform,
  terraformInitArgs,
} from '@parity/io';
import { interruption, ParityError, terraformFailed } from '@parity/model';

export interface TfContext {
  readonly env: NodeJS.ProcessEnv;
  readonly pluginDir?: string;
  readonly signal?: AbortSignal;
  /** Where each terraform's process group is recorded while it runs. */
  readonly children?: ProcessGroups;
  /** Grace before SIGKILL after an abort: short on a throwaway emulator, long on real AWS. */
  readonly graceMs?: number;
  /**
   * The target is an emulator this drill started and nothing else writes to: a create it refuses
   * as already existing can only be this apply's own (see `ownCreates`), and is imported. Never on
   * a shared emulator (`--endpoint`) or real AWS.
   */
  readonly ownEmulator?: boolean;
}

export interface StateResource {
  readonly address: string;
  readonly type: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
}

/** The `Error:` diagnostics of terraform's output, with the address they concern and the API's answer. */
export function terraformErrors(output: string, max = 4): string[] {
  const out: string[] = [];
  const lines = output.split('\n').map((l) => l.replace(/^[│╷╵]\s?/, ''));
  for (const [i, line] of lines.entries()) {
    if (out.length >= max) break;
    let msg = /^Error: (.+)$/.exec(line.trim())?.[1];
    if (!msg || msg === 'execution halted') continue;
    let address: string | undefined;
    let detail: string | undefined;
    for (const next of lines.slice(i + 1, i + 16)) {
      const l = next.trim();
      if (/^Error: /.test(l)) break;
      const w = /^with ([^,]+),/.exec(l);
      if (w) address ??= w[1];
      else if (l && !/^on .+ line \d+/.test(l) && !/^\d+:/.test(l) && !detail) detail = l;
    }
    if (address) msg = `${address}: ${msg}`;
    if (detail && !msg.includes(detail)) msg += ` (${detail})`;
    out.push(msg.length > 500 ? `${msg.slice(0, 500)}…` : msg);
  }
  return out;
}

/** A terraform of a drill: in a process group of its own, logged, stopped with its provider plugins on abort. */
function runOptions(dir: string, ctx: TfContext, what: string, onLine?: (l: string) => void): Omit<ProcessOptions, 'cwd' | 'env'> {
  return { group: true, log: join(dir, 'terraform.log'), what, groups: ctx.children, signal: ctx.signal, graceMs: ctx.graceMs, onLine };
}

function abortReason(signal: AbortSignal | undefined): Error {
  return signal?.reason instanceof Error ? signal.reason : interruption('abort');
}

/** A terraform run that exited non-zero, as a refusal naming its log and its `Error:` diagnostics (`terraformErrors`). */
function failed(dir: string, command: string, r: { code: number | null; signal?: NodeJS.Signals | null; stdout: string; stderr: string }) {
  const errors = terraformErrors(`${r.stderr}\n${r.stdout}`);
  const fix = errors.some((e) => /arn:aws:iam::aws:policy\/.*(does not exist|not attachable)/.test(e))
    ? 'the emulator has no AWS managed policies: start moto with MOTO_IAM_LOAD_MANAGED_POLICIES=true'
    : undefined;
  const i = terraformFailed(join(dir, 'terraform.log'), command, r.signal ?? `exit ${r.code}`, errors, fix);
  return new ParityError([i], i.message);
}

/** The `Error:` diagnostics of a failed terraform run (empty for anything else). */
export function diagnosticsOf(e: unknown): readonly string[] {
  if (!(e instanceof ParityError)) return [];
  const i = e.issues.find((x) => x.kind === 'terraform-failed');
  return Array.isArray(i?.value) ? (i.value as string[]) : [];
}

async function tf(
  dir: string,
  args: string[],
  ctx: TfContext,
  what: string,
  onLine?: (l: string) => void,
): Promise<{ stdout: string; stderr: string }> {
  const r = await runTerraform(args, dir, ctx.env, runOptions(dir, ctx, `terraform ${args[0]} (${what})`, onLine));
  if (r.aborted) throw abortReason(ctx.signal);
  if (r.code !== 0) throw failed(dir, args[0] ?? 'terraform', r);
  return r;
}

export async function init(dir: string, ctx: TfContext, what: string): Promise<void> {
  await tf(dir, terraformInitArgs({ pluginDir: ctx.pluginDir }), ctx, what);
}

/** What an apply did: changes planned and made, and the creates it adopted from its own lost answers. */
export interface Applied {
  readonly planned: number;
  readonly created: number;
  /** Objects the emulator made for a request whose answer was lost (imported, then the apply ran again). */
  readonly adopted: readonly OwnCreate[];
}

/**
 * `terraform apply -auto-approve` (with `-replace=` for each address in `replace`), reporting
 * `applied/planned` as it goes. On an emulator of the drill's own (`ctx.ownEmulator`), an apply that
 * failed only because creates met objects of their own making is imported and applied once more.
 */
export async function apply(
  dir: string,
  ctx: TfContext,
  what: string,
  onProgress?: (s: string) => void,
  replace: readonly string[] = [],
): Promise<Applied> {
  try {
    return { ...(await applyOnce(dir, ctx, what, onProgress, replace)), adopted: [] };
  } catch (e) {
    // with -replace a second apply could replace twice; a first apply has nothing to replace
    const own = ctx.ownEmulator && replace.length === 0 ? ownCreates(readDocument(dir), diagnosticsOf(e)) : [];
    if (own.length === 0) throw e;
    for (const o of own) {
      onProgress?.(`importing ${o.address} (${o.id}): the emulator made it for a request whose answer was lost`);
      await tf(dir, ['import', '-input=false', '-no-color', o.address, o.id], ctx, what);
    }
    return { ...(await applyOnce(dir, ctx, what, onProgress, [])), adopted: own };
  }
}

async function applyOnce(
  dir: string,
  ctx: TfContext,
  what: string,
  onProgress: ((s: string) => void) | undefined,
  replace: readonly string[],
): Promise<{ planned: number; created: number }> {
  let planned = 0;
  let created = 0;
  await tf(dir, ['apply', '-auto-approve', '-input=false', '-no-color', ...replace.map((a) => `-replace=${a}`)], ctx, what, (l) => {
    const p = /^Plan: (\d+) to add, (\d+) to change/.exec(l);
    if (p) planned = Number(p[1]) + Number(p[2]);
    if (/: (Creation|Modifications) complete after/.test(l)) created += 1;
    const still = /^(\S+): Still (creating|modifying)\.\.\. \[(.+) elapsed\]/.exec(l);
    if (p || /complete after/.test(l) || still)
      onProgress?.(`${created}/${planned || '?'} applied${still ? `, waiting on ${still[1]} (${still[3]})` : ''}`);
  });
  return { planned, created };
}

/** A create refused as already existing whose object this apply made itself, and its import ID. */
export interface OwnCreate {
  readonly address: string;
  readonly id: string;
}

/**
 * Resource types whose create has no idempotency token and whose name is unique, so that a request
 * the emulator carried out but whose answer was lost is retried by the AWS SDK and refused as
 * already existing; each with its import ID (the name) from the resource's arguments.
 */
const NAMED_CREATES: Readonly<Record<string, (body: Record<string, unknown>) => unknown>> = {
  aws_kms_alias: (b) => b.name,
};

/**
 * The failed creates of `errors` that met an object of their own making, when every error is one:
 * an `AlreadyExists` answer to a create of a type in `NAMED_CREATES` whose name is a literal no
 * other resource of that type in the document uses. On an emulator the drill started, nothing
 * else writes, so such an object can only come from this apply's own earlier, retried request.
 * Empty when any error is something else (the apply failed for a reason of its own).
 */
export function ownCreates(json: TerraformJson | undefined, errors: readonly string[]): OwnCreate[] {
  if (!json || errors.length === 0) return [];
  const own: OwnCreate[] = [];
  for (const e of errors) {
    const [, type = '', name = ''] = /^([a-z0-9_]+)\.(\S+): creating .*AlreadyExists/.exec(e) ?? [];
    const idOf = NAMED_CREATES[type];
    if (!idOf) return [];
    const byName = json.resource?.[type] ?? {};
    const id = idOf((byName[name] ?? {}) as Record<string, unknown>);
    if (typeof id !== 'string' || id.includes('${')) return [];
    const sameName = Object.values(byName).filter((b) => idOf(b as Record<string, unknown>) === id);
    if (sameName.length !== 1) return [];
    own.push({ address: `${type}.${name}`, id });
  }
  return own;
}

/** The document a drill's work folder applies (`main.tf.json`), or undefined without one. */
function readDocument(dir: string): TerraformJson | undefined {
  const file = join(dir, 'main.tf.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as TerraformJson) : undefined;
}

/** A change Terraform still plans: the address, what it will do, and the top-level arguments that change. */
export interface PendingChange {
  readonly address: string;
  readonly action: string;
  readonly attributes: string[];
}

/** `terraform plan -detailed-exitcode`: what Terraform would still change (nothing: the configuration is applied). */
export async function pendingChanges(dir: string, ctx: TfContext, what: string): Promise<PendingChange[]> {
  const changes: PendingChange[] = [];
  const onLine = (l: string) => {
    const [, address, action] = /^\s*# (\S+) (?:will be|must be) (.+)$/.exec(l) ?? [];
    if (address && action) changes.push({ address, action, attributes: [] });
    const attribute = /^\s{6}[~+-] ([a-z0-9_]+)\s+=/.exec(l)?.[1];
    if (attribute) changes.at(-1)?.attributes.push(attribute);
  };
  const args = ['plan', '-detailed-exitcode', '-input=false', '-no-color', '-lock=false'];
  const r = await runTerraform(args, dir, ctx.env, runOptions(dir, ctx, `terraform plan (${what})`, onLine));
  if (r.aborted) throw abortReason(ctx.signal);
  if (r.code !== 0 && r.code !== 2) throw failed(dir, 'plan', r);
  return changes;
}

export async function destroy(dir: string, ctx: TfContext, what: string, onProgress?: (s: string) => void): Promise<{ destroyed: number }> {
  let destroyed = 0;
  await tf(dir, ['destroy', '-auto-approve', '-input=false', '-no-color'], ctx, what, (l) => {
    if (/: Destruction complete after/.test(l)) {
      destroyed += 1;
      onProgress?.(`${destroyed} destroyed`);
    }
  });
  return { destroyed };
}

/** The resources in `<dir>/terraform.tfstate` (local backend), read directly; none if it is missing or unreadable. */
export function stateResources(dir: string, statePath = 'terraform.tfstate'): StateResource[] {
  const file = join(dir, statePath);
  if (!existsSync(file)) return [];
  type State = {
    resources?: Array<{ mode: string; type: string; name: string; instances?: Array<{ attributes?: Record<string, unknown> }> }>;
  };
  let s: State;
  try {
    s = JSON.parse(readFileSync(file, 'utf8')) as State;
  } catch {
    // empty or half-written: terraform was stopped before it saved any state
    return [];
  }
  return (s.resources ?? [])
    .filter((r) => r.mode === 'managed')
    .flatMap((r) =>
      (r.instances ?? []).map((i) => ({ address: `${r.type}.${r.name}`, type: r.type, name: r.name, values: i.attributes ?? {} })),
    );
}

/** The Terraform version for the report, or undefined when it cannot be read (the report says unknown). */
export async function terraformVersion(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  return ioTerraformVersion(env).catch(() => undefined);
}
