/**
 * Where `shipshape inspect` (or `sbom`) spends its time: runs it once under `node --cpu-prof` and
 * sums the profile's self time by file (node_modules packages and dist/ modules) and by function,
 * so the split between startup (module loading), decompression, hashing, tar parsing and the
 * catalogers is visible.
 *
 *   node bench/profile.mjs /abs/IMAGE.oci.tar [--command inspect|sbom] [--top 25] [--runs 1] [-- NODE_FLAGS…]
 *   node bench/profile.mjs dir:/abs/ROOTFS --command sbom
 *   node bench/profile.mjs /abs/IMAGE.oci.tar --command scan --db bench/.work/vuln/db.sqlite --runs 5
 *
 * A path is read as `oci-archive:PATH`; anything with a transport prefix is passed as it is.
 * Node flags after `--` (e.g. `--trace-gc`, `--max-semi-space-size=2`) go to the profiled process,
 * whose stderr is shown. `--runs N` profiles N runs and sums them (less sampling noise). `scan`
 * needs `--db` (the bench builds one at bench/.work/vuln/db.sqlite).
 * Native work done on the main thread (zlib inflate when synchronous, crypto's hash update) shows
 * under the JS function that called it; work on libuv's thread pool (async zlib) is not sampled,
 * and shows as "(idle)" on the main thread.
 */
import { spawnSync } from "node:child_process";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { formatTable } from "./lib/table.mjs";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, "..");

/** A readable place for a script URL: a package, a dist/ file, node's own modules, or V8. */
function placeOf(url) {
  if (!url) return "(native / V8)";
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const nm = path.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = path.slice(nm + "node_modules/".length).split("/");
    return `npm:${rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (path.startsWith("node:")) return path;
  if (path.startsWith(ROOT)) return relative(ROOT, path);
  return path;
}

export function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfMicros = new Map();
  const deltas = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (deltas[i] ?? 0));
  }
  const byPlace = new Map();
  const byFunction = new Map();
  let total = 0;
  for (const [id, micros] of selfMicros) {
    const { callFrame } = byId.get(id);
    const place = callFrame.url ? placeOf(callFrame.url) : callFrame.functionName || "(anonymous)";
    const fn = `${callFrame.functionName || "(anonymous)"} ${callFrame.url ? `${placeOf(callFrame.url)}:${callFrame.lineNumber + 1}` : ""}`;
    byPlace.set(place, (byPlace.get(place) ?? 0) + micros);
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + micros);
    total += micros;
  }
  return { total, byPlace, byFunction };
}

function top(map, total, n) {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, micros]) => [name, (micros / 1000).toFixed(0), `${((100 * micros) / total).toFixed(1)}%`]);
}

async function main() {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: "string", default: "25" },
      command: { type: "string", default: "inspect" },
      db: { type: "string" },
      runs: { type: "string", default: "1" },
    },
  });
  const [image, ...nodeFlags] = positionals;
  const runs = Number(values.runs);
  const scan = values.command === "scan";
  if (
    !image ||
    !["inspect", "sbom", "scan"].includes(values.command) ||
    scan !== (values.db !== undefined) ||
    !(Number.isInteger(runs) && runs >= 1)
  ) {
    process.stderr.write(
      "usage: node bench/profile.mjs /abs/IMAGE.oci.tar|dir:/abs/ROOT [--command inspect|sbom|scan] [--db DB (scan only)] [--top 25] [--runs 1] [-- NODE_FLAGS…]\n",
    );
    process.exit(2);
  }
  const reference = /^[a-z-]+:/.test(image) ? image : `oci-archive:${resolve(image)}`;
  const dir = join(BENCH, ".work", "profiles");
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < runs; i++) {
    const run = spawnSync(
      process.execPath,
      [
        "--cpu-prof",
        "--cpu-prof-dir",
        dir,
        ...nodeFlags,
        join(ROOT, "bin", "shipshape.js"),
        values.command,
        "--no-cache",
        ...(scan ? ["--db", resolve(values.db)] : []),
        "--quiet",
        "--format",
        "json",
        reference,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    if (run.status !== 0) throw new Error(`shipshape ${values.command} exited with ${run.status}`);
  }
  const files = (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile"));
  const total = { total: 0, byPlace: new Map(), byFunction: new Map() };
  for (const file of files) {
    const one = summarize(JSON.parse(await readFile(join(dir, file), "utf8")));
    total.total += one.total / files.length;
    for (const key of ["byPlace", "byFunction"]) {
      for (const [k, v] of one[key]) total[key].set(k, (total[key].get(k) ?? 0) + v / files.length);
    }
  }
  const { byPlace, byFunction } = total;
  const n = Number(values.top);
  process.stdout.write(
    `profiles: ${dir} (${files.length} run(s), averaged), ${(total.total / 1000).toFixed(0)} ms sampled per run\n\n`,
  );
  process.stdout.write(
    `${formatTable(["self time by file", "ms", "share"], top(byPlace, total.total, n))}\n\n`,
  );
  process.stdout.write(
    `${formatTable(["self time by function", "ms", "share"], top(byFunction, total.total, n))}\n`,
  );
}

await main();
