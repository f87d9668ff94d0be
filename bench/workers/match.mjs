/**
 * How long `matchPackages` (src/match/match.ts) takes with the database open, in one process: opens
 * the store, catalogs each image once (no cache), then times repeated matches of its packages after
 * a warm-up. Also a synthetic case of `--synthetic` packages (see syntheticPackages). Prints JSON.
 *
 *   node bench/workers/match.mjs --build DIR --db DB.sqlite [--reps 200] [--warmups 20]
 *       [--synthetic 500 --synthetic-base IMAGE --save-synthetic FILE.json] IMAGE.oci.tar…
 *
 * `--save-synthetic` writes the synthetic case's packages and OS for match-cold.mjs.
 * `--build` is the directory holding dist/ and node_modules (the bench's snapshot of the build).
 * The catalog is scan's default ("precise": OS-owned language packages are not listed on their own),
 * and RHEL images get the repository scope scan would use, resolved once, outside the timing.
 */
import { writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { basename, join, resolve } from "node:path";
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
  options: {
    build: { type: "string" },
    db: { type: "string" },
    reps: { type: "string", default: "200" },
    warmups: { type: "string", default: "20" },
    synthetic: { type: "string", default: "500" },
    "synthetic-base": { type: "string" },
    "save-synthetic": { type: "string" },
  },
});
if (!values.build || !values.db) throw new Error("--build DIR and --db FILE are required");
const reps = Number(values.reps);
const warmups = Number(values.warmups);
const syntheticSize = Number(values.synthetic);

const dist = (...p) => pathToFileURL(join(values.build, "dist", ...p)).href;
const ms = (start) => performance.now() - start;

function stats(times) {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return {
    medianMs: sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2,
    minMs: sorted[0],
    p90Ms: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))],
    maxMs: sorted.at(-1),
  };
}

// Module loading is timed apart from the open and the matches.
let t = performance.now();
const { catalogImageResult } = await import(dist("catalog", "image.js"));
const { matchPackages } = await import(dist("match", "match.js"));
const { openStore } = await import(dist("vulndb", "open-store.js"));
const { parseContentManifest, resolveRhelScope } = await import(dist("match", "rhel-scope.js"));
const { lookupKey } = await import(dist("vulndb", "namespace.js"));
const moduleLoadMs = ms(t);

// The first open also loads better-sqlite3's native addon; reopening shows the open alone.
t = performance.now();
let store = await openStore(values.db);
const firstOpenMs = ms(t);
const status = await store.status();
if (status.counts.affected === 0) throw new Error(`${values.db} holds no affected records`);
const reopen = [];
for (let i = 0; i < 20; i++) {
  await store.close();
  t = performance.now();
  store = await openStore(values.db);
  reopen.push(ms(t));
}

/** The options scan passes for this catalog: the RHEL repository scope from content manifests. */
async function matchOptions(catalog) {
  if (!catalog.contentManifests?.length) return {};
  const manifests = catalog.contentManifests.map((m) => parseContentManifest(m.text, m.path));
  const scope = await resolveRhelScope(store, manifests);
  return scope.cpes ? { cpes: scope.cpes } : {};
}

/** First match (right after the previous case), `warmups` unmeasured, then `reps` measured. */
async function timeMatches(packages, os, options) {
  t = performance.now();
  const first = await matchPackages(packages, os, store, options);
  const firstMs = ms(t);
  const findings = first.findings.length;
  const times = [];
  for (let i = 0; i < warmups + reps; i++) {
    t = performance.now();
    const result = await matchPackages(packages, os, store, options);
    const elapsed = ms(t);
    // The same input must give the same answer every time, or the timing means nothing.
    if (result.findings.length !== findings) {
      throw new Error(`findings changed between repetitions: ${findings} then ${result.findings.length}`);
    }
    if (i >= warmups) times.push(elapsed);
  }
  return {
    packages: packages.length,
    matchedPackages: first.matchedPackages,
    findings,
    missingNamespaces: first.missingNamespaces,
    firstMs,
    ...stats(times),
  };
}

