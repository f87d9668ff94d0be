// Bundles the CLI (tsc's output in dist/) into dist/cli-bundle/, one chunk per lazily loaded part.
// Why: Node's ESM loader resolves, reads and links each module on its own; the CLI's ~200 modules
// cost 15–25 ms of start-up that a handful of chunks do not (measured with bench/: sbom and a warm
// rescan). Dependencies stay external (native addons, data files); tsc remains the compiler.
import { build } from "esbuild";

await build({
  entryPoints: { main: "dist/cli/main.js" },
  outdir: "dist/cli-bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  legalComments: "none",
});
