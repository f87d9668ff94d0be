/** Day partitions (UTC): the key of a time, its bounds, and the days a time range touches. */

const DAY_MS = 86_400_000;

/** `YYYYMMDD` of a time, in UTC. */
export function dayKey(time: number): string {
  const d = new Date(Math.floor(time / DAY_MS) * DAY_MS);
  return `${d.getUTCFullYear().toString().padStart(4, "0")}${String(d.getUTCMonth() + 1).padStart(2, "0")}${String(d.getUTCDate()).padStart(2, "0")}`;
}

/** [start, end) of a day key, ms. */
export function dayBounds(key: string): [number, number] {
  const start = Date.UTC(Number(key.slice(0, 4)), Number(key.slice(4, 6)) - 1, Number(key.slice(6, 8)));
  return [start, start + DAY_MS];
}

export function isDayKey(text: string): boolean {
  return /^\d{8}$/.test(text) && dayKey(dayBounds(text)[0]) === text;
}

/** Whether a day overlaps [since, until). */
export function dayOverlaps(key: string, since: number | undefined, until: number | undefined): boolean {
  const [start, end] = dayBounds(key);
  return (since === undefined || end > since) && (until === undefined || start < until);
}

/** The day keys older than the retention window: days ending at or before `now - days`. */
export function expiredDays(keys: string[], days: number, now: number): string[] {
  const cutoff = now - days * DAY_MS;
  return keys.filter((k) => dayBounds(k)[1] <= cutoff);
}

// Times outside what a day key can name (years 0–9999) are refused before they reach SQL.
export const MIN_TIME = Date.UTC(1970, 0, 1);
export const MAX_TIME = Date.UTC(9999, 11, 31);
