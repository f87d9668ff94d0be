/**
 * Progress of `db update` / `db import` on stderr: one line, rewritten in place at most ten times a
 * second — bytes while downloading, records while importing. Only on a TTY (never in CI logs or
 * piped output) and not with --quiet.
 */
import type { UpdateProgress } from "../../vulndb/update.js";

export interface DbProgress extends UpdateProgress {
  stop(): void;
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

export function dbProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): DbProgress {
  if (!enabled || !stream.isTTY) return { stop: () => undefined };
  let bytes = 0;
  let total = 0;
  let active = 0;
  let done = 0;
  let importing: { feed: string; records: number } | null = null;
  let last = 0;
  let shown = false;
  const draw = (force = false) => {
    const t = Date.now();
    if (!force && t - last < 100) return;
    last = t;
    const line = importing
      ? `importing ${importing.feed}: ${importing.records.toLocaleString("en-US")} records`
      : `downloading: ${mb(bytes)}${total > 0 ? ` of at least ${mb(total)}` : ""}, ${done} files done, ${active} in progress`;
    const width = Math.max(20, (stream.columns ?? 80) - 1);
    stream.write(`\r${line.slice(0, width).padEnd(width)}`);
    shown = true;
  };
  return {
    downloadStarted(_feed, _url, size) {
      active++;
      if (size !== null) total += size;
      draw();
    },
    downloadBytes(_feed, n) {
      bytes += n;
      draw();
    },
    downloadDone() {
      active = Math.max(0, active - 1);
      done++;
      draw();
    },
    importStarted(feed) {
      importing = { feed, records: 0 };
      draw(true);
    },
    importRecords(feed, records) {
      importing = { feed, records };
      draw();
    },
    stop() {
      if (shown) stream.write(`\r${" ".repeat(Math.max(20, (stream.columns ?? 80) - 1))}\r`);
    },
  };
}
