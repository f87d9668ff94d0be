/**
 * The whole catalog against the fixtures' expected package lists: every image in
 * ../shared/fixtures/images yields exactly the packages of expected/NAME.packages.json (with
 * --include-os-owned, since those lists include OS-owned language packages), and, without the flag,
 * the language packages an OS package owns are folded away.
 */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CatalogImageOptions, catalogImageResult } from "../../src/api.js";
import type { Package } from "../../src/catalog/package.js";
import { fixturePath } from "../helpers/shared.js";

interface ExpectedPackage {
  type: string;
  name: string;
  version: string | null;
  arch?: string;
  epoch?: number | null;
  release?: string;
  sourceName?: string;
  sourceVersion?: string;
  path?: string;
  kind?: string;
}

const images = readdirSync(fixturePath("images"))
  .filter((f) => f.endsWith(".oci.tar"))
  .map((f) => f.replace(/\.oci\.tar$/, ""));

function expectedFor(name: string): ExpectedPackage[] {
  return JSON.parse(
    readFileSync(fixturePath("expected", `${name}.packages.json`), "utf8"),
  ) as ExpectedPackage[];
}

/** One comparable line per package; the fields the expected files fix for that type. */
function keyOfExpected(p: ExpectedPackage): string {
  if (p.type === "deb" || p.type === "apk") {
    return [p.type, p.name, p.version, p.arch, p.sourceName, p.sourceVersion].join(" ");
  }
  if (p.type === "rpm") {
    return [p.type, p.name, p.version, p.epoch ?? "-", p.release, p.arch, p.sourceName, p.sourceVersion].join(
      " ",
    );
  }
  return [p.type, p.name, p.version ?? "", p.path].join(" ");
}

function keyOfActual(p: Package): string {
  if (p.type === "deb" || p.type === "apk") {
    return [p.type, p.name, p.version, p.arch, p.sourceName, p.sourceVersion].join(" ");
  }
  if (p.type === "rpm") {
    return [p.type, p.name, p.version, p.epoch ?? "-", p.release, p.arch, p.sourceName, p.sourceVersion].join(
      " ",
    );
  }
  return [p.type, p.name, p.version, p.locations[0]?.path].join(" ");
}

async function catalog(name: string, options: CatalogImageOptions = {}) {
  return catalogImageResult(`oci-archive:${fixturePath("images", `${name}.oci.tar`)}`, {
    cache: null,
    ...options,
  });
}

describe.each(images)("catalog of %s", (name) => {
  it("finds exactly the expected packages (with OS-owned language packages)", async () => {
    const { result } = await catalog(name, { includeOsOwned: true });
    const expected = expectedFor(name).map(keyOfExpected).sort();
    const actual = result.packages.map(keyOfActual).sort();
    const missing = expected.filter((k) => !actual.includes(k));
    const extra = actual.filter((k) => !expected.includes(k));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    expect(result.incomplete).toEqual([]);
  });
});

describe("OS-owned language packages", () => {
  it("debian12-app: Debian's Python, Node and Java libraries and its Go programs fold into their deb", async () => {
    const { result } = await catalog("debian12-app");
    const types = new Set(result.packages.map((p) => p.type));
    expect(types.has("deb")).toBe(true);
    // Every pypi/npm/maven package and the Debian-built Go programs are owned by a deb; gohello is ours.
    const language = result.packages.filter((p) => p.type !== "deb");
    expect(language.every((p) => p.locations[0]?.path === "/usr/local/bin/gohello")).toBe(true);
    expect(result.folded).toBeGreaterThan(40);
  });
});
