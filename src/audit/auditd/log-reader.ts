/**
 * Streams an auditd log (a file, stdin, or any chunks) into events: lines split with a length cap,
 * each parsed, grouped by the assembler. A line that is not an auditd record is counted (with its
 * line number) and skipped; it never stops the stream. Memory stays bounded by the line cap and the
 * assembler's in-flight limits.
 */
import { type AssemblerOptions, type AuditdEvent, AuditdEventAssembler } from "./assembler.js";
import { parseAuditdLine } from "./record.js";

export interface AuditdReadStats {
  lines: number;
  records: number;
  events: number;
  malformed: number;
  /** Line numbers (1-based) of the first malformed lines. */
  malformedLines: number[];
  /** Events missing by gaps in the serial numbers. */
  lost: number;
}

export interface AuditdReadOptions extends AssemblerOptions {
  /** Longest line accepted (default 64 KiB; the kernel's records are under 9 KiB). */
  maxLineBytes?: number;
  /** How many malformed line numbers to keep (default 100). */
  keepMalformedLines?: number;
}

export function newReadStats(): AuditdReadStats {
  return { lines: 0, records: 0, events: 0, malformed: 0, malformedLines: [], lost: 0 };
}

export async function* readAuditdEvents(
  chunks: AsyncIterable<Buffer | string>,
  stats: AuditdReadStats = newReadStats(),
  options: AuditdReadOptions = {},
): AsyncGenerator<AuditdEvent> {
  const maxLine = options.maxLineBytes ?? 64 * 1024;
  const keep = options.keepMalformedLines ?? 100;
  const assembler = new AuditdEventAssembler(options);
  const malformed = () => {
    stats.malformed++;
    if (stats.malformedLines.length < keep) stats.malformedLines.push(stats.lines);
  };
  const handle = (line: string): AuditdEvent[] => {
    stats.lines++;
    if (line.trim() === "") return [];
    const record = parseAuditdLine(line);
    if (!record) {
      malformed();
      return [];
    }
    stats.records++;
    return assembler.push(record);
  };
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let overlong = false;
  for await (const chunk of chunks) {
    let buf = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    for (let nl = buf.indexOf(10); nl !== -1; nl = buf.indexOf(10)) {
      const part = buf.subarray(0, nl);
      buf = buf.subarray(nl + 1);
      if (overlong || pendingBytes + part.length > maxLine) {
        stats.lines++;
        malformed();
      } else {
        const line = pending.length === 0 ? part : Buffer.concat([...pending, part]);
        for (const e of handle(line.toString("utf8"))) yield count(e);
      }
      pending = [];
      pendingBytes = 0;
      overlong = false;
    }
    if (buf.length > 0 && !overlong) {
      if (pendingBytes + buf.length > maxLine) {
        overlong = true; // keep nothing more of this line: it is counted when it ends
        pending = [];
        pendingBytes = 0;
      } else {
        pending.push(Buffer.from(buf));
        pendingBytes += buf.length;
      }
    }
  }
  if (overlong) {
    stats.lines++;
    malformed();
  } else if (pendingBytes > 0) {
    for (const e of handle(Buffer.concat(pending).toString("utf8"))) yield count(e);
  }
  for (const e of assembler.flush()) yield count(e);
  stats.lost = assembler.lost;

  function count(e: AuditdEvent): AuditdEvent {
    stats.events++;
    stats.lost = assembler.lost;
    return e;
  }
}
