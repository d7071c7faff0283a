/**
 * Reading schedules out of synthesized Terraform. The document itself (resources, provider regions,
 * references) is read with @parity/model/terraform, re-exported here for the checks' modules.
 */
export { blocks, literal, TfDoc, type TerraformJson, type TfResource } from '@parity/model/terraform';

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
