/**
 * The A–F Container Health Index (src/grade/health-index.ts) at every threshold of issue 5's table:
 * B Critical ≤ 7 d / Important ≤ 30 d, C ≤ 30 / ≤ 90, D ≤ 90 / ≤ 365, E Critical ≤ 365, F beyond.
 * The rows below are that table written out day by day (day 7 vs day 8 …), not values read from the
 * code. Ages are whole days from the fix's publication; severities that do not count, fixes that do
 * not exist, undated fixes, merged packages, accepted risks and incomplete scans each have a case,
 * and fast-check checks that one finding can only make a grade worse.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  ageInDays,
  GRADE_LETTERS,
  type GradeFinding,
  type GradeLetter,
  gradeRank,
  HEALTH_INDEX_BANDS,
  healthIndexGrade,
  parseDatabaseDate,
  parseGradeLetter,
} from "../../src/grade/health-index.js";
import type { Severity } from "../../src/vulndb/records.js";

const DAY = 86_400_000;
const FIX_DATE = "2025-03-01";
const FIX_MS = Date.parse(`${FIX_DATE}T00:00:00Z`);

function finding(over: Partial<GradeFinding> = {}): GradeFinding {
  return {
    id: "CVE-2025-0001",
    aliases: [],
    severity: "critical",
    fixable: true,
    fixedVersion: "1.2.4",
    pkgName: "libexample",
    fixPublished: FIX_DATE,
    ...over,
  };
}

/** "now" = the fix date + days (+ extra milliseconds inside the day). */
const at = (days: number, extraMs = 0) => new Date(FIX_MS + days * DAY + extraMs);

// Issue 5's table, one row per side of every threshold.
const CRITICAL: [number, GradeLetter][] = [
  [0, "B"],
  [1, "B"],
  [7, "B"],
  [8, "C"],
  [30, "C"],
  [31, "D"],
  [90, "D"],
  [91, "E"],
  [365, "E"],
  [366, "F"],
  [3650, "F"],
];
const IMPORTANT: [number, GradeLetter][] = [
  [0, "B"],
  [7, "B"],
  [8, "B"],
  [30, "B"],
  [31, "C"],
  [90, "C"],
  [91, "D"],
  [365, "D"],
  [366, "F"],
  [3650, "F"],
];

