/**
 * snyk-docker-plugin's scan of an OCI archive, in its own process so its time and peak RSS are its
 * own. Prints a JSON line with what it found, so the harness can tell a real scan from a silent
 * failure and can compare package counts with the other tools.
 *
 *   node snyk-scan.mjs /abs/ARCHIVE.tar
 */
import { scan } from "snyk-docker-plugin";

/** snyk's package-manager names as purl types, so the counts line up with the other tools'. */
const PURL_TYPE = { gomodules: "golang", gomod: "golang", rpm: "rpm", apk: "apk", deb: "deb" };

const path = process.argv[2];
if (!path) {
  process.stderr.write("usage: node snyk-scan.mjs /abs/ARCHIVE.tar\n");
  process.exit(2);
}
const result = await scan({ path: `oci-archive:${path}` });
const facts = result.scanResults.flatMap((r) => r.facts);
const layers = facts.find((f) => f.type === "imageLayers")?.data;
// One scan result per package manager found (the OS, then each application). A dependency
// graph's root is the image or the application itself, not a package.
const byType = {};
let total = 0;
let unresolvedJars = 0;
for (const r of result.scanResults) {
  for (const fact of r.facts) {
    if (fact.type === "depGraph") {
      const manager = fact.data.pkgManager.name;
      const type = PURL_TYPE[manager] ?? manager;
      const n = fact.data.getPkgs().length - 1;
      byType[type] = (byType[type] ?? 0) + n;
      total += n;
    } else if (fact.type === "jarFingerprints") {
      // Jars are sent to Snyk's service as hashes and named there; the plugin alone names none.
      unresolvedJars += fact.data.fingerprints?.length ?? 0;
    }
  }
}
process.stdout.write(
  `${JSON.stringify({
    scanResults: result.scanResults.length,
    packages: { total, byType, unresolvedJars },
    layers: Array.isArray(layers) ? layers.length : null,
  })}\n`,
);
