// Dates and numbers in the account's time zone and language.
export interface FormatContext {
  locale: string; // ko-KR or en-US
  timeZone: string; // IANA, from the account
}

export function localeOf(lang: string): string {
  return lang === 'en' ? 'en-US' : 'ko-KR';
}

export function formatDateTime(ctx: FormatContext, iso: string | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(ctx.locale, {
    timeZone: ctx.timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).format(new Date(iso));
}

export function formatNumber(ctx: FormatContext, n: number, opts?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(ctx.locale, opts).format(n);
}

export function formatPercent(ctx: FormatContext, ratio: number): string {
  return new Intl.NumberFormat(ctx.locale, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

/** zoneOffsetMinutes is how far timeZone's wall clock is ahead of UTC at instant ms. */
export function zoneOffsetMinutes(timeZone: string, ms: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((wall - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** zonedToISO reads a wall-clock time ("2026-12-01T09:00", as a datetime-local
 * input gives it) in timeZone and answers the instant as RFC 3339 in UTC. */
export function zonedToISO(local: string, timeZone: string): string | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local);
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  // The offset at the guess, then at the result (they differ only across a DST change).
  let utc = wall - zoneOffsetMinutes(timeZone, wall) * 60_000;
  utc = wall - zoneOffsetMinutes(timeZone, utc) * 60_000;
  return new Date(utc).toISOString().replace('.000Z', 'Z');
}

/** zonedLocal is the wall-clock time ("YYYY-MM-DDTHH:mm") of an instant in timeZone. */
export function zonedLocal(ms: number, timeZone: string): string {
  const d = new Date(ms + zoneOffsetMinutes(timeZone, ms) * 60_000);
  return d.toISOString().slice(0, 16);
}

/** formatDuration writes seconds as "2분 5초" / "2 min 5 s". */
export function formatDuration(ctx: FormatContext, seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const unit = (n: number, u: 'hour' | 'minute' | 'second') =>
    new Intl.NumberFormat(ctx.locale, { style: 'unit', unit: u, unitDisplay: 'short' }).format(n);
  if (h > 0) return `${unit(h, 'hour')} ${unit(m, 'minute')}`;
  if (m > 0) return `${unit(m, 'minute')} ${unit(sec, 'second')}`;
  return unit(sec, 'second');
}

export function formatDate(ctx: FormatContext, iso: string | undefined): string {
  if (!iso) return '';
  return new Intl.DateTimeFormat(ctx.locale, { timeZone: ctx.timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** formatPhone writes a Korean mobile number as Korean staff write it
 * (+821012345678 → 010-1234-5678); other numbers and e-mail addresses stay as they are. */
export function formatPhone(recipient: string): string {
  const m = /^\+8210(\d{4})(\d{4})$/.exec(recipient);
  return m ? `010-${m[1]}-${m[2]}` : recipient;
}
