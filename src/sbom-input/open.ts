/**
 * Reading an existing SBOM file as the input of `sbom`/`scan` (see ./reference.ts for which
 * references name one). The format is told by content (`bomFormat: "CycloneDX"` or
 * `spdxVersion: "SPDX-2.x"`), never by the file name. Files are size-capped before they are read.
 */
import { open } from "node:fs/promises";
import { describeError, ShipshapeError } from "../errors.js";
import { readCycloneDx } from "./cyclonedx.js";
import type { SbomFormat, SbomReadOptions, SbomReadResult } from "./result.js";
import { readSpdx } from "./spdx.js";

/** Default size cap: the largest real image SBOMs are a few tens of MiB. */
export const DEFAULT_MAX_SBOM_BYTES = 64 * 1024 * 1024;

export interface ReadSbomOptions extends SbomReadOptions {
  /** Refuse files larger than this many bytes (default 64 MiB). */
  maxBytes?: number;
  /** How the input was given, for `source.reference` (default: the path). */
  reference?: string;
}

/** What a document is, by its content; throws a one-line ShipshapeError for anything else. */
export function detectSbomFormat(document: unknown, what: string): SbomFormat {
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new ShipshapeError(
      "input",
      `${what} is not a CycloneDX or SPDX JSON SBOM: the JSON is not an object`,
    );
  }
  const doc = document as Record<string, unknown>;
  if (doc.bomFormat === "CycloneDX") {
    const spec = doc.specVersion;
    if (typeof spec !== "string" || !/^1\.[2-7]$/.test(spec)) {
      throw new ShipshapeError(
        "input",
        `${what}: CycloneDX specVersion ${JSON.stringify(spec)} is not supported (CycloneDX JSON 1.2 to 1.7)`,
      );
    }
    return "cyclonedx";
  }
  if ("spdxVersion" in doc) {
    const version = doc.spdxVersion;
    if (typeof version !== "string" || !/^SPDX-2\.\d+$/.test(version)) {
      throw new ShipshapeError(
        "input",
        `${what}: spdxVersion ${JSON.stringify(version)} is not supported (SPDX 2.x JSON)`,
      );
    }
    return "spdx";
  }
  if ("@context" in doc || "@graph" in doc) {
    throw new ShipshapeError(
      "input",
      `${what} looks like SPDX 3 (JSON-LD), which is not supported: use SPDX 2.x or CycloneDX JSON`,
    );
  }
  throw new ShipshapeError(
    "input",
    `${what} is not a CycloneDX or SPDX JSON SBOM (it has neither "bomFormat": "CycloneDX" nor "spdxVersion")`,
  );
}

/** Parse and map an SBOM given as bytes. `what` names it in messages. */
export function parseSbom(
  bytes: Uint8Array,
  what: string,
  reference: string,
  options: SbomReadOptions = {},
): SbomReadResult {
  let text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const start = text.trimStart();
  if (start.startsWith("<")) {
    throw new ShipshapeError("input", `${what} is XML: only CycloneDX JSON and SPDX 2.x JSON SBOMs are read`);
  }
  if (/^SPDXVersion:/.test(start)) {
    throw new ShipshapeError(
      "input",
      `${what} is SPDX tag-value: only SPDX JSON (and CycloneDX JSON) SBOMs are read`,
    );
  }
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (err) {
    throw new ShipshapeError("input", `${what} is not valid JSON: ${describeError(err)}`);
  }
  const format = detectSbomFormat(document, what);
  return format === "cyclonedx"
    ? readCycloneDx(document, what, reference, options)
    : readSpdx(document, what, reference, options);
}

/** Read an SBOM file (size-capped) into the `{source, result}` an image scan gives. */
export async function readSbomFile(path: string, options: ReadSbomOptions = {}): Promise<SbomReadResult> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_SBOM_BYTES;
  const what = `SBOM ${path}`;
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, "r");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ShipshapeError(
      code === "ENOENT" ? "not-found" : "input",
      `cannot read ${what}: ${describeError(err)}`,
      {
        cause: err,
      },
    );
  }
  let bytes: Buffer;
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new ShipshapeError("input", `${what} is not a regular file`);
    if (info.size > maxBytes) {
      throw new ShipshapeError(
        "limit",
        `${what} is ${info.size} bytes, over the ${maxBytes}-byte limit for SBOM input`,
      );
    }
    // Read at most maxBytes + 1: a file that grows while we read is still caught.
    const buffer = Buffer.alloc(Math.min(info.size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buffer.length) break;
    }
    if (filled > maxBytes) {
      throw new ShipshapeError(
        "limit",
        `${what} grew past the ${maxBytes}-byte limit for SBOM input while being read`,
      );
    }
    bytes = buffer.subarray(0, filled);
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    throw new ShipshapeError("input", `cannot read ${what}: ${describeError(err)}`, { cause: err });
  } finally {
    await handle.close();
  }
  return parseSbom(bytes, what, options.reference ?? path, options);
}
