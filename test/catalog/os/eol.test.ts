/**
 * End-of-life data: the Debian and Ubuntu tables equal Debian's own distro-info-data (a copy of the
 * package's CSVs, see distro-info/README.md); the lookup keys releases the way os-release writes them;
 * "today" is injected, and the boundary day is still supported.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EOL_TABLES, endOfLife } from "../../../src/catalog/eol.js";

const here = dirname(fileURLToPath(import.meta.url));

function csv(name: string): Record<string, string>[] {
  const [header, ...rows] = readFileSync(join(here, "distro-info", name), "utf8")
    .trim()
    .split("\n");
  const keys = header!.split(",");
  return rows.map((r) => Object.fromEntries(r.split(",").map((v, i) => [keys[i], v])));
}

const later = (a: string | undefined, b: string | undefined) => [a, b].filter(Boolean).sort().pop() ?? "";

describe("tables against distro-info-data", () => {
  it("Debian 4 and later: end of LTS (or of security support before LTS), ELTS as extended", () => {
    const want = csv("debian.csv")
      .filter((r) => /^\d/.test(r.version ?? "") && Number.parseFloat(r.version!) >= 4 && r.eol)
      .map((r) => {
        const row: Record<string, unknown> = {
          release: String(Number.parseInt(r.version!, 10)),
          codename: r.series,
          eol: r["eol-lts"] || r.eol,
        };
        if (r["eol-elts"]) row.extended = { name: "Debian ELTS (Freexian, paid)", until: r["eol-elts"] };
        return row;
      });
    expect(want.length).toBeGreaterThanOrEqual(10);
    expect(EOL_TABLES.debian).toEqual(want);
  });

  it("Ubuntu: end of standard support (server), Pro ESM as extended", () => {
    const want = csv("ubuntu.csv")
      .filter((r) => r.eol)
      .map((r) => {
        const row: Record<string, unknown> = {
          release: r.version!.replace(" LTS", ""),
          codename: r.series,
          eol: later(r.eol, r["eol-server"]),
        };
        if (r["eol-esm"]) row.extended = { name: "Ubuntu Pro ESM", until: r["eol-esm"] };
        return row;
      });
    expect(want.length).toBeGreaterThan(40);
    expect(EOL_TABLES.ubuntu).toEqual(want);
  });

  it("every table is well formed: ISO dates, extended support after the end of life, unique releases", () => {
    for (const [id, table] of Object.entries(EOL_TABLES)) {
      expect(new Set(table.map((e) => e.release)).size, id).toBe(table.length);
      for (const e of table) {
        if (e.eol !== null) expect(e.eol, `${id} ${e.release}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
        if (e.extended && e.eol) expect(e.extended.until > e.eol, `${id} ${e.release}`).toBe(true);
      }
    }
  });
});

describe("endOfLife", () => {
  const day = (iso: string) => new Date(`${iso}T12:00:00Z`);

  it("the last day of support is not end of life; the next day is", () => {
    const debian11 = { id: "debian", versionId: "11" };
    expect(endOfLife(debian11, day("2026-08-31"))).toMatchObject({ eol: false, eolDate: "2026-08-31" });
    expect(endOfLife(debian11, day("2026-09-01"))).toMatchObject({ eol: true, eolDate: "2026-08-31" });
  });

  it("keys releases as os-release writes them", () => {
    const at = day("2026-11-29");
    expect(endOfLife({ id: "alpine", versionId: "3.16.2" }, at)).toEqual({
      eol: true,
      eolDate: "2024-05-23",
    });
    expect(endOfLife({ id: "alpine", versionId: "3.22.1" }, at)).toEqual({
      eol: false,
      eolDate: "2027-05-01",
    });
    expect(endOfLife({ id: "alpine", versionId: "3.21_alpha20240923" }, at)).toEqual({ eol: false });
    expect(endOfLife({ id: "rhel", versionId: "8.8" }, at)).toMatchObject({
      eol: false,
      eolDate: "2029-05-31",
    });
    expect(endOfLife({ id: "centos", versionId: "8", prettyName: "CentOS Linux 8" }, at).eolDate).toBe(
      "2021-12-31",
    );
    expect(endOfLife({ id: "centos", versionId: "8", prettyName: "CentOS Stream 8" }, at).eolDate).toBe(
      "2024-05-31",
    );
    expect(endOfLife({ id: "centos", versionId: "9", prettyName: "CentOS Stream 9" }, at)).toMatchObject({
      eol: false,
      eolDate: "2027-05-31",
    });
    expect(endOfLife({ id: "sles", versionId: "15.3" }, at)).toEqual({
      eol: true,
      eolDate: "2022-12-31",
      extended: { name: "SUSE LTSS (paid)", until: "2025-12-31" },
    });
    expect(endOfLife({ id: "amzn", versionId: "2018.03" }, at)).toEqual({ eol: true, eolDate: "2023-12-31" });
    expect(endOfLife({ id: "amzn", versionId: "2" }, at)).toEqual({ eol: true, eolDate: "2026-06-30" });
    expect(endOfLife({ id: "amzn", versionId: "2023" }, at)).toEqual({ eol: false, eolDate: "2029-06-30" });
    expect(endOfLife({ id: "mariner", versionId: "2.0" }, at)).toEqual({ eol: true, eolDate: "2025-07-31" });
    expect(endOfLife({ id: "azurelinux", versionId: "3.0" }, at)).toEqual({ eol: false });
    expect(endOfLife({ id: "ubuntu", versionId: "22.04" }, at)).toEqual({
      eol: false,
      eolDate: "2027-06-01",
      extended: { name: "Ubuntu Pro ESM", until: "2032-04-21" },
    });
    expect(endOfLife({ id: "ubuntu", versionId: "20.04" }, at)).toMatchObject({
      eol: true,
      eolDate: "2025-05-29",
    });
  });

  it("Debian without VERSION_ID is found by codename; rolling distributions never end; unknown is null", () => {
    const at = day("2026-11-29");
    expect(endOfLife({ id: "debian", versionId: "", codename: "bookworm" }, at).eolDate).toBe("2028-06-30");
    expect(endOfLife({ id: "debian", versionId: "", codename: "forky" }, at)).toEqual({ eol: null });
    expect(endOfLife({ id: "wolfi", versionId: "20230201" }, at)).toEqual({ eol: false });
    expect(endOfLife({ id: "debian", versionId: "99" }, at)).toEqual({ eol: null });
    expect(endOfLife({ id: "fedora", versionId: "38" }, at)).toEqual({ eol: null });
    expect(endOfLife({ id: "alpine", versionId: "" }, at)).toEqual({ eol: null });
  });

  it("defaults to the current day", () => {
    const now = endOfLife({ id: "alpine", versionId: "3.4.6" });
    expect(now.eol).toBe(true);
  });
});
