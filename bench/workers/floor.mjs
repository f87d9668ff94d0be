/**
 * The decompress-only floor: read an image archive (an uncompressed outer tar) and gunzip every
 * gzip member (the layer blobs) to nowhere. Nothing is hashed, parsed or kept, so no image reader
 * that verifies digests and walks the layer tars can be faster in one process. Prints a JSON line
 * with the byte counts so the harness can check it did the same work as the reader under test.
 *
 *   node floor.mjs ARCHIVE.tar [--parallel]
 *
 * Sequential by default (one gunzip at a time); --parallel runs one gunzip per layer at once, up to
 * the machine's parallelism, which is the floor for a reader that spreads layers over cores.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";

// The same chunk size shipshape's gunzip uses, so the floor measures zlib, not chunk overhead.
const GUNZIP_CHUNK = 128 * 1024;
const READ_CHUNK = 1024 * 1024;

/** Size field of a tar header: octal text, or base-256 when the high bit is set. */
function tarSize(header) {
  const field = header.subarray(124, 136);
  if (field[0] & 0x80) {
    let n = field[0] & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i];
    return n;
  }
  const text = field
    .toString("latin1")
    .replace(/[\0 ]+$/g, "")
    .trim();
  return text === "" ? 0 : Number.parseInt(text, 8);
}

/** Offsets and sizes of the regular-file members whose bytes start with the gzip magic. */
async function gzipMembers(path) {
  const file = await open(path, "r");
  try {
    const { size: fileSize } = await file.stat();
    const header = Buffer.alloc(512);
    const magic = Buffer.alloc(2);
    const members = [];
    let offset = 0;
    while (offset + 512 <= fileSize) {
      await file.read(header, 0, 512, offset);
      if (header.every((b) => b === 0)) break;
      const size = tarSize(header);
      const type = String.fromCharCode(header[156]);
      const data = offset + 512;
      if ((type === "0" || type === "\0") && size >= 2) {
        await file.read(magic, 0, 2, data);
        if (magic[0] === 0x1f && magic[1] === 0x8b) members.push({ offset: data, size });
      }
      offset = data + Math.ceil(size / 512) * 512;
    }
    return members;
  } finally {
    await file.close();
  }
}

async function gunzipMember(path, member) {
  let out = 0;
  await pipeline(
    createReadStream(path, {
      start: member.offset,
      end: member.offset + member.size - 1,
      highWaterMark: READ_CHUNK,
    }),
    createGunzip({ chunkSize: GUNZIP_CHUNK }),
    new Writable({
      highWaterMark: READ_CHUNK,
      write(chunk, _encoding, callback) {
        out += chunk.length;
        callback();
      },
    }),
  );
  return out;
}

async function main() {
  const args = process.argv.slice(2);
  const path = args.find((a) => !a.startsWith("--"));
  if (!path) {
    process.stderr.write("usage: node floor.mjs ARCHIVE.tar [--parallel]\n");
    process.exit(2);
  }
  const parallel = args.includes("--parallel");
  const members = await gzipMembers(path);
  const sizes = new Array(members.length).fill(0);
  let next = 0;
  const worker = async () => {
    while (next < members.length) {
      const i = next++;
      sizes[i] = await gunzipMember(path, members[i]);
    }
  };
  const workers = parallel ? Math.min(members.length, availableParallelism()) : 1;
  await Promise.all(Array.from({ length: workers }, worker));
  const result = {
    layers: members.length,
    compressedBytes: members.reduce((n, m) => n + m.size, 0),
    uncompressedBytes: sizes.reduce((n, s) => n + s, 0),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
