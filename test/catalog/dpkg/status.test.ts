/**
 * The dpkg status parser against Trivy's real Ubuntu 18.04 status (90 installed of 91 stanzas), and
 * against Debian's own dpkg-query as an independent oracle: on that file and on generated status
 * files, our installed set, versions, architectures and source packages equal what dpkg-query prints.
 * Then damage: missing fields, truncation at every cut point, NUL tails, bytes that are not UTF-8,
 * an empty file, and a fuzz over arbitrary and mutated bytes.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { parseStanzas } from "../../../src/catalog/dpkg/stanzas.js";
import { type DpkgEntry, isInstalled, parseDpkgStatus, sourceOf } from "../../../src/catalog/dpkg/status.js";
import { fixturePath } from "../../helpers/shared.js";

const TRIVY = ["pkgdb", "aquasecurity", "trivy", "pkg", "fanal", "analyzer", "pkg", "dpkg", "testdata"];

/** The one file of a txtar archive ("-- name --" header lines, https://pkg.go.dev/golang.org/x/tools/txtar). */
function txtarFile(text: string, name: string): string {
  const lines = text.split("\n");
  const start = lines.indexOf(`-- ${name} --`);
  if (start === -1) throw new Error(`${name} not in txtar`);
  const rest = lines.slice(start + 1);
  const next = rest.findIndex((l) => /^-- .+ --$/.test(l));
  return `${(next === -1 ? rest : rest.slice(0, next)).join("\n")}`;
}

const trivyStatus = Buffer.from(
  txtarFile(readFileSync(fixturePath(...TRIVY, "valid.txtar"), "utf8"), "var/lib/dpkg/status"),
);

interface TrivyExpected {
  package_count: number;
  packages: {
    name: string;
    epoch?: number;
    version: string;
    release?: string;
    arch: string;
    srcName: string;
    srcEpoch?: number;
    srcVersion: string;
    srcRelease?: string;
  }[];
}

/** Trivy splits Debian versions into epoch, version and release; join them back. */
function debVersion(epoch: number | undefined, version: string, release: string | undefined): string {
  return `${epoch ? `${epoch}:` : ""}${version}${release ? `-${release}` : ""}`;
}

function row(e: DpkgEntry): string {
  const s = sourceOf(e);
  return [e.package, e.version, e.architecture ?? "", s.name, s.version].join(" ");
}

