/**
 * The catalog's file requests as `id@version`, sorted: part of the catalog cache key. Written out
 * here so that a warm rescan (a cache hit) need not load the catalogers' modules to compute it —
 * about 40 ms of a 0.14 s run. test/catalog/request-versions.test.ts fails when this list and the
 * catalogers' own requests disagree: bump a request's version there, then here.
 */
export const CATALOG_REQUEST_VERSIONS: readonly string[] = [
  "apk@1",
  "composer@1",
  "dotnet-deps@1",
  "dpkg@1",
  "gem@1",
  "go-binary@1",
  "java-archive@1",
  "npm@1",
  "os-release@1",
  "python@1",
  "rhel-content-manifests@1",
  "rpm@1",
  "rust-cargo-auditable@1",
];
