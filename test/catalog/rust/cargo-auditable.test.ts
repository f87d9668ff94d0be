/**
 * The Rust cataloger. There is no cargo-auditable here (no crates.io) and no audited binary on the
 * host, so the audit data is written as cargo-auditable writes it (zlib-compressed JSON in the
 * schema of rust-secure-code/cargo-auditable) and put into binaries two ways:
 *   - a REAL ELF program (the host's /bin/true) gets a `.dep-v0` section from binutils' objcopy
 *     (`--add-section`), and objcopy's own `--dump-section` is the independent check that we
 *     extract that section's bytes;
 *   - synthetic ELF (test/catalog/go/elf-builder.ts, 32-bit big-endian too) and PE files.
 * Then hostile data: not zlib, a zlib bomb, bad JSON, schema violations, random bytes.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deflateSync } from "node:zlib";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  auditSection,
  MAX_AUDIT_JSON_BYTES,
  parseAuditData,
  readCargoAuditData,
} from "../../../src/catalog/rust/audit-data.js";
import { analyzeRustBinary, rustAuditableCataloger } from "../../../src/catalog/rust/cataloger.js";
import { ShipshapeError } from "../../../src/errors.js";
import { bufferLayer, makeTar, syntheticImage } from "../../helpers/layers.js";
import { catalogWith } from "../go/catalog-with.js";
import { buildElf } from "../go/elf-builder.js";

const work = mkdtempSync(join(tmpdir(), "shipshape-rust-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The dependency tree of a small binary, in the shape cargo-auditable writes (defaults omitted). */
const AUDIT = {
  format: 1,
  packages: [
    { name: "cc", version: "1.0.83", source: "crates.io", kind: "build" },
    { name: "hello-auditable", version: "0.1.0", source: "local", dependencies: [2, 3, 0], root: true },
    { name: "serde", version: "1.0.193", source: "crates.io", dependencies: [4] },
    { name: "libc", version: "0.2.151", source: "registry" },
    { name: "serde_derive", version: "1.0.193", source: "git", kind: "build" },
  ],
};
const compressed = deflateSync(Buffer.from(JSON.stringify(AUDIT)));

/** A copy of a real ELF program with a `.dep-v0` section added by objcopy. */
function realElfWithSection(data: Buffer, name = "hello"): Buffer {
  const binary = join(work, name);
  const section = join(work, `${name}.dep-v0`);
  copyFileSync("/bin/true", binary);
  writeFileSync(section, data);
  execFileSync("objcopy", ["--add-section", `.dep-v0=${section}`, binary]);
  return readFileSync(binary);
}

/** A minimal PE file: DOS header, PE signature, COFF header, one section with `data`. */
function peWithSection(name: string, data: Buffer): Buffer {
  const pe = 0x80;
  const table = pe + 24; // no optional header
  const dataAt = table + 40;
  const out = Buffer.alloc(dataAt + data.length);
  out.write("MZ", 0, "latin1");
  out.writeUInt32LE(pe, 0x3c);
  out.write("PE\0\0", pe, "latin1");
  out.writeUInt16LE(0x8664, pe + 4);
  out.writeUInt16LE(1, pe + 6);
  out.writeUInt16LE(0, pe + 20);
  out.write(name, table, "latin1");
  out.writeUInt32LE(data.length, table + 8);
  out.writeUInt32LE(0x1000, table + 12);
  out.writeUInt32LE(data.length, table + 16);
  out.writeUInt32LE(dataAt, table + 20);
  data.copy(out, dataAt);
  return out;
}

const expectedPackages = [
  { name: "cc", version: "1.0.83", source: "crates.io", kind: "build", root: false, dependencies: [] },
  {
    name: "hello-auditable",
    version: "0.1.0",
    source: "local",
    kind: "runtime",
    root: true,
    dependencies: [2, 3, 0],
  },
  { name: "serde", version: "1.0.193", source: "crates.io", kind: "runtime", root: false, dependencies: [4] },
  { name: "libc", version: "0.2.151", source: "registry", kind: "runtime", root: false, dependencies: [] },
  { name: "serde_derive", version: "1.0.193", source: "git", kind: "build", root: false, dependencies: [] },
];

