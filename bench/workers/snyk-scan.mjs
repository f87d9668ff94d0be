/**
 * snyk-docker-plugin's scan of an OCI archive, in its own process so its time and peak RSS are its
 * own. Prints a JSON line with what it found, so the harness can tell a real scan from a silent
 * failure.
 *
 *   node snyk-scan.mjs /abs/ARCHIVE.tar
 */
import { scan } from "snyk-docker-plugin";

const path = process.argv[2];
if (!path) {
  process.stderr.write("usage: node snyk-scan.mjs /abs/ARCHIVE.tar\n");
  process.exit(2);
}
const result = await scan({ path: `oci-archive:${path}` });
const facts = result.scanResults.flatMap((r) => r.facts);
const depGraph = facts.find((f) => f.type === "depGraph")?.data;
const layers = facts.find((f) => f.type === "imageLayers")?.data;
process.stdout.write(
  `${JSON.stringify({
    scanResults: result.scanResults.length,
    packages: depGraph ? depGraph.getPkgs().length - 1 : null,
    layers: Array.isArray(layers) ? layers.length : null,
  })}\n`,
);
