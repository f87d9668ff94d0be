/** Database age: durations, the default maximum ages, stale feeds, the warning and the CI error. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  assessFreshness,
  checkDatabaseAge,
  ciFromEnv,
  DEFAULT_MAX_AGE_IMPORT_MS,
  DEFAULT_MAX_AGE_UPDATE_MS,
  formatAge,
  freshnessProblem,
  parseDuration,
} from "../../src/vulndb/freshness.js";
import type { FeedState } from "../../src/vulndb/records.js";
import type { StoreStatus } from "../../src/vulndb/store.js";

const H = 3_600_000;
const now = new Date("2025-06-01T12:00:00Z");
const ago = (ms: number) => new Date(now.getTime() - ms).toISOString();

function feed(id: string, origin: string, ageMs: number): FeedState {
  return {
    feed: id,
    origin,
    importedAt: ago(ageMs),
    dataDate: null,
    etag: null,
    lastModified: null,
    records: 10,
  };
}

function status(feeds: FeedState[], builtAgoMs: number | null = 0): StoreStatus {
  return {
    location: "/var/db.sqlite",
    builtAt: builtAgoMs === null ? null : ago(builtAgoMs),
    schemaVersion: 1,
    counts: { vulnerabilities: 1, affected: 2, kev: 3, epss: 4 },
    feeds,
  };
}

describe("parseDuration", () => {
  it("reads units and bare hours", () => {
    expect(parseDuration("90m")).toBe(90 * 60_000);
    expect(parseDuration("24h")).toBe(24 * H);
    expect(parseDuration("7d")).toBe(7 * 24 * H);
    expect(parseDuration("2w")).toBe(14 * 24 * H);
    expect(parseDuration("36")).toBe(36 * H);
    expect(parseDuration("1.5h")).toBe(1.5 * H);
    for (const bad of ["", "h", "-3h", "0", "3 years", "1e3h"])
      expect(() => parseDuration(bad)).toThrow(/--max-db-age/);
  });

  it("never throws anything but a usage error (property)", () => {
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          expect(parseDuration(s)).toBeGreaterThan(0);
        } catch (err) {
          expect((err as { kind?: string }).kind).toBe("usage");
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("assessFreshness", () => {
  it("a database built by db update gets 24h; one built by db import gets 7 days", () => {
    const updated = assessFreshness(status([feed("kev", "https://www.cisa.gov/x.json", 2 * H)]), { now });
    expect(updated.kind).toBe("update");
    expect(updated.maxAgeMs).toBe(DEFAULT_MAX_AGE_UPDATE_MS);
    expect(updated.stale).toBe(false);
    const imported = assessFreshness(status([feed("kev", "/srv/feeds/kev.json", 3 * 24 * H)]), { now });
    expect(imported.kind).toBe("import");
    expect(imported.maxAgeMs).toBe(DEFAULT_MAX_AGE_IMPORT_MS);
    expect(imported.stale).toBe(false);
    expect(imported.ageMs).toBe(3 * 24 * H);
  });

  it("is as old as its oldest feed and names the stale ones", () => {
    const f = assessFreshness(
      status([feed("a", "https://a.example/1", 1 * H), feed("b", "https://b.example/2", 30 * H)]),
      { now },
    );
    expect(f.ageMs).toBe(30 * H);
    expect(f.stale).toBe(true);
    expect(f.feeds.map((x) => x.stale)).toEqual([false, true]);
    expect(freshnessProblem(f)).toBe(
      "vulnerability database /var/db.sqlite is 30 h old, over the maximum age of 24 h (stale feeds: b): run shipshape db update, or set --max-db-age",
    );
    // A configured maximum age overrides the default.
    expect(assessFreshness(status([feed("b", "https://b/2", 30 * H)]), { now, maxAgeMs: 48 * H }).stale).toBe(
      false,
    );
  });

  it("a missing database is stale and says how to build one", () => {
    const f = assessFreshness(status([], null), { now });
    expect(f.kind).toBe("empty");
    expect(f.stale).toBe(true);
    expect(freshnessProblem(f)).toMatch(/has not been built: run shipshape db update/);
  });
});

describe("checkDatabaseAge", () => {
  const stale = assessFreshness(status([feed("a", "https://a/1", 50 * H)]), { now });
  const fresh = assessFreshness(status([feed("a", "https://a/1", 1 * H)]), { now });

  it("warns outside CI, fails in CI, and --skip-db-age-check turns the failure into a warning", () => {
    expect(checkDatabaseAge(fresh, { ci: true, skipAgeCheck: false })).toEqual([]);
    expect(checkDatabaseAge(stale, { ci: false, skipAgeCheck: false })).toEqual([freshnessProblem(stale)]);
    expect(() => checkDatabaseAge(stale, { ci: true, skipAgeCheck: false })).toThrow(
      /is 2 d 2 h old.*CI mode; pass --skip-db-age-check/,
    );
    expect(checkDatabaseAge(stale, { ci: true, skipAgeCheck: true })[0]).toMatch(
      /ignored: --skip-db-age-check/,
    );
  });

  it("CI mode comes from CI=true or CI=1", () => {
    expect(ciFromEnv({ CI: "true" })).toBe(true);
    expect(ciFromEnv({ CI: "TRUE" })).toBe(true);
    expect(ciFromEnv({ CI: "1" })).toBe(true);
    expect(ciFromEnv({ CI: "false" })).toBe(false);
    expect(ciFromEnv({})).toBe(false);
  });

  it("formats ages for people", () => {
    expect(formatAge(5 * 60_000)).toBe("5 min");
    expect(formatAge(30 * H)).toBe("30 h");
    expect(formatAge(50 * H)).toBe("2 d 2 h");
    expect(formatAge(20 * 24 * H + 3 * H)).toBe("20 d");
  });
});
