/**
 * How many packages each tool found, counted the same way for all, so the speed tables can show
 * that no tool is fast because it found less. A package is counted by its purl type (deb, apk,
 * rpm, npm, golang, maven, …).
 */

/** Adds one package of `type` to a count. */
function add(count, type) {
  count.total += 1;
  count.byType[type] = (count.byType[type] ?? 0) + 1;
}

function emptyCount() {
  return { total: 0, byType: {} };
}

/** "pkg:deb/debian/bash@5.2" → "deb"; anything else → null. */
function purlType(purl) {
  const match = typeof purl === "string" ? /^pkg:([a-z0-9.+-]+)\//i.exec(purl) : null;
  return match ? match[1].toLowerCase() : null;
}

/** shipshape's `sbom --format json`: every entry of `packages` is a package. */
export function countShipshape(report) {
  const count = emptyCount();
  for (const p of report.packages) add(count, p.type);
  return count;
}

/**
 * A CycloneDX document (cdxgen's or Trivy's), nested components included. Counted: components
 * with a package purl. Not counted: files, data and repositories (cdxgen lists them as
 * `pkg:generic`), cryptographic assets, the OS and the scanned target (no purl). cdxgen lists
 * each Debian source package as its own component tagged "source"; those are counted apart, in
 * `sources`, because the other tools record the source on the binary package. (A binary package
 * named and versioned like its source, e.g. util-linux, is merged into that source component, so
 * cdxgen's deb count is that much lower.)
 */
export function countCycloneDx(bom) {
  const count = { ...emptyCount(), sources: 0 };
  const walk = (components) => {
    for (const c of components ?? []) {
      const type = purlType(c.purl);
      if (type && type !== "generic") {
        if (Array.isArray(c.tags) && c.tags.includes("source")) count.sources += 1;
        else add(count, type);
      }
      walk(c.components);
    }
  };
  walk(bom.components);
  return count;
}

/** OS package types: a cataloger that found none of these on a Debian image did not really run. */
export const OS_PACKAGE_TYPES = ["deb", "apk", "rpm"];

export function osPackages(count) {
  return OS_PACKAGE_TYPES.reduce((n, t) => n + (count.byType[t] ?? 0), 0);
}

/** "deb 165, golang 5" (largest first). */
export function formatByType(count) {
  const parts = Object.entries(count.byType)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([type, n]) => `${type} ${n}`);
  let text = parts.join(", ");
  if (count.sources) text += ` (+ ${count.sources} source packages as components)`;
  if (count.note) text += `, ${count.note}`;
  return text;
}