describe("thresholds", () => {
  it.each(CRITICAL)("a Critical fix %i days old gives %s", (days, letter) => {
    // At the start of the day, and a minute before the next one: whole days count.
    for (const extra of [0, DAY - 60_000]) {
      const g = healthIndexGrade([finding({ severity: "critical" })], { now: at(days, extra) });
      expect(g.letter).toBe(letter);
      expect(g.basis[0]?.ageDays).toBe(days);
      expect(g.reasons[0]).toContain(`CVE-2025-0001 (Critical): fix libexample 1.2.4 not applied`);
      expect(g.reasons[0]).toContain(`${days} days ago`);
    }
  });

  it.each(IMPORTANT)("an Important (high) fix %i days old gives %s", (days, letter) => {
    for (const extra of [0, DAY - 60_000]) {
      const g = healthIndexGrade([finding({ severity: "high" })], { now: at(days, extra) });
      expect(g.letter).toBe(letter);
      expect(g.reasons[0]).toContain("(Important)");
    }
  });

  it("keeps every threshold in one table, marked Red Hat's or shipshape's", () => {
    const rows = HEALTH_INDEX_BANDS.map((b) => [
      b.letter,
      b.critical ? `${b.critical.maxDays}/${b.critical.source}` : null,
      b.important ? `${b.important.maxDays}/${b.important.source}` : null,
    ]);
    expect(rows).toEqual([
      ["B", "7/red-hat", "30/red-hat"],
      ["C", "30/red-hat", "90/red-hat"],
      ["D", "90/red-hat", "365/shipshape"],
      ["E", "365/shipshape", null],
    ]);
  });

  it("says in the reason when a threshold is shipshape's rather than Red Hat's", () => {
    expect(healthIndexGrade([finding({ severity: "high" })], { now: at(200) }).reasons[0]).toMatch(
      /within 365 days \(D, shipshape's threshold\)/,
    );
    expect(healthIndexGrade([finding({ severity: "critical" })], { now: at(20) }).reasons[0]).toMatch(
      /within 30 days \(C\)$/,
    );
  });
});

describe("what counts", () => {
  it.each<Severity>(["medium", "low", "negligible", "unknown"])(
    "a %s vulnerability never affects the grade, however old its fix",
    (severity) => {
      const g = healthIndexGrade([finding({ severity })], { now: at(5000) });
      expect(g.letter).toBe("A");
      expect(g.basis).toEqual([]);
      expect(g.reasons).toEqual(["no unapplied fix for a Critical or Important vulnerability"]);
    },
  );

  it("a Critical vulnerability without a fix does not affect it (nothing to apply), and is mentioned", () => {
    const g = healthIndexGrade([finding({ fixable: false, fixedVersion: null, fixPublished: null })], {
      now: at(5000),
    });
    expect(g.letter).toBe("A");
    expect(g.reasons.join("\n")).toMatch(/1 Critical\/Important finding\(s\) have no fix yet/);
  });

  it("the worst fix sets the letter, and the reasons name exactly the CVEs at that letter, oldest first", () => {
    const fixes = [
      finding({ id: "CVE-2025-1000", severity: "high", fixPublished: "2025-02-20" }), // 9+ days: B
      finding({ id: "CVE-2025-2000", severity: "critical", fixPublished: "2025-01-01" }), // D
      finding({ id: "CVE-2025-3000", severity: "high", fixPublished: "2024-12-20" }), // C
      finding({ id: "CVE-2025-4000", severity: "critical", fixPublished: "2024-12-31" }), // D, older
    ];
    const g = healthIndexGrade(fixes, { now: at(10) });
    expect(g.letter).toBe("D");
    expect(g.basis.map((b) => b.id)).toEqual(["CVE-2025-4000", "CVE-2025-2000"]);
    expect(g.reasons.map((r) => r.split(" ")[0])).toEqual(["CVE-2025-4000", "CVE-2025-2000"]);
  });

  it("one vulnerability in several packages is one reason naming them all; its oldest fix decides", () => {
    const g = healthIndexGrade(
      [
        finding({ pkgName: "libssl3", fixedVersion: "3.0.15-1", fixPublished: "2025-02-28" }),
        finding({ pkgName: "openssl", fixedVersion: "3.0.15-1", fixPublished: "2025-01-15" }),
      ],
      { now: at(0) },
    );
    expect(g.letter).toBe("D");
    expect(g.reasons).toHaveLength(1);
    expect(g.reasons[0]).toMatch(
      /fix libssl3 3\.0\.15-1, openssl 3\.0\.15-1 not applied; fix published 2025-01-15/,
    );
  });

  it("names the CVE when the finding's own id is an advisory (GHSA, PYSEC…)", () => {
    const g = healthIndexGrade([finding({ id: "GHSA-v845-jxx5-vc9f", aliases: ["CVE-2023-43804"] })], {
      now: at(3),
    });
    expect(g.reasons[0]?.startsWith("CVE-2023-43804 (Critical)")).toBe(true);
  });

  it("ages an undated fix from the vulnerability's publication (an upper bound), and says so", () => {
    const g = healthIndexGrade([finding({ fixPublished: null, vulnerabilityPublished: "2025-02-01" })], {
      now: at(0),
    });
    expect(g.letter).toBe("C"); // 28 days
    expect(g.basis[0]).toMatchObject({ dateKind: "vulnerability", since: "2025-02-01", ageDays: 28 });
    expect(g.reasons[0]).toMatch(/no fix date: aged from the vulnerability's publication on 2025-02-01/);
  });

  it("counts a fix with no date at all as B, never as A, and says the grade may be worse", () => {
    const g = healthIndexGrade([finding({ fixPublished: null, vulnerabilityPublished: null })], {
      now: at(0),
    });
    expect(g.letter).toBe("B");
    expect(g.reasons[0]).toMatch(/age unknown, counted as B \(the grade may be worse\)/);
    const worse = healthIndexGrade(
      [
        finding({ id: "CVE-2025-0002", fixPublished: null, vulnerabilityPublished: null }),
        finding({ id: "CVE-2025-0003", fixPublished: "2025-01-01" }),
      ],
      { now: at(0) },
    );
    expect(worse.letter).toBe("D");
    expect(worse.reasons.join("\n")).toMatch(/1 more Critical\/Important fix\(es\) have no date/);
  });

  it("still counts a fix an ignore-file entry accepted (accepting a risk does not apply the fix)", () => {
    const g = healthIndexGrade([finding({ acceptedBy: ".shipshapeignore.yaml line 3" })], { now: at(100) });
    expect(g.letter).toBe("E");
    expect(g.reasons[0]).toMatch(/accepted by \.shipshapeignore\.yaml line 3, still counted$/);
  });

  it("a fix published after 'now' is 0 days old", () => {
    expect(
      healthIndexGrade([finding({ fixPublished: "2025-06-01" })], { now: at(0) }).basis[0]?.ageDays,
    ).toBe(0);
  });
});

describe("incomplete scans", () => {
  it("are marked: complete false, and the first reason says the letter is only a best case", () => {
    const clean = healthIndexGrade([], { now: at(0), incomplete: true });
    expect(clean.letter).toBe("A");
    expect(clean.complete).toBe(false);
    expect(clean.reasons[0]).toMatch(/^incomplete: not every package could be checked/);
    const graded = healthIndexGrade([finding()], { now: at(40), incomplete: true });
    expect(graded.letter).toBe("D");
    expect(graded.reasons[1]).toMatch(/^CVE-2025-0001/);
    expect(healthIndexGrade([], { now: at(0) }).complete).toBe(true);
  });
});

describe("dates", () => {
  it("reads ISO dates and date-times (no zone = UTC), and refuses what is not a real date", () => {
    expect(parseDatabaseDate("2024-02-29")?.toISOString()).toBe("2024-02-29T00:00:00.000Z");
    expect(parseDatabaseDate("2023-10-04T17:15:00Z")?.toISOString()).toBe("2023-10-04T17:15:00.000Z");
    expect(parseDatabaseDate("2023-10-04 17:15:00")?.toISOString()).toBe("2023-10-04T17:15:00.000Z");
    expect(parseDatabaseDate("2023-10-04T19:15:00+02:00")?.toISOString()).toBe("2023-10-04T17:15:00.000Z");
    for (const bad of ["2023-02-29", "2024-13-01", "04 Oct 2023", "", "2023-10-4", null, undefined]) {
      expect(parseDatabaseDate(bad)).toBeNull();
    }
  });

  it("treats an unreadable fix date as no date", () => {
    const g = healthIndexGrade(
      [finding({ fixPublished: "yesterday", vulnerabilityPublished: "2025-01-01" })],
      {
        now: at(0),
      },
    );
    expect(g.basis[0]?.dateKind).toBe("vulnerability");
  });

  it("counts whole days", () => {
    expect(ageInDays(new Date(FIX_MS), at(7, DAY - 1))).toBe(7);
    expect(ageInDays(new Date(FIX_MS), at(8))).toBe(8);
  });

  it("parses grade letters for policies", () => {
    expect(parseGradeLetter(" c ")).toBe("C");
    expect(parseGradeLetter("G")).toBeNull();
  });
});

describe("properties (fast-check)", () => {
  const arbFinding = fc.record({
    id: fc.integer({ min: 1, max: 30 }).map((n) => `CVE-2025-${String(n).padStart(4, "0")}`),
    severity: fc.constantFrom<Severity>("critical", "high", "medium", "low", "negligible", "unknown"),
    fixable: fc.boolean(),
    pkg: fc.constantFrom("a", "b", "c"),
    days: fc.option(fc.integer({ min: -30, max: 2000 }), { nil: null }),
  });
  const toFinding = (x: {
    id: string;
    severity: Severity;
    fixable: boolean;
    pkg: string;
    days: number | null;
  }): GradeFinding =>
    finding({
      id: x.id,
      severity: x.severity,
      fixable: x.fixable,
      fixedVersion: x.fixable ? "9" : null,
      pkgName: x.pkg,
      fixPublished: x.days === null ? null : new Date(FIX_MS - x.days * DAY).toISOString(),
    });

  it("the letter is the worst letter any single finding gives, and a finding never improves it", () => {
    fc.assert(
      fc.property(fc.array(arbFinding, { maxLength: 25 }), arbFinding, (xs, extra) => {
        const now = at(0);
        const fs = xs.map(toFinding);
        const g = healthIndexGrade(fs, { now });
        const worst = fs
          .map((f) => healthIndexGrade([f], { now }).letter)
          .reduce<GradeLetter>((w, l) => (gradeRank(l) > gradeRank(w) ? l : w), "A");
        expect(g.letter).toBe(worst);
        expect(GRADE_LETTERS).toContain(g.letter);
        expect(g.reasons.length).toBeGreaterThan(0);
        expect(g.basis.every((b) => b.letter === g.letter)).toBe(true);
        const more = healthIndexGrade([...fs, toFinding(extra)], { now });
        expect(gradeRank(more.letter)).toBeGreaterThanOrEqual(gradeRank(g.letter));
      }),
      { numRuns: 300 },
    );
  });
});
