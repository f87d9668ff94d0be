/**
 * The ignore file: our YAML format (id, package, reason, expires) and Trivy's .trivyignore plain
 * format; matching by id or alias, package name or purl; expiry at 00:00 UTC of the date (Trivy's
 * rule); one-line errors naming file and line for malformed files; the parser never throws anything
 * but a ShipshapeError (fuzzed).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { ShipshapeError } from "../../src/errors.js";
import {
  applyIgnoreFile,
  expiryInstant,
  findDefaultIgnoreFile,
  ignoreFormatOf,
  readIgnoreFile,
} from "../../src/policy/ignore-file.js";
import { parseIgnoreFile } from "../../src/policy/ignore-file-parse.js";
import { alpine39Findings, finding } from "./sample-findings.js";

const dir = mkdtempSync(join(tmpdir(), "shipshape-ignore-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const YAML_FILE = `# accepted risks for the alpine 3.9 base
vulnerabilities:
  - id: CVE-2019-14697
    package: musl
    reason: x87 floating point code is not used on x86_64
    expires: 2027-01-01
  - id: cve-2019-1549
    reason: "fork() is not used by our service"
  - id: CVE-2019-1547
    package: pkg:apk/alpine/libssl1.1
    reason: no explicit EC parameters
    expires: 2026-06-30
`;

describe("our YAML format", () => {
  const file = parseIgnoreFile(YAML_FILE, ".shipshapeignore.yaml");

  it("reads every entry with its line", () => {
    expect(file.format).toBe("shipshape-yaml");
    expect(file.entries).toEqual([
      {
        id: "CVE-2019-14697",
        package: "musl",
        reason: "x87 floating point code is not used on x86_64",
        expires: "2027-01-01",
        line: 3,
      },
      { id: "cve-2019-1549", reason: "fork() is not used by our service", line: 7 },
      {
        id: "CVE-2019-1547",
        package: "pkg:apk/alpine/libssl1.1",
        reason: "no explicit EC parameters",
        expires: "2026-06-30",
        line: 9,
      },
    ]);
  });

  it("suppresses by id (any case) and package name; other packages of the same CVE stay", () => {
    const now = new Date("2026-12-31T23:59:59Z");
    const out = applyIgnoreFile(alpine39Findings(), file, now);
    expect(out.suppressed.map((s) => `${s.finding.id} ${s.finding.pkgName}`)).toEqual([
      "CVE-2019-1549 libcrypto1.1",
      "CVE-2019-1549 libssl1.1",
      "CVE-2019-14697 musl",
    ]);
    expect(out.kept.map((f) => `${f.id} ${f.pkgName}`)).toEqual(["CVE-2019-14697 musl-utils"]);
    const musl = out.suppressed.find((s) => s.finding.pkgName === "musl")!.suppression;
    expect(musl).toEqual({
      kind: "ignore-file",
      file: ".shipshapeignore.yaml",
      at: "line 3",
      status: "ignored",
      justification: null,
      reason: "x87 floating point code is not used on x86_64",
      expires: "2027-01-01",
    });
    expect(out.expired.map((e) => e.id)).toEqual(["CVE-2019-1547"]);
  });

  it("an entry stops suppressing at 00:00 UTC on its expiry date, and is reported instead", () => {
    const before = applyIgnoreFile(alpine39Findings(), file, new Date("2026-12-31T23:59:59.999Z"));
    expect(before.suppressed.some((s) => s.finding.pkgName === "musl")).toBe(true);
    const at = applyIgnoreFile(alpine39Findings(), file, new Date("2027-01-01T00:00:00Z"));
    expect(at.suppressed.some((s) => s.finding.pkgName === "musl")).toBe(false);
    expect(at.kept.some((f) => f.pkgName === "musl")).toBe(true);
    expect(at.expired.map((e) => e.id).sort()).toEqual(["CVE-2019-14697", "CVE-2019-1547"]);
  });

  it("matches aliases and purls", () => {
    const ghsa = finding({
      id: "GHSA-g4mx-q9vg-27p4",
      aliases: ["CVE-2023-45803"],
      pkgName: "urllib3",
      pkgType: "pypi",
    });
    const f = parseIgnoreFile(
      "vulnerabilities:\n  - id: CVE-2023-45803\n    reason: redirects are not followed\n",
      "x.yaml",
    );
    expect(applyIgnoreFile([ghsa], f, new Date()).suppressed).toHaveLength(1);
    const byPurl = parseIgnoreFile(YAML_FILE, "a.yml");
    const libssl = finding({ id: "CVE-2019-1547", pkgName: "libssl1.1", installedVersion: "1.1.1b-r1" });
    const libcrypto = finding({
      id: "CVE-2019-1547",
      pkgName: "libcrypto1.1",
      installedVersion: "1.1.1b-r1",
    });
    const out = applyIgnoreFile([libssl, libcrypto], byPurl, new Date("2026-01-01T00:00:00Z"));
    expect(out.suppressed.map((s) => s.finding.pkgName)).toEqual(["libssl1.1"]);
  });

  it("an empty file or an empty list ignores nothing", () => {
    expect(parseIgnoreFile("", "e.yaml").entries).toEqual([]);
    expect(parseIgnoreFile("vulnerabilities: []\n", "e.yaml").entries).toEqual([]);
    expect(parseIgnoreFile("# nothing yet\nvulnerabilities:\n", "e.yaml").entries).toEqual([]);
  });
});

describe("malformed YAML ignore files are one-line errors naming the place", () => {
  const cases: [string, string, RegExp][] = [
    ["missing reason", "vulnerabilities:\n  - id: CVE-2019-14697\n", /f\.yaml:2: entry 1: reason/],
    [
      "empty reason",
      'vulnerabilities:\n  - id: CVE-2019-14697\n    reason: "  "\n',
      /f\.yaml:2: entry 1: reason/,
    ],
    [
      "misspelt key",
      "vulnerabilities:\n  - id: CVE-2019-14697\n    reason: r\n    expiry: 2026-01-01\n",
      /f\.yaml:2: entry 1: unknown key "expiry"/,
    ],
    [
      "impossible date",
      "vulnerabilities:\n  - id: CVE-1\n    reason: r\n  - id: CVE-2\n    reason: r\n    expires: 2026-02-30\n",
      /f\.yaml:4: entry 2: expires is not a valid date/,
    ],
    [
      "date as a number",
      "vulnerabilities:\n  - id: CVE-1\n    reason: r\n    expires: 20260101\n",
      /expires must be a date/,
    ],
    [
      "bad id",
      "vulnerabilities:\n  - id: 'not an id'\n    reason: r\n",
      /entry 1: id is not a vulnerability id/,
    ],
    ["top-level list", "- id: CVE-1\n  reason: r\n", /expected a mapping with a "vulnerabilities:" list/],
    ["unknown top-level key", "ignore:\n  - id: CVE-1\n", /f\.yaml:1: unknown key "ignore"/],
    ["not a list", "vulnerabilities: CVE-1\n", /"vulnerabilities" must be a list/],
    ["entry not a mapping", "vulnerabilities:\n  - CVE-1\n", /entry 1: expected a mapping/],
    ["broken YAML", "vulnerabilities:\n  - id: [CVE-1\n", /f\.yaml:\d+: not valid YAML/],
    ["duplicate keys", "vulnerabilities:\n  - id: CVE-1\n    id: CVE-2\n    reason: r\n", /not valid YAML/],
  ];
  it.each(cases)("%s", (_, text, message) => {
    let error: unknown;
    try {
      parseIgnoreFile(text, "f.yaml");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ShipshapeError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("an alias bomb stops at the alias limit", () => {
    const bomb = [
      "a: &a [x, x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 12 },
        (_, i) =>
          `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`,
      ),
      "vulnerabilities:",
      "  - id: CVE-1",
      "    reason: *m",
    ].join("\n");
    expect(() => parseIgnoreFile(bomb, "bomb.yaml")).toThrow(ShipshapeError);
  });
});

describe("Trivy's .trivyignore format", () => {
  const TRIVY = `# Accept the risk
CVE-2018-14618

# musl: not reachable,
# reviewed 2026-01
CVE-2019-14697 exp:2026-07-01
CVE-2019-1549 exp:2027-01-01 # fork() unused

GHSA-g4mx-q9vg-27p4
`;
  it("reads ids, exp: dates and the comments above or beside them as reasons", () => {
    const f = parseIgnoreFile(TRIVY, "/repo/.trivyignore");
    expect(f.format).toBe("trivyignore");
    expect(f.entries).toEqual([
      { id: "CVE-2018-14618", reason: "Accept the risk", line: 2 },
      {
        id: "CVE-2019-14697",
        reason: "musl: not reachable, reviewed 2026-01",
        expires: "2026-07-01",
        line: 6,
      },
      { id: "CVE-2019-1549", reason: "fork() unused", expires: "2027-01-01", line: 7 },
      { id: "GHSA-g4mx-q9vg-27p4", reason: "listed in .trivyignore", line: 9 },
    ]);
    const out = applyIgnoreFile(alpine39Findings(), f, new Date("2026-08-01T00:00:00Z"));
    expect(out.expired.map((e) => e.id)).toEqual(["CVE-2019-14697"]);
    expect(out.suppressed.map((s) => s.finding.pkgName)).toEqual(["libcrypto1.1", "libssl1.1"]);
    expect(out.suppressed[0]?.suppression.at).toBe("line 7");
  });

  it("refuses a bad exp: date and a line that is not an id", () => {
    expect(() => parseIgnoreFile("CVE-1 exp:2026-13-01\n", ".trivyignore")).toThrow(
      /\.trivyignore:1: "exp:2026-13-01" is not a valid expiry date/,
    );
    expect(() => parseIgnoreFile("ok\n<<bad>>\n", ".trivyignore")).toThrow(/\.trivyignore:2: "<<bad>>"/);
  });

  it("tells the formats apart by name, then by content", () => {
    expect(ignoreFormatOf("x.yml", "CVE-1\n")).toBe("shipshape-yaml");
    expect(ignoreFormatOf(".shipshapeignore", "vulnerabilities:\n  - id: CVE-1\n")).toBe("shipshape-yaml");
    expect(ignoreFormatOf(".trivyignore", "CVE-1\n")).toBe("trivyignore");
  });
});

describe("dates", () => {
  it("accepts calendar dates and RFC 3339 times, nothing else", () => {
    expect(expiryInstant("2026-12-31")?.toISOString()).toBe("2026-12-31T00:00:00.000Z");
    expect(expiryInstant("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
    expect(expiryInstant("2026-12-31T10:00:00+02:00")?.toISOString()).toBe("2026-12-31T08:00:00.000Z");
    for (const bad of ["2025-02-29", "2026-00-10", "31.12.2026", "2026-12-31T25:00:00Z", "tomorrow", ""]) {
      expect(expiryInstant(bad), bad).toBeNull();
    }
  });
});

describe("reading files", () => {
  it("reads a file from disk; a missing or oversized one is a one-line error", async () => {
    const path = join(dir, ".shipshapeignore.yaml");
    writeFileSync(path, YAML_FILE);
    expect((await readIgnoreFile(path)).entries).toHaveLength(3);
    await expect(readIgnoreFile(join(dir, "absent.yaml"))).rejects.toThrow(
      /ignore file .*absent\.yaml cannot be read/,
    );
    const big = join(dir, "big.yaml");
    writeFileSync(big, Buffer.alloc(4 * 1024 * 1024 + 1, 0x20));
    await expect(readIgnoreFile(big)).rejects.toThrow(/more than the 4194304 an ignore file may have/);
    await expect(readIgnoreFile(dir)).rejects.toThrow(/is not a regular file/);
  });

  it("finds .shipshapeignore.yaml in a directory, and nothing where there is none", async () => {
    expect(await findDefaultIgnoreFile(dir)).toBe(join(dir, ".shipshapeignore.yaml"));
    expect(await findDefaultIgnoreFile(join(dir, "absent"))).toBeNull();
  });
});

describe("fuzzing", () => {
  it("arbitrary text either parses or fails with a one-line ShipshapeError", () => {
    const lineish = fc.array(
      fc.oneof(
        fc.constantFrom(
          "vulnerabilities:",
          "  - id: CVE-2019-1549",
          "    reason: r",
          "    expires: 2026-01-01",
          "    package: musl",
          "  - ",
          "#",
          "exp:2026-01-01",
          "&a",
          "*a",
          "- [",
          "{",
          "'",
        ),
        fc.string({ maxLength: 20 }),
      ),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(lineish, fc.constantFrom("f.yaml", ".trivyignore"), (lines, name) => {
        try {
          const f = parseIgnoreFile(lines.join("\n"), name);
          for (const e of f.entries) {
            expect(e.reason.length).toBeGreaterThan(0);
            expect(e.line).toBeGreaterThan(0);
          }
        } catch (err) {
          expect(err).toBeInstanceOf(ShipshapeError);
          expect((err as Error).message).not.toContain("\n");
        }
      }),
      { numRuns: 400 },
    );
  });
});
