/**
 * The match a `scan` pays: in a fresh process, load the modules, open the store and match a package
 * list once (then once more, to show what the first call costs over a warm one). The packages come
 * from a file match.mjs wrote with --save-synthetic. Prints JSON.
 *
 *   node bench/workers/match-cold.mjs --build DIR --db DB.sqlite PACKAGES.json
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import v8 from "node:v8";

// The heap as the CLI runs it (bin/shipshape.js sets this before anything loads).
v8.setFlagsFromString("--semi-space-growth-factor=1");
// scan optimizes code later than V8 by default (bin/shipshape.js): match as it does.
v8.setFlagsFromString("--interrupt-budget=2097152");

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { build: { type: "string" }, db: { type: "string" } },
});
if (!values.build || !values.db || positionals.length !== 1) {
  throw new Error("usage: match-cold.mjs --build DIR --db FILE PACKAGES.json");
}
const { os, packages } = JSON.parse(await readFile(positionals[0], "utf8"));
const dist = (...p) => pathToFileURL(join(values.build, "dist", ...p)).href;
const ms = (start) => performance.now() - start;

let t = performance.now();
const { matchPackages } = await import(dist("match", "match.js"));
const { openStore } = await import(dist("vulndb", "open-store.js"));
const moduleLoadMs = ms(t);
t = performance.now();
const store = await openStore(values.db);
const openMs = ms(t);
t = performance.now();
const first = await matchPackages(packages, os, store);
const firstMs = ms(t);
t = performance.now();
const second = await matchPackages(packages, os, store);
const secondMs = ms(t);
await store.close();
if (second.findings.length !== first.findings.length) throw new Error("the second match found otherwise");
process.stdout.write(
  `${JSON.stringify({ packages: packages.length, findings: first.findings.length, moduleLoadMs, openMs, firstMs, secondMs })}\n`,
);
