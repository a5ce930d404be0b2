const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };
const DURATION = /^(\d{1,9})([smhd]?)$/;

/** True when `value` is a duration: whole seconds, or a number with an s/m/h/d suffix. */
export function isDuration(value: string): boolean {
  return DURATION.test(value.trim());
}

/** Parses `900`, `15m`, `1h`, `14d` into whole seconds. */
export function parseDuration(value: string): number {
  const match = DURATION.exec(value.trim());
  if (!match) throw new Error(`not a duration: ${value}`);
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's'];
}
