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