// Only the synthetic case's base catalog is kept: the others would be old-generation garbage whose
// collection lands in later timings.
const basePath = resolve(values["synthetic-base"] ?? positionals[0]);
let base = null;
const images = {};
for (const path of positionals) {
  t = performance.now();
  const { result } = await catalogImageResult(`oci-archive:${path}`, { cache: null });
  const catalogMs = ms(t);
  if (resolve(path) === basePath) base = result;
  const options = await matchOptions(result);
  const namespaces = new Set(result.packages.map((p) => lookupKey(p, result.os)?.namespace).filter(Boolean));
  images[basename(path)] = {
    os: result.os ? `${result.os.id} ${result.os.versionId}` : null,
    namespaces: [...namespaces].sort(),
    rhelScope: options.cpes?.length ?? null,
    catalogMs,
    ...(await timeMatches(result.packages, result.os, options)),
  };
}

const ECOSYSTEMS = [
  { namespace: "npm", type: "npm", versions: ["0.0.1", "9999.0.0"] },
  { namespace: "pypi", type: "pypi", versions: ["0.0.1", "9999.0.0"] },
  { namespace: "go", type: "golang", versions: ["v0.0.1", "v9999.0.0"] },
  { namespace: "crates.io", type: "cargo", versions: ["0.0.1", "9999.0.0"] },
];

/**
 * The synthetic case: the base image's packages, then language packages until `size`. Their names
 * are ones the database has advisories for (npm, PyPI, Go, crates.io, in turn, by name), so every
 * added package costs a real lookup that returns records to compare. Every other one is at an old
 * version (0.0.1: inside most ranges, so it gives findings) and the rest at 9999.0.0 (past every
 * fix: compared, rarely affected). That is heavier than a real image, where most packages have no
 * advisory at all.
 */
function syntheticPackages(base, size) {
  const Database = createRequire(join(values.build, "package.json"))("better-sqlite3");
  const db = new Database(values.db, { readonly: true, fileMustExist: true });
  const names = new Map();
  try {
    for (const { namespace } of ECOSYSTEMS) {
      const rows = db
        .prepare("SELECT DISTINCT package FROM affected WHERE namespace = ? ORDER BY package")
        .all(namespace);
      names.set(
        namespace,
        rows.map((r) => r.package),
      );
    }
  } finally {
    db.close();
  }
  const taken = new Set(base.packages.map((p) => `${p.type}\0${p.name}`));
  const packages = [...base.packages];
  const cursor = new Map(ECOSYSTEMS.map((e) => [e.namespace, 0]));
  let turn = 0;
  let added = 0;
  while (packages.length < size) {
    const eco = ECOSYSTEMS[turn++ % ECOSYSTEMS.length];
    const list = names.get(eco.namespace);
    const at = cursor.get(eco.namespace);
    if (at >= list.length) {
      if (ECOSYSTEMS.every((e) => cursor.get(e.namespace) >= names.get(e.namespace).length)) {
        throw new Error(`the database names too few packages to make ${size}`);
      }
      continue;
    }
    cursor.set(eco.namespace, at + 1);
    const name = list[at];
    if (taken.has(`${eco.type}\0${name}`)) continue;
    const version = eco.versions[added++ % 2];
    const path = `/synthetic/${eco.namespace}/${name}`;
    packages.push({
      type: eco.type,
      name,
      version,
      purl: `pkg:${eco.type}/${encodeURIComponent(name)}@${version}`,
      locations: [{ path }],
      foundBy: "bench-synthetic",
    });
  }
  return { packages, added };
}

let synthetic = null;
if (syntheticSize > 0) {
  if (!base) throw new Error(`--synthetic-base ${basePath} must be one of the images`);
  const { packages, added } = syntheticPackages(base, syntheticSize);
  if (values["save-synthetic"]) {
    await writeFile(values["save-synthetic"], JSON.stringify({ os: base.os, packages }));
  }
  const byType = {};
  for (const p of packages) byType[p.type] = (byType[p.type] ?? 0) + 1;
  synthetic = {
    base: basename(basePath),
    basePackages: base.packages.length,
    added,
    byType,
    ...(await timeMatches(packages, base.os, await matchOptions(base))),
  };
}

await store.close();
process.stdout.write(
  `${JSON.stringify({
    db: { path: values.db, counts: status.counts },
    reps,
    warmups,
    moduleLoadMs,
    firstOpenMs,
    reopen: stats(reopen),
    images,
    synthetic,
  })}\n`,
);