describe("audit data in real and synthetic executables", () => {
  it("a real ELF program with an objcopy-added .dep-v0: the same section bytes objcopy dumps, and the packages", () => {
    const binary = realElfWithSection(compressed);
    const dumped = join(work, "dumped");
    execFileSync("objcopy", [
      "--dump-section",
      `.dep-v0=${dumped}`,
      join(work, "hello"),
      join(work, "scratch"),
    ]);
    expect(auditSection(binary)).toEqual(readFileSync(dumped));
    expect(readCargoAuditData(binary)).toEqual(expectedPackages);
    // The unmodified program has no audit data.
    expect(readCargoAuditData(readFileSync("/bin/true"))).toBeNull();
  });

  it("synthetic ELF (64-bit LE, 32-bit BE) and PE files", () => {
    for (const [is64, littleEndian] of [
      [true, true],
      [false, false],
    ] as const) {
      const elf = buildElf({ is64, littleEndian, sections: [{ name: ".dep-v0", data: compressed }] });
      expect(readCargoAuditData(elf)).toEqual(expectedPackages);
    }
    expect(readCargoAuditData(peWithSection(".dep-v0", compressed))).toEqual(expectedPackages);
    expect(readCargoAuditData(peWithSection(".text", compressed))).toBeNull();
  });

  it("the cataloger: runtime crates only (the root included), located at the binary, purls by name and version", async () => {
    const layer = await makeTar([
      { name: "usr/local/bin/hello", content: realElfWithSection(compressed, "img"), mode: 0o755 },
      { name: "usr/local/bin/plain", content: readFileSync("/bin/true"), mode: 0o755 },
    ]);
    const result = await catalogWith(syntheticImage([bufferLayer(layer, 0)]), [rustAuditableCataloger]);
    expect(result.incomplete).toEqual([]);
    expect(result.packages.map((p) => [p.name, p.version, p.purl, p.locations, p.metadata])).toEqual([
      [
        "hello-auditable",
        "0.1.0",
        "pkg:cargo/hello-auditable@0.1.0",
        [{ path: "/usr/local/bin/hello", layer: 0 }],
        { source: "local", root: true },
      ],
      [
        "libc",
        "0.2.151",
        "pkg:cargo/libc@0.2.151",
        [{ path: "/usr/local/bin/hello", layer: 0 }],
        { source: "registry", root: false },
      ],
      [
        "serde",
        "1.0.193",
        "pkg:cargo/serde@1.0.193",
        [{ path: "/usr/local/bin/hello", layer: 0 }],
        { source: "crates.io", root: false },
      ],
    ]);
  });
});

describe("hostile audit data", () => {
  const zlib = (text: string) => deflateSync(Buffer.from(text));

  it("not zlib, not JSON, not the schema: input errors naming the problem", () => {
    expect(() => parseAuditData(Buffer.from("plain text"))).toThrow(/not zlib data/);
    expect(() => parseAuditData(zlib("{not json"))).toThrow(/not JSON/);
    expect(() =>
      parseAuditData(zlib('{"packages":[{"name":"x","version":1,"source":"crates.io"}]}')),
    ).toThrow(/does not match the cargo-auditable schema at packages\.0\.version/);
    expect(() =>
      parseAuditData(zlib('{"packages":[{"name":"x","version":"1","source":"s","kind":"dev"}]}')),
    ).toThrow(ShipshapeError);
  });

  it("a zlib bomb stops at the JSON cap", () => {
    const bomb = deflateSync(Buffer.alloc(MAX_AUDIT_JSON_BYTES * 4, 0x20));
    expect(bomb.length).toBeLessThan(200_000);
    expect(() => parseAuditData(bomb)).toThrow(/inflates to more than/);
  });

  it("dependency indices that point nowhere are dropped; an unknown source form is kept by name", () => {
    const packages = parseAuditData(
      zlib('{"packages":[{"name":"a","version":"1","source":{"Other":"vendored"},"dependencies":[0,1,99]}]}'),
    );
    expect(packages).toEqual([
      { name: "a", version: "1", source: "vendored", kind: "runtime", root: false, dependencies: [0] },
    ]);
  });

  it("the cataloger reports unreadable audit data as incomplete, and keeps going", async () => {
    const layer = await makeTar([
      { name: "bin/broken", content: realElfWithSection(Buffer.from("garbage"), "broken"), mode: 0o755 },
      { name: "bin/good", content: realElfWithSection(compressed, "good"), mode: 0o755 },
    ]);
    const result = await catalogWith(syntheticImage([bufferLayer(layer, 0)]), [rustAuditableCataloger]);
    expect(result.incomplete).toEqual([
      { path: "/bin/broken", reason: expect.stringMatching(/not zlib data/) },
    ]);
    expect(result.packages).toHaveLength(3);
  });

  it("fuzz: random bytes, mutated sections and random JSON give packages, null or an error record", () => {
    const elf = buildElf({ sections: [{ name: ".dep-v0", data: compressed }] });
    const pe = peWithSection(".dep-v0", compressed);
    const mutated = (base: Buffer) =>
      fc
        .tuple(
          fc.array(fc.tuple(fc.nat(base.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 12 }),
          fc.nat(base.length),
        )
        .map(([flips, cut]) => {
          const b = Buffer.from(base);
          for (const [at, value] of flips) b[at] = value;
          return b.subarray(0, cut);
        });
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((a) => Buffer.from(a)),
          mutated(elf),
          mutated(pe),
        ),
        (bytes) => {
          const a = analyzeRustBinary(bytes);
          expect(a === null || typeof a === "object").toBe(true);
          try {
            readCargoAuditData(bytes);
          } catch (err) {
            expect(err).toBeInstanceOf(ShipshapeError);
          }
        },
      ),
      { numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          const packages = parseAuditData(zlib(JSON.stringify({ packages: value })));
          expect(Array.isArray(packages)).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(ShipshapeError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
