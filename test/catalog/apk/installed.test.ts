/**
 * The apk installed-database parser against Trivy's real fixture (16 stanzas, one without V: → 15,
 * Trivy's expected list; snyk-docker-plugin reports 16 because it keeps the broken stanza), then
 * damage (truncation at every cut point, NUL tails, bad bytes) and a fuzz.
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { apkLicenses, parseApkInstalled } from "../../../src/catalog/apk/installed.js";
import { fixturePath } from "../../helpers/shared.js";

const DIR = ["pkgdb", "aquasecurity", "trivy", "pkg", "fanal", "analyzer", "pkg", "apk", "testdata"];
const trivyDb = readFileSync(fixturePath(...DIR, "apk"));

interface TrivyExpected {
  package_count: number;
  packages: {
    name: string;
    version: string;
    arch: string;
    srcName: string;
    srcVersion: string;
    licenses: string[];
  }[];
}
const expected = JSON.parse(readFileSync(fixturePath(...DIR, "apk.expected.json"), "utf8")) as TrivyExpected;

describe("Trivy's apk fixture", () => {
  const parsed = parseApkInstalled(trivyDb);

  it("drops the stanza without V: (15 of 16) with a warning, as Trivy does", () => {
    expect(parsed.entries).toHaveLength(expected.package_count);
    expect(trivyDb.toString("utf8").match(/^P:/gm)).toHaveLength(16);
    expect(parsed.warnings[0]).toBe(
      "stanza at line 23 (invalidPackageWithoutAVersion) has no V: (version): skipped",
    );
    expect(parsed.truncated).toBeNull();
  });

  it("names, versions, arches and origins equal Trivy's expectation (source version = version)", () => {
    const row = (name: string, version: string, arch: string | null, origin: string) =>
      [name, version, arch, origin, version].join(" ");
    expect(parsed.entries.map((e) => row(e.name, e.version, e.arch, e.origin ?? e.name)).sort()).toEqual(
      expected.packages.map((p) => [p.name, p.version, p.arch, p.srcName, p.srcVersion].join(" ")).sort(),
    );
  });

  it("licences are L: as written: an SPDX expression whole, a legacy list split", () => {
    const byName = new Map(parsed.entries.map((e) => [e.name, apkLicenses(e.license)]));
    expect(byName.get("ada-libs")).toEqual(["( Apache-2.0 OR MIT ) AND MPL-2.0"]);
    expect(byName.get("musl-utils")).toEqual(["MIT", "BSD", "GPL2+"]);
    // Where L: already is one SPDX identifier (no normalisation needed), it equals Trivy's.
    const raw = new Map(parsed.entries.map((e) => [e.name, e.license]));
    const spdx = expected.packages.filter(
      (p) => p.licenses.length === 1 && p.licenses[0] === raw.get(p.name),
    );
    expect(spdx.length).toBeGreaterThanOrEqual(3);
    for (const p of spdx) expect(byName.get(p.name)).toEqual(p.licenses);
  });

  it("files are the F: directory joined with each R: file", () => {
    const text = trivyDb.toString("utf8");
    for (const name of ["musl", "busybox", "alpine-baselayout"]) {
      const entry = parsed.entries.find((e) => e.name === name)!;
      const at = text.indexOf(`P:${name}\n`);
      const stanza = text.slice(at, text.indexOf("\n\n", at));
      // Independent reading: walk the stanza's F:/R: lines by hand.
      let dir = "";
      const want: string[] = [];
      for (const line of stanza.split("\n")) {
        if (line.startsWith("F:")) dir = line.slice(2);
        if (line.startsWith("R:")) want.push(`/${dir}/${line.slice(2)}`);
      }
      expect(want.length, name).toBeGreaterThan(1);
      expect(entry.files).toEqual(want);
    }
  });
});

describe("damaged databases", () => {
  it("any prefix yields only correct entries; a last stanza that lost V: is flagged truncated", () => {
    const full = parseApkInstalled(trivyDb).entries;
    const byLine = new Map(full.map((e) => [e.line, e]));
    const lineStart = [0];
    for (let i = 0; i < trivyDb.length; i++) if (trivyDb[i] === 0x0a) lineStart.push(i + 1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: trivyDb.length }), (cut) => {
        const r = parseApkInstalled(trivyDb.subarray(0, cut));
        for (const e of r.entries) {
          const whole = byLine.get(e.line)!;
          // Same package; its file list may be cut short, never altered.
          expect({ ...e, files: [] }).toEqual({ ...whole, files: [] });
          expect(whole.files.slice(0, e.files.length)).toEqual(e.files);
        }
        const started = full.filter((e) => (lineStart[e.line] ?? Number.POSITIVE_INFINITY) <= cut).pop();
        if (started && !r.entries.some((e) => e.line === started.line)) expect(r.truncated).not.toBeNull();
      }),
      { numRuns: 300 },
    );
  });

  it("a NUL-filled tail is truncation; bad bytes in a name skip that stanza with a warning", () => {
    const nul = parseApkInstalled(Buffer.concat([Buffer.from("P:a\nV:1-r0\n\n"), Buffer.alloc(64)]));
    expect(nul.entries.map((e) => e.name)).toEqual(["a"]);
    expect(nul.truncated).toBe("NUL byte at offset 12");
    const bad = parseApkInstalled(
      Buffer.concat([Buffer.from("P:b"), Buffer.from([0xff]), Buffer.from("\nV:1-r0\n\nP:c\nV:2-r0\n\n")]),
    );
    expect(bad.entries.map((e) => e.name)).toEqual(["c"]);
    expect(bad.warnings).toContain("the file has bytes that are not valid UTF-8");
  });

  it("an empty database has no packages and no damage", () => {
    expect(parseApkInstalled(Buffer.alloc(0))).toEqual({ entries: [], warnings: [], truncated: null });
  });
});

describe("fuzz", () => {
  it("arbitrary and mutated bytes never throw; names and versions have no blanks; linear time", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }),
          fc.tuple(fc.nat(), fc.uint8Array({ maxLength: 64 })).map(([at, insert]) => {
            const i = at % trivyDb.length;
            return Buffer.concat([trivyDb.subarray(0, i), insert, trivyDb.subarray(i + insert.length)]);
          }),
        ),
        (bytes) => {
          const r = parseApkInstalled(bytes);
          for (const e of r.entries) {
            expect(e.name).not.toMatch(/\s/);
            expect(e.version).not.toMatch(/\s/);
            for (const f of e.files) expect(f.startsWith("/")).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
    const huge = Buffer.from("P:p\nV:1-r0\nF:usr\nR:x\n\n".repeat(200_000));
    const started = performance.now();
    expect(parseApkInstalled(huge).entries).toHaveLength(200_000);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
