// Bundles the CLI (tsc's output in dist/) into dist/cli-bundle/, one chunk per lazily loaded part.
// Why: Node's ESM loader resolves, reads and links each module on its own; the CLI's ~200 modules
// cost 15–25 ms of start-up that a handful of chunks do not (measured with bench/: sbom and a warm
// rescan). tsc remains the compiler; the programmatic API (dist/api.js) is not bundled.
//
// Small pure-JavaScript dependencies are bundled too, so that only what the CLI uses of them is
// parsed: valibot alone is 200 KB of ESM with hundreds of exports to link (bundling these saves
// 7–12 ms per run). Kept external: native addons and packages that read files of their own at run
// time (wasm, JSON data), and big ones only some commands load. The bundled packages' licence
// comments go to a CHUNK.js.LEGAL.txt next to the chunk that holds them; the packages themselves
// stay installed dependencies, with their licence files.
import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { build } from "esbuild";

const EXTERNAL = [
  "@cyclonedx/cyclonedx-library",
  "@elastic/elasticsearch",
  "better-sqlite3",
  "dockerfile-ast",
  "fastify",
  "pg",
  "spdx-expression-parse",
  "spdx-license-ids",
  "tree-sitter-bash",
  "web-tree-sitter",
  "xz-decompress",
];

/**
 * commander requires node:child_process when it loads, for git-style executable subcommands that
 * shipshape does not have; loading it costs 4 ms of every run's start-up (a warm rescan is about
 * 100 ms in all). Inside commander only, it becomes a module that loads it on first use.
 */
const lazyChildProcess = {
  name: "lazy-child-process-for-commander",
  setup(b) {
    b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer)
        ? { path: "lazy-child-process", namespace: "shipshape-lazy" }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: "shipshape-lazy" }, () => ({
      contents:
        'let real; const load = () => (real ??= require("node:child_process"));\n' +
        "module.exports = new Proxy({}, { get: (_, key) => load()[key], has: (_, key) => key in load() });\n",
      loader: "js",
      resolveDir: process.cwd(),
    }));
  },
};

// Chunk names carry content hashes: clear the last build's, or stale chunks pile up.
await rm("dist/cli-bundle", { recursive: true, force: true });

// A new value per build: the output memo never replays what an older build printed.
const define = { __SHIPSHAPE_BUILD__: JSON.stringify(randomUUID()) };

await build({
  entryPoints: { main: "dist/cli/main.js" },
  outdir: "dist/cli-bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: EXTERNAL,
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
  legalComments: "linked",
  plugins: [lazyChildProcess],
  define,
  // Bundled CommonJS dependencies (commander, packageurl-js, picomatch) call require() for Node's
  // own modules; an ES module has no require of its own.
  banner: {
    js: 'import { createRequire as __bundleRequire } from "node:module";\nconst require = __bundleRequire(import.meta.url);',
  },
});

// bin/shipshape.js loads the output memo alone, before the CLI, to replay a remembered output: one
// file without shared chunks, since every module the loader resolves costs about a millisecond there.
await build({
  entryPoints: { "output-memo": "dist/cli/output-memo.js" },
  outdir: "dist/cli-bundle",
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  define,
});
