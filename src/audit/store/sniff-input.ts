/**
 * Which kind of audit log a byte stream holds, told from its first bytes (gzip undone first):
 * auditd text (`type=…` or `node=… type=…`) or Kubernetes audit Events (JSON). The stream comes
 * back whole (decompressed), so either reader sees every byte.
 */
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { describeError, ShipshapeError } from "../../errors.js";

export type AuditLogKind = "k8s" | "auditd";

export async function sniffAuditLog(
  chunks: AsyncIterable<Uint8Array>,
  source: string,
): Promise<{ kind: AuditLogKind; chunks: AsyncIterable<Buffer> }> {
  const outer = chunks[Symbol.asyncIterator]();
  const first = await outer.next();
  const firstBuf = first.done ? Buffer.alloc(0) : Buffer.from(first.value);
  async function* whole(): AsyncGenerator<Buffer> {
    if (first.done) return;
    yield firstBuf;
    for (let n = await outer.next(); !n.done; n = await outer.next()) yield Buffer.from(n.value);
  }
  let text: AsyncIterable<Buffer> = whole();
  if (firstBuf.length >= 2 && firstBuf[0] === 0x1f && firstBuf[1] === 0x8b) {
    const gunzip = createGunzip();
    // pipeline, not pipe: a read error of the source must reach the reader of the gunzip stream.
    pipeline(Readable.from(whole()), gunzip, () => {});
    text = guard(gunzip, source);
  }
  const inner = text[Symbol.asyncIterator]();
  const head = await inner.next();
  async function* rest(): AsyncGenerator<Buffer> {
    if (head.done) return;
    yield head.value;
    for (let n = await inner.next(); !n.done; n = await inner.next()) yield n.value;
  }
  return { kind: head.done ? "k8s" : kindOf(head.value), chunks: rest() };
}

function kindOf(start: Buffer): AuditLogKind {
  const text = start
    .subarray(0, 512)
    .toString("utf8")
    .replace(/^\uFEFF/, "")
    .trimStart();
  return /^(node=\S+\s+)?type=[A-Z_]/.test(text) ? "auditd" : "k8s";
}

async function* guard(stream: AsyncIterable<Buffer>, source: string): AsyncGenerator<Buffer> {
  try {
    yield* stream;
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    throw new ShipshapeError("input", `${source}: not a readable gzip stream (${describeError(err)})`, {
      cause: err,
    });
  }
}
