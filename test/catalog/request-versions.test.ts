/**
 * The catalog cache key's list of request versions (src/catalog/request-versions.ts, written out so
 * a cache hit loads no cataloger) must be exactly what the catalogers request: a cataloger whose
 * request version is bumped without this list would keep serving stale cached catalogs.
 */
import { describe, expect, it } from "vitest";
import { CATALOGERS, OS_DETECTOR } from "../../src/catalog/all.js";
import { catalogRequests } from "../../src/catalog/catalog.js";
import { CATALOG_REQUEST_VERSIONS } from "../../src/catalog/request-versions.js";

describe("the catalog cache key's request versions", () => {
  it("equal the catalogers' own requests, sorted", () => {
    const actual = catalogRequests({ catalogers: CATALOGERS, osDetector: OS_DETECTOR })
      .map((r) => `${r.id}@${r.version}`)
      .sort();
    expect([...CATALOG_REQUEST_VERSIONS]).toEqual(actual);
  });
});
