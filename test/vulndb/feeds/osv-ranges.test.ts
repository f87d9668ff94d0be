/**
 * OSV events → VersionRanges, checked against the OSV specification's own evaluation loop: for any
 * events and any version, the converted ranges (read by the matcher's `inRange`) must agree with
 * walking the sorted events and flipping a status flag. The two work differently (pairing intervals
 * vs. a running flag), so agreement is evidence, not a tautology.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { comparatorFor, inRange } from "../../../src/match/ranges.js";
import { compareVersions } from "../../../src/versions/index.js";
import { convertAffectedRanges, firstFixed, type OsvEvent } from "../../../src/vulndb/feeds/osv-ranges.js";

const cmp = (a: string, b: string) => compareVersions("semver", a, b);

/** The OSV specification's evaluation (https://ossf.github.io/osv-schema/#evaluation). */
function specAffected(version: string, events: OsvEvent[]): boolean {
  const at = (e: OsvEvent) => e.introduced ?? e.fixed ?? e.last_affected ?? "0";
  const sorted = events
    .filter((e) => e.limit === undefined)
    .sort((a, b) => {
      const x = at(a);
      const y = at(b);
      if (x === "0" || y === "0") return x === y ? 0 : x === "0" ? -1 : 1;
      return cmp(x, y);
    });
  let status = false;
  for (const e of sorted) {
    if (e.introduced !== undefined && (e.introduced === "0" || cmp(version, e.introduced) >= 0))
      status = true;
    else if (e.fixed !== undefined && cmp(version, e.fixed) >= 0) status = false;
    else if (e.last_affected !== undefined && cmp(version, e.last_affected) > 0) status = false;
  }
  const limits = events.map((e) => e.limit).filter((l): l is string => l !== undefined);
  return status && limits.every((l) => cmp(version, l) < 0);
}

const ours = (version: string, events: OsvEvent[], versions: string[] = []) => {
  const { ranges } = convertAffectedRanges([{ type: "ECOSYSTEM", events }], versions, "semver");
  return ranges.some((r) => inRange(version, r, comparatorFor("semver")));
};

const POOL = [
  "0.1.0",
  "0.9.0",
  "1.0.0-rc.1",
  "1.0.0",
  "1.0.1",
  "1.2.0",
  "1.4.1",
  "2.0.0",
  "2.0.7",
  "3.0.0",
  "10.0.0",
];

describe("OSV range conversion", () => {
  it("agrees with the specification's evaluation loop for any events (distinct versions)", () => {
    const event = fc.oneof(
      fc.constantFrom(...POOL).map((v) => ({ introduced: v }) as OsvEvent),
      fc.constantFrom(...POOL).map((v) => ({ fixed: v }) as OsvEvent),
      fc.constantFrom(...POOL).map((v) => ({ last_affected: v }) as OsvEvent),
    );
    fc.assert(
      fc.property(
        fc.uniqueArray(event, { maxLength: 6, selector: (e) => e.introduced ?? e.fixed ?? e.last_affected }),
        fc.boolean(),
        fc.option(fc.constantFrom(...POOL), { nil: undefined }),
        fc.constantFrom(...POOL, "0.0.1", "1.3.0", "99.0.0"),
        (events, startAtZero, limit, version) => {
          // OSV requires an introduced event; "0" is the usual one.
          const all: OsvEvent[] = startAtZero ? [{ introduced: "0" }, ...events] : events;
          if (!all.some((e) => e.introduced !== undefined)) return;
          const withLimit = limit ? [...all, { limit }] : all;
          expect(ours(version, withLimit)).toBe(specAffected(version, withLimit));
        },
      ),
      { numRuns: 400 },
    );
  });

  it("splits one range object into several intervals, unsorted events included (urllib3, aiohttp)", () => {
    // PYSEC-2023-212 (urllib3): introduced 2.0.0, fixed 2.0.7, introduced 0, fixed 1.26.18 — in that order.
    const urllib3 = convertAffectedRanges(
      [
        {
          type: "ECOSYSTEM",
          events: [{ introduced: "2.0.0" }, { fixed: "2.0.7" }, { introduced: "0" }, { fixed: "1.26.18" }],
        },
      ],
      [],
      "pep440",
    );
    expect(urllib3.ranges).toEqual([
      { introduced: "0", fixed: "1.26.18" },
      { introduced: "2.0.0", fixed: "2.0.7" },
    ]);
    expect(firstFixed(urllib3.ranges, "pep440")).toBe("1.26.18");
    // PYSEC-2023-120 (aiohttp): <=3.8.4 and =4.0.1, as trivy-db's test expects ("<=3.8.4", "=4.0.1").
    const aiohttp = convertAffectedRanges(
      [
        {
          type: "ECOSYSTEM",
          events: [
            { introduced: "0" },
            { last_affected: "3.8.4" },
            { introduced: "4.0.1" },
            { last_affected: "4.0.1" },
          ],
        },
      ],
      [],
      "pep440",
    );
    expect(aiohttp.ranges).toEqual([
      { introduced: "0", lastAffected: "3.8.4" },
      { introduced: "4.0.1", lastAffected: "4.0.1" },
    ]);
  });

  it("leaves out GIT ranges and invalid versions, keeps listed versions the ranges miss", () => {
    const r = convertAffectedRanges(
      [
        { type: "GIT", events: [{ introduced: "0" }, { fixed: "43e58ac865ff862c2008c510fc5f7627e10b4660" }] },
        { type: "SEMVER", events: [{ introduced: "0" }, { fixed: "1.4.1" }] },
        { type: "SEMVER", events: [{ introduced: "not a version" }] },
      ],
      ["1.0.0", "1.4.1", "2.0.0", "2.0.0", "garbage!"],
      "semver",
    );
    expect(r.skippedRanges).toBe(1);
    expect(r.invalidVersions).toBe(2); // the bad range and "garbage!"
    expect(r.ranges).toEqual([
      { introduced: "0", fixed: "1.4.1" },
      { introduced: "1.4.1", lastAffected: "1.4.1" },
      { introduced: "2.0.0", lastAffected: "2.0.0" },
    ]);
  });

  it("a fix with no introduced starts at the beginning; introduced == fixed is empty", () => {
    expect(
      convertAffectedRanges([{ type: "ECOSYSTEM", events: [{ fixed: "1.0.0" }] }], [], "semver").ranges,
    ).toEqual([{ introduced: "0", fixed: "1.0.0" }]);
    expect(
      convertAffectedRanges(
        [{ type: "ECOSYSTEM", events: [{ introduced: "1.0.0" }, { fixed: "1.0.0" }] }],
        [],
        "semver",
      ).ranges,
    ).toEqual([]);
  });

  it("Go versions without the v compare with the catalog's v-prefixed ones", () => {
    const { ranges } = convertAffectedRanges(
      [
        {
          type: "SEMVER",
          events: [{ introduced: "0" }, { fixed: "1.19.9" }, { introduced: "1.20.0-0" }, { fixed: "1.20.4" }],
        },
      ],
      [],
      "go",
    );
    const cmpGo = comparatorFor("go");
    expect(ranges.some((r) => inRange("v1.19.8", r, cmpGo))).toBe(true);
    expect(ranges.some((r) => inRange("v1.19.9", r, cmpGo))).toBe(false);
    expect(ranges.some((r) => inRange("v1.20.3", r, cmpGo))).toBe(true);
    expect(ranges.some((r) => inRange("v1.20.4", r, cmpGo))).toBe(false);
  });
});
