// Numbers, durations and times as the UI shows them (status bar, progress panel, search view).
// Pure: the caller passes the display language (vscode.env.language), so every format is
// unit-tested for more than one locale and nothing here depends on the machine's own locale.
export { formatBytes } from '../indexer/scan';

/** The language the UI falls back to when VS Code's is not a locale Intl knows. */
const FALLBACK_LOCALE = 'en';

const formats = new Map<string, Intl.NumberFormat>();

/** One Intl.NumberFormat per (locale, options): they are costly to build and the status bar renders 4×/s. */
function numberFormat(locale: string, options: Intl.NumberFormatOptions, key: string): Intl.NumberFormat {
  const id = `${locale}|${key}`;
  let f = formats.get(id);
  if (!f) {
    try {
      f = new Intl.NumberFormat(locale, options);
    } catch {
      // A malformed language tag (RangeError) must not break the status bar.
      f = new Intl.NumberFormat(FALLBACK_LOCALE, options);
    }
    formats.set(id, f);
  }
  return f;
}

/** 12345 → "12,345" in English, "12.345" in German. */
export function formatCount(n: number, locale: string): string {
  return numberFormat(locale, { maximumFractionDigits: 0 }, 'int').format(Math.round(n));
}

export function plural(n: number, one: string, locale: string, many = `${one}s`): string {
  return `${formatCount(n, locale)} ${n === 1 ? one : many}`;
}

/** Seconds as "45s", "3m 05s", "2h 04m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Files per second: one decimal below 10, whole numbers above ("3.5 files/s", "3,5 files/s"). */
export function formatRate(perSec: number, locale: string): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return '0 files/s';
  const n = perSec < 10 ? numberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }, 'one-decimal').format(perSec) : formatCount(perSec, locale);
  return `${n} files/s`;
}

export function formatPercent(share: number, locale: string): string {
  const pct = numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }, 'percent');
  // Never round an unfinished run up to 100% (or a started one down to 0%).
  if (share < 1 && share > 0.99) return pct.format(0.99);
  if (share > 0 && share < 0.01) return `<${pct.format(0.01)}`;
  return pct.format(share);
}

/** A past moment relative to now: "just now", "5 min ago", "3 h ago", else the date. */
export function formatAgo(at: number, now: number): string {
  const s = Math.max(0, (now - at) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(at).toISOString().slice(0, 10);
}
