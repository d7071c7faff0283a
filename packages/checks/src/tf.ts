/**
 * Reading synthesized Terraform JSON: which region each resource lands in (through its provider
 * alias, or its own region/location argument), and what a reference such as
 * `${aws_backup_vault.copy_XYZ.arn}` or a literal ARN points at.
 */
import type { Cloud } from '@parity/model';

export interface TerraformJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  provider?: Record<string, Array<Record<string, unknown>>>;
  terraform?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface TfResource {
  readonly type: string;
  readonly name: string;
  readonly address: string;
  readonly body: Record<string, unknown>;
}

const REF = /^\$\{([a-z0-9_]+)\.([A-Za-z0-9_-]+)\.([a-z0-9_.[\]]+)\}$/;

/** Single nested blocks are objects in cdktf JSON and lists in hand-written JSON; accept both. */
export function blocks(v: unknown): Array<Record<string, unknown>> {
  if (Array.isArray(v)) return v.filter((x): x is Record<string, unknown> => !!x && typeof x === 'object');
  return v && typeof v === 'object' ? [v as Record<string, unknown>] : [];
}

export class TfDoc {
  private readonly providers = new Map<string, string>();

  constructor(
    readonly json: TerraformJson,
    readonly cloud: Cloud,
    /** The environment's region: where resources without a provider region land. */
    readonly defaultRegion: string,
  ) {
    for (const [name, list] of Object.entries(json.provider ?? {})) {
      for (const p of list) {
        const key = typeof p.alias === 'string' ? `${name}.${p.alias}` : name;
        if (typeof p.region === 'string') this.providers.set(key, p.region);
      }
    }
  }

  resources(type: string): TfResource[] {
    return Object.entries(this.json.resource?.[type] ?? {}).map(([name, body]) => ({ type, name, address: `${type}.${name}`, body }));
  }

  get(type: string, name: string): TfResource | undefined {
    const body = this.json.resource?.[type]?.[name];
    return body ? { type, name, address: `${type}.${name}`, body } : undefined;
  }

  /** The region a resource is created in, from its provider (AWS) or its provider's default region. */
  providerRegion(r: TfResource): string {
    const p = typeof r.body.provider === 'string' ? r.body.provider : this.cloud === 'aws' ? 'aws' : 'google';
    return this.providers.get(p) ?? this.defaultRegion;
  }

  /** The resource a `${type.name.attr}` reference points at. */
  deref(value: unknown): TfResource | undefined {
    if (typeof value !== 'string') return undefined;
    const m = REF.exec(value);
    return m ? this.get(m[1]!, m[2]!) : undefined;
  }

  /** The region a value points into: a reference to a resource, or a literal ARN. */
  regionOf(value: unknown): string | undefined {
    const target = this.deref(value);
    if (target) return this.providerRegion(target);
    if (typeof value === 'string' && value.startsWith('arn:')) {
      const region = value.split(':')[3];
      return region || undefined;
    }
    return undefined;
  }

  /** Whether `value` references a resource of `type` (directly or inside a list). */
  references(value: unknown, type: string): boolean {
    if (Array.isArray(value)) return value.some((v) => this.references(v, type));
    return this.deref(value)?.type === type;
  }
}

/**
 * Minutes between runs of a schedule: AWS `cron(m h dom mon dow y)` / `rate(n unit)` or a
 * five-field cron. Handles the forms Parity writes and the common hand-written ones; `undefined`
 * when it cannot tell.
 */
export function cronIntervalMinutes(expr: string): number | undefined {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expr.trim());
  if (rate) return Number(rate[1]) * (rate[2]!.startsWith('minute') ? 1 : rate[2]!.startsWith('hour') ? 60 : 1440);
  const inner = /^cron\((.*)\)$/.exec(expr.trim())?.[1] ?? expr.trim();
  const f = inner.split(/\s+/);
  if (f.length < 5) return undefined;
  const [min, hour, dom] = f as [string, string, string];
  const step = (field: string, unit: number, span: number): number | undefined => {
    if (field === '*') return unit;
    const s = /^(\*|\d+)\/(\d+)$/.exec(field);
    if (s) return Number(s[2]) * unit;
    if (/^\d+$/.test(field)) return span;
    const list = field.split(',').map(Number);
    if (list.length > 1 && list.every((n) => Number.isInteger(n))) {
      const sorted = [...list].sort((a, b) => a - b);
      let gap = sorted[0]! + span / unit - sorted[sorted.length - 1]!;
      for (let i = 1; i < sorted.length; i++) gap = Math.max(gap, sorted[i]! - sorted[i - 1]!);
      return gap * unit;
    }
    return undefined;
  };
  if (dom !== '*' && dom !== '?') return undefined;
  if (hour === '*' || /\//.test(hour) || hour.includes(',')) {
    if (!/^\d+$/.test(min)) return step(min, 1, 60);
    return step(hour, 60, 1440);
  }
  if (/^\d+$/.test(hour) && /^\d+$/.test(min)) return 1440;
  return undefined;
}
