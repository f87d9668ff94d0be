/**
 * Reading `--vex FILE` (repeatable): JSON, size-capped, told apart by content — an OpenVEX
 * `@context`, or a CycloneDX BOM (`bomFormat`) carrying vulnerabilities with an analysis.
 */
import { readFile, stat } from "node:fs/promises";
import { describeError, ShipshapeError } from "../errors.js";
import { parseJsonDocument } from "../image/manifest.js";
import { isCycloneDxVex, parseCycloneDxVex } from "./cyclonedx-vex.js";
import { isOpenVex, parseOpenVex } from "./openvex.js";
import type { VexDocument } from "./statement.js";

/** VEX documents are statements, not whole SBOMs, but CycloneDX VEX may embed one: same cap as SBOMs. */
export const MAX_VEX_BYTES = 64 * 1024 * 1024;

/** Parse a VEX document of either format from its JSON value. */
export function parseVexDocument(document: unknown, file: string): VexDocument {
  if (isOpenVex(document)) return parseOpenVex(document, file);
  if (isCycloneDxVex(document)) return parseCycloneDxVex(document, file);
  throw new ShipshapeError(
    "input",
    `VEX file ${file} is neither OpenVEX (an "@context" naming openvex) nor CycloneDX ("bomFormat": "CycloneDX")`,
  );
}

export async function readVexFile(path: string, maxBytes = MAX_VEX_BYTES): Promise<VexDocument> {
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new ShipshapeError("input", `VEX file ${path} is not a regular file`);
    if (info.size > maxBytes) {
      throw new ShipshapeError(
        "limit",
        `VEX file ${path} is ${info.size} bytes, over the ${maxBytes}-byte limit`,
      );
    }
    bytes = await readFile(path);
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new ShipshapeError(
      code === "ENOENT" ? "not-found" : "input",
      `VEX file ${path} cannot be read (${describeError(err)})`,
    );
  }
  return parseVexDocument(parseJsonDocument(bytes, `VEX file ${path}`, maxBytes), path);
}
