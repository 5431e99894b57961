// Numbers, durations and times as the UI shows them (status bar, progress panel, search view).
export { formatBytes } from '../indexer/scan';

/** 12345 → "12,345" (fixed locale so tests and screenshots agree). */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** Seconds as "45s", "3m 05s", "2h 04m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Files per second: one decimal below 10, whole numbers above. */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec) || perSec <= 0) return '0 files/s';
  return `${perSec < 10 ? perSec.toFixed(1) : formatCount(perSec)} files/s`;
}

export function formatPercent(share: number): string {
  const pct = share * 100;
  // Never round an unfinished run up to 100% (or a started one down to 0%).
  if (share < 1 && pct > 99) return '99%';
  if (share > 0 && pct < 1) return '<1%';
  return `${Math.round(pct)}%`;
}

/** A past moment relative to now: "just now", "5 min ago", "3 h ago", else the date. */
export function formatAgo(at: number, now: number): string {
  const s = Math.max(0, (now - at) / 1000);
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(at).toISOString().slice(0, 10);
}
