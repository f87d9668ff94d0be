/**
 * The dependency list cargo-auditable embeds in a Rust binary: a `.dep-v0` section (ELF, or a PE
 * section of that name) holding zlib-compressed JSON
 * `{"packages":[{"name","version","source","kind"?,"dependencies"?,"root"?}]}` (schema:
 * rust-secure-code/cargo-auditable, cargo-auditable.schema.json; `kind` defaults to "runtime",
 * `root` to false). Inflating stops at MAX_AUDIT_JSON_BYTES; the JSON is validated before use.
 */
import { inflateSync } from "node:zlib";
import * as v from "valibot";
import { ShipshapeError } from "../../errors.js";
import { isElf, parseElfOnce, sectionBytes } from "../go/elf.js";

export const AUDIT_SECTION = ".dep-v0";
/** Real audit data is a few KiB to a few hundred KiB of JSON. */
export const MAX_AUDIT_JSON_BYTES = 16 * 1024 * 1024;
export const MAX_AUDIT_PACKAGES = 100_000;

export type CargoAuditPackage = {
  name: string;
  version: string;
  /** "crates.io", "git", "local", "registry" or another source name. */
  source: string;
  kind: "runtime" | "build";
  root: boolean;
  dependencies: number[];
};

const PackageSchema = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(1024)),
  version: v.pipe(v.string(), v.maxLength(1024)),
  source: v.union([v.string(), v.object({ Other: v.string() })]),
  kind: v.optional(v.picklist(["runtime", "build"]), "runtime"),
  root: v.optional(v.boolean(), false),
  dependencies: v.optional(v.array(v.pipe(v.number(), v.integer(), v.minValue(0))), []),
});
const AuditSchema = v.object({
  packages: v.pipe(v.array(PackageSchema), v.maxLength(MAX_AUDIT_PACKAGES)),
});

/** A PE file's section by name (names are at most 8 bytes), bounds-checked; null when absent. */
function peSection(bytes: Buffer, name: string): Buffer | null {
  if (bytes.length < 0x40 || bytes[0] !== 0x4d || bytes[1] !== 0x5a) return null;
  const pe = bytes.readUInt32LE(0x3c);
  if (pe + 24 > bytes.length || bytes.readUInt32LE(pe) !== 0x00004550) return null;
  const count = bytes.readUInt16LE(pe + 6);
  const optionalSize = bytes.readUInt16LE(pe + 20);
  const table = pe + 24 + optionalSize;
  for (let i = 0; i < count; i++) {
    const o = table + i * 40;
    if (o + 40 > bytes.length) return null;
    const raw = bytes.subarray(o, o + 8);
    const end = raw.indexOf(0);
    if (raw.toString("latin1", 0, end < 0 ? 8 : end) !== name) continue;
    const size = bytes.readUInt32LE(o + 16);
    const offset = bytes.readUInt32LE(o + 20);
    if (offset + size > bytes.length)
      throw new ShipshapeError("input", `PE section ${name} runs past the end of the file`);
    return bytes.subarray(offset, offset + size);
  }
  return null;
}

/** The raw (compressed) audit section of an executable; null when it has none. */
export function auditSection(bytes: Buffer): Buffer | null {
  if (isElf(bytes)) {
    try {
      return sectionBytes(bytes, parseElfOnce(bytes), AUDIT_SECTION);
    } catch {
      return null;
    }
  }
  return peSection(bytes, AUDIT_SECTION);
}

/** Decode a `.dep-v0` section's bytes. Throws ShipshapeError when it is not valid audit data. */
export function parseAuditData(section: Buffer): CargoAuditPackage[] {
  let json: Buffer;
  try {
    json = inflateSync(section, { maxOutputLength: MAX_AUDIT_JSON_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new ShipshapeError(
        "limit",
        `${AUDIT_SECTION} inflates to more than ${MAX_AUDIT_JSON_BYTES} bytes`,
      );
    }
    throw new ShipshapeError("input", `${AUDIT_SECTION} is not zlib data: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(json.toString("utf8"));
  } catch (err) {
    throw new ShipshapeError("input", `${AUDIT_SECTION} is not JSON: ${(err as Error).message}`);
  }
  const parsed = v.safeParse(AuditSchema, value);
  if (!parsed.success) {
    const issue = parsed.issues[0];
    const where = issue?.path?.map((p) => String(p.key)).join(".") ?? "";
    throw new ShipshapeError(
      "input",
      `${AUDIT_SECTION} JSON does not match the cargo-auditable schema${where ? ` at ${where}` : ""}: ${issue?.message ?? "invalid"}`,
    );
  }
  const packages = parsed.output.packages;
  return packages.map((p) => ({
    name: p.name,
    version: p.version,
    source: typeof p.source === "string" ? p.source : p.source.Other,
    kind: p.kind,
    root: p.root,
    // Indices that point nowhere are dropped rather than trusted.
    dependencies: p.dependencies.filter((d) => d < packages.length),
  }));
}

/** The audit data of an executable's bytes; null when it has no `.dep-v0` section. Throws ShipshapeError when it is unreadable. */
export function readCargoAuditData(bytes: Buffer): CargoAuditPackage[] | null {
  const section = auditSection(bytes);
  return section === null ? null : parseAuditData(section);
}