const work = mkdtempSync(join(tmpdir(), "shipshape-dpkg-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

let runs = 0;
/** Installed packages as Debian's dpkg-query reads a status file (`ii`, `hi`, `iU`… but not `rc`/`pn`). */
function dpkgQuery(status: Buffer): string[] {
  const admin = join(work, `admin-${runs++}`);
  mkdirSync(join(admin, "info"), { recursive: true });
  writeFileSync(join(admin, "status"), status);
  const out = execFileSync(
    "dpkg-query",
    [
      `--admindir=${admin}`,
      "-W",
      "-f",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own format syntax
      "${db:Status-Abbrev}\\t${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\n",
    ],
    { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
  );
  rmSync(admin, { recursive: true, force: true });
  return out
    .split("\n")
    .filter(Boolean)
    .map((l) => l.split("\t"))
    .filter(([abbrev]) => !/^.[nc]/.test(abbrev ?? ""))
    .map(([, ...fields]) => fields.join(" "))
    .sort();
}

describe("Trivy's valid.txtar (Ubuntu 18.04 status)", () => {
  const expected = JSON.parse(
    readFileSync(fixturePath(...TRIVY, "valid.txtar.expected.json"), "utf8"),
  ) as TrivyExpected;
  const parsed = parseDpkgStatus(trivyStatus);
  const installed = parsed.entries.filter(isInstalled);

  it("keeps the 90 installed packages and drops the deinstalled git stanza", () => {
    expect(parsed.entries).toHaveLength(91);
    expect(installed).toHaveLength(expected.package_count);
    expect(parsed.entries.filter((e) => !isInstalled(e)).map((e) => [e.package, e.state])).toEqual([
      ["git", "config-files"],
    ]);
    expect(parsed.warnings).toEqual([]);
    expect(parsed.truncated).toBeNull();
  });

  it("names, full versions with epoch, arches and source packages equal Trivy's expectation", () => {
    const want = expected.packages
      .map((p) =>
        [
          p.name,
          debVersion(p.epoch, p.version, p.release),
          p.arch,
          p.srcName,
          debVersion(p.srcEpoch, p.srcVersion, p.srcRelease),
        ].join(" "),
      )
      .sort();
    expect(installed.map(row).sort()).toEqual(want);
  });

  it("equals dpkg-query on the same file", () => {
    expect(installed.map(row).sort()).toEqual(dpkgQuery(trivyStatus));
  });
});

describe("differential against dpkg-query on generated status files", () => {
  const name = fc.stringMatching(/^[a-z0-9][a-z0-9+.-]{1,12}$/);
  const upstream = fc.stringMatching(/^[0-9][a-z0-9.+~]{0,8}$/);
  const revision = fc.stringMatching(/^[a-z0-9][a-z0-9.+~]{0,6}$/);
  const version = fc
    .record({
      epoch: fc.option(fc.integer({ min: 0, max: 9 }), { nil: undefined }),
      upstream,
      revision: fc.option(
        fc.oneof(
          revision,
          revision.map((r) => `${r}+b${r.length}`),
        ),
        { nil: undefined },
      ),
    })
    .map(
      ({ epoch, upstream: u, revision: r }) =>
        `${epoch !== undefined ? `${epoch}:` : ""}${u}${r ? `-${r}` : ""}`,
    );
  const status = fc.constantFrom(
    "install ok installed",
    "hold ok installed",
    "deinstall ok installed",
    "deinstall ok config-files",
    "install ok unpacked",
    "install ok half-configured",
    "install reinstreq half-installed",
    "purge ok not-installed",
  );
  const stanza = fc.record({
    version,
    status,
    arch: fc.constantFrom("amd64", "all", "arm64"),
    source: fc.option(fc.record({ name, version: fc.option(version, { nil: undefined }) }), {
      nil: undefined,
    }),
  });

  it("same installed set, versions, arches and source name/version", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(name, { minLength: 1, maxLength: 12 }),
        fc.array(stanza, { minLength: 12, maxLength: 12 }),
        (names, stanzas) => {
          const text = names
            .map((n, i) => {
              const s = stanzas[i]!;
              const source = s.source
                ? `Source: ${s.source.name}${s.source.version ? ` (${s.source.version})` : ""}\n`
                : "";
              return `Package: ${n}\nStatus: ${s.status}\nMaintainer: T <t@example.org>\nArchitecture: ${s.arch}\n${source}Version: ${s.version}\nDescription: d\n long\n .\n more\n`;
            })
            .join("\n");
          const bytes = Buffer.from(`${text}\n`);
          const ours = parseDpkgStatus(bytes).entries.filter(isInstalled).map(row).sort();
          expect(ours).toEqual(dpkgQuery(bytes));
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe("deb822 paragraphs", () => {
  it('folds continuation lines (" ." is an empty line), lower-cases names, accepts CRLF and blank-with-spaces separators', () => {
    const r = parseStanzas(
      Buffer.from(
        "Package: a\r\nDescription: x\r\n y\r\n .\r\n z\r\nVERSION: 1\r\n \t \r\n# comment\nPackage: b\n",
      ),
    );
    expect(r.stanzas.map((s) => Object.fromEntries(s.fields))).toEqual([
      { package: "a", description: "x\ny\n\nz", version: "1" },
      { package: "b" },
    ]);
    expect(r.stanzas.map((s) => s.line)).toEqual([1, 9]);
    expect(r.ending).toBe("newline");
  });

  it("reports odd lines (capped at 20) and keeps the first of duplicate fields", () => {
    const junk = Array.from({ length: 30 }, (_, i) => `junk${i}`).join("\n");
    const r = parseStanzas(Buffer.from(`Package: a\nPackage: b\n ${"x"}\n${junk}\n`));
    expect(r.stanzas[0]?.fields.get("package")).toBe("a");
    expect(r.problems[0]).toBe("line 2: duplicate field package (the first is kept)");
    expect(r.problems).toHaveLength(20);
    expect(r.problemCount).toBe(32);
  });
});

describe("damaged status files", () => {
  const stanza = (fields: string) => `${fields}\nDescription: x\n`;

  it("a stanza without Package or Version is skipped with a warning; the others stay", () => {
    const text = [
      stanza("Package: a\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64"),
      stanza("Status: install ok installed\nVersion: 2.0"),
      stanza("Package: nov\nStatus: install ok installed\nArchitecture: amd64"),
      stanza("Package: b\nStatus: install ok installed\nVersion: 3\nArchitecture: all"),
    ].join("\n");
    const r = parseDpkgStatus(Buffer.from(`${text}\n`));
    expect(r.entries.map((e) => e.package)).toEqual(["a", "b"]);
    expect(r.warnings).toEqual([
      "stanza at line 7 has no Package: skipped",
      "stanza at line 11 (nov) has no Version: skipped",
    ]);
    expect(r.truncated).toBeNull();
  });

  it("any prefix of a real status yields only correct entries, and a stanza cut before its Version is flagged", () => {
    const full = parseDpkgStatus(trivyStatus).entries;
    const byLine = new Map(full.map((e) => [e.line, e]));
    // Byte offset where each line starts (line n starts at lineStart[n - 1]).
    const lineStart = [0];
    for (let i = 0; i < trivyStatus.length; i++) if (trivyStatus[i] === 0x0a) lineStart.push(i + 1);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: trivyStatus.length }), (cut) => {
        const r = parseDpkgStatus(trivyStatus.subarray(0, cut));
        // Nothing is invented or cut short: every entry is the full file's entry at that line.
        for (const e of r.entries) expect(e).toEqual(byLine.get(e.line));
        // The stanza whose first line (Package) survived the cut: if it lost its Version, the
        // parse must say the file is truncated.
        const started = full.filter((e) => (lineStart[e.line] ?? Number.POSITIVE_INFINITY) <= cut).pop();
        if (started && !r.entries.some((e) => e.line === started.line)) expect(r.truncated).not.toBeNull();
        if (r.truncated === null) expect(r.entries.length).toBeLessThanOrEqual(full.length);
      }),
      { numRuns: 400 },
    );
  });

  it("a NUL-filled tail (crash) marks the file truncated and keeps what came before", () => {
    const bytes = Buffer.concat([trivyStatus.subarray(0, 5000), Buffer.alloc(4096)]);
    const r = parseDpkgStatus(bytes);
    expect(r.truncated).toBe("NUL byte at offset 5000");
    expect(r.entries.length).toBeGreaterThan(0);
    expect(r.entries.every((e) => trivyStatus.includes(`Package: ${e.package}\n`))).toBe(true);
  });

  it("bytes that are not UTF-8: a bad Description is harmless, a bad name is skipped, both are reported", () => {
    const good = Buffer.from("Package: a\nStatus: install ok installed\nVersion: 1\nDescription: caf");
    const bad = Buffer.from("Package: b");
    const bytes = Buffer.concat([
      good,
      Buffer.from([0xe9, 0xff]),
      Buffer.from("\n\n"),
      bad,
      Buffer.from([0xff]),
      Buffer.from("\nStatus: install ok installed\nVersion: 2\n\n"),
    ]);
    const r = parseDpkgStatus(bytes);
    expect(r.entries.map((e) => e.package)).toEqual(["a"]);
    expect(r.warnings[0]).toMatch(/^stanza at line 6: invalid package name/);
    expect(r.warnings).toContain("the file has bytes that are not valid UTF-8");
  });

  it("a 0-byte status has no packages and no damage flag (the cataloger judges it against info/)", () => {
    expect(parseDpkgStatus(Buffer.alloc(0))).toEqual({ entries: [], warnings: [], truncated: null });
  });

  it("a missing final newline drops only the possibly cut last line, with a warning", () => {
    const r = parseDpkgStatus(
      Buffer.from("Package: a\nArchitecture: amd64\nVersion: 1.0-1\nDescription: cut he"),
    );
    expect(r.entries.map((e) => [e.package, e.version, e.architecture])).toEqual([["a", "1.0-1", "amd64"]]);
    expect(r.truncated).toBeNull();
    expect(r.warnings).toEqual([
      "the file does not end with a newline: its last line, which may be cut short, was ignored",
    ]);
  });

  it("a control file cut after Version loses Architecture: kept without it, and flagged truncated", () => {
    const r = parseDpkgStatus(Buffer.from("Package: a\nVersion: 1.0-1\nArchitecture: amd6"));
    expect(r.entries.map((e) => [e.package, e.version, e.architecture])).toEqual([["a", "1.0-1", null]]);
    expect(r.truncated).toBe("the file ends in the middle of its last stanza (a), before its Architecture");
    const cutVersion = parseDpkgStatus(
      Buffer.from("Package: a\nStatus: install ok installed\nVersion: 1.0-"),
    );
    expect(cutVersion.entries).toEqual([]);
    expect(cutVersion.truncated).toBe("the file ends in the middle of its last stanza (a)");
  });
});

describe("fuzz", () => {
  it("arbitrary bytes never throw; every entry has a valid name and a version without blanks", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
        const r = parseDpkgStatus(bytes);
        for (const e of r.entries) {
          expect(e.package).toMatch(/^[A-Za-z0-9][A-Za-z0-9+.-]*$/);
          expect(e.version).not.toMatch(/\s/);
        }
        expect(r.warnings.length).toBeLessThanOrEqual(21);
      }),
      { numRuns: 300 },
    );
  });

  it("mutated real status files parse in bounded time without throwing", () => {
    const mutation = fc.record({
      at: fc.nat(),
      length: fc.integer({ min: 0, max: 64 }),
      insert: fc.uint8Array({ maxLength: 64 }),
    });
    fc.assert(
      fc.property(fc.array(mutation, { maxLength: 8 }), (mutations) => {
        let bytes = Buffer.from(trivyStatus);
        for (const m of mutations) {
          const at = m.at % (bytes.length + 1);
          bytes = Buffer.concat([
            bytes.subarray(0, at),
            Buffer.from(m.insert),
            bytes.subarray(at + m.length),
          ]);
        }
        const started = performance.now();
        const r = parseDpkgStatus(bytes);
        expect(performance.now() - started).toBeLessThan(1000);
        expect(r.entries.length).toBeLessThanOrEqual(91 + mutations.length);
      }),
      { numRuns: 200 },
    );
  });

  it("is linear: a 16 MiB status of one endless line and one of 200,000 stanzas parse quickly", () => {
    const oneLine = Buffer.alloc(16 * 1024 * 1024, 0x41);
    let started = performance.now();
    expect(parseDpkgStatus(oneLine).entries).toEqual([]);
    expect(performance.now() - started).toBeLessThan(5000);
    const many = Buffer.from("Package: p\nVersion: 1\n\n".repeat(200_000));
    started = performance.now();
    expect(parseDpkgStatus(many).entries).toHaveLength(200_000);
    expect(performance.now() - started).toBeLessThan(5000);
  });
});
