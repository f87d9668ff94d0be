/** The db update/import progress line: only on a TTY, bytes while downloading, records while importing. */
import { describe, expect, it } from "vitest";
import { dbProgress } from "../../src/cli/commands/db-progress.js";

function fakeStream(isTTY: boolean) {
  const writes: string[] = [];
  const stream = { isTTY, columns: 100, write: (s: string) => writes.push(s) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, writes };
}

describe("dbProgress", () => {
  it("draws one line in place on a TTY and clears it at the end", async () => {
    const { stream, writes } = fakeStream(true);
    const p = dbProgress(true, stream);
    p.downloadStarted?.("osv-go", "http://x/a", 2_000_000);
    p.downloadBytes?.("osv-go", 1_500_000);
    await new Promise((r) => setTimeout(r, 120));
    p.downloadBytes?.("osv-go", 500_000);
    p.downloadDone?.("osv-go", "http://x/a", "downloaded");
    p.importStarted?.("osv-go");
    await new Promise((r) => setTimeout(r, 120));
    p.importRecords?.("osv-go", 12345);
    p.stop();
    expect(writes.every((w) => w.startsWith("\r"))).toBe(true);
    expect(
      writes.some((w) => w.includes("downloading: 2.0 MB of at least 2.0 MB, 0 files done, 1 in progress")),
    ).toBe(true);
    expect(writes.some((w) => w.includes("importing osv-go: 12,345 records"))).toBe(true);
    // Never wider than the terminal, and the last write blanks the line.
    expect(writes.every((w) => w.replace(/\r/g, "").length < 100)).toBe(true);
    expect(writes.at(-1)?.trim()).toBe("");
  });

  it("writes nothing when not a TTY or when quiet", () => {
    for (const [tty, enabled] of [
      [false, true],
      [true, false],
    ] as const) {
      const { stream, writes } = fakeStream(tty);
      const p = dbProgress(enabled, stream);
      p.downloadStarted?.("kev", "http://x", 10);
      p.importStarted?.("kev");
      p.stop();
      expect(writes).toEqual([]);
    }
  });
});
