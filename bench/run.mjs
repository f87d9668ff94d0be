/**
 * shipshape's benchmark, on real images: `shipshape inspect` and `shipshape sbom` side by side with
 * the decompress-only floor, snyk-docker-plugin and cdxgen; `shipshape sbom dir:` against Trivy's
 * own cataloger on the unpacked root filesystem; a warm rescan against a cold one (layer cache);
 * and peak memory on a generated ~2 GiB image. Every run is its own process under GNU time; runs
 * of the tools are interleaved so drift hits all alike. Prints tables of medians, ratios against
 * the targets and the package counts each tool found, and writes bench/.work/results.json.
 * The vulnerability part: `db import` of the feed data in ../shared/data, `matchPackages` per
 * fixture image and on 500 packages with the database open, and `scan` against `sbom`.
 *
 *   npm run bench [-- --runs 5 --large-runs 3 --large-gib 2 --no-large --no-cdxgen --no-vuln]
 *   npm run bench -- --vuln-only [--runs 5 --match-reps 200]
 *   npm run bench -- --audit-only [--runs 5 --audit-events 300000]   (bench/audit.mjs; --no-audit skips it)
 *
 * Environment equivalents: BENCH_RUNS, BENCH_LARGE_RUNS, BENCH_LARGE_GIB, BENCH_NO_LARGE=1,
 * BENCH_NO_CDXGEN=1, BENCH_NO_VULN=1, BENCH_VULN_ONLY=1, BENCH_MATCH_REPS, BENCH_NO_AUDIT=1,
 * BENCH_AUDIT_ONLY=1, BENCH_AUDIT_EVENTS, SHIPSHAPE_SHARED (where
 * fixtures/ and data/ are; default ../shared next to the repository).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { AUDIT_TARGET, formatAuditBench, runAuditBench } from "./audit.mjs";
import { snapshotBuild } from "./lib/build-snapshot.mjs";
import { loadMeter } from "./lib/machine-load.mjs";
import { GNU_TIME, measure, median } from "./lib/measure.mjs";
import { countCycloneDx, countShipshape, formatByType, osPackages } from "./lib/package-counts.mjs";
import { peers } from "./lib/peers.mjs";
import { haveUmoci, unpackedRootfs } from "./lib/rootfs.mjs";
import { formatTable } from "./lib/table.mjs";
import {
  importFacts,
  matchColdFacts,
  matchFacts,
  recordsKey,
  statusFacts,
  vulnInputs,
} from "./lib/vuln-data.mjs";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, "..");
const WORK = join(BENCH, ".work");
// The CLI is run from a copy of the build taken at the start (see build-snapshot.mjs).
const BUILD_DIR = join(WORK, "build");
const SHIPSHAPE = join(BUILD_DIR, "bin", "shipshape.js");
const PEERS = peers(BENCH);
// The vulnerability database that matching and scan use: built once per bench, untimed.
const VULN_DIR = join(WORK, "vuln");
const VULN_DB = join(VULN_DIR, "db.sqlite");
const SYNTHETIC_SIZE = 500;

const TARGETS = {
  inspectOverFloor: 1.3,
  largeRssOverSmall: 1.2,
  largeRssMaxMB: 120,
  sbomOverFloor: 1.3,
  snykOverSbom: 1.5,
  cdxgenOverSbom: 8,
  sbomRssMaxMB: 100,
  sbomDirOverTrivy: 1,
  warmOverCold: 0.2,
  matchMsPer500: 50,
  scanOverSbom: 1.1,
};

const HELP = `usage: npm run bench [-- options]
  --runs N          measured runs per tool on the fixture images (default 5, after 1 warm-up)
  --large-runs N    measured runs per tool on the generated large image (default 3)
  --large-gib X     uncompressed size of the generated image in GiB (default 2)
  --no-large        skip the generated large image (saves ~2 GiB of disk and a few minutes)
  --no-cdxgen       leave cdxgen out (it takes 8-15 s a run, most of the bench's time)
  --no-vuln         skip the vulnerability part (db import, matching, scan vs sbom)
  --vuln-only       run only the vulnerability part
  --match-reps N    measured in-process repetitions of each match (default 200, after 20 warm-ups)
  --no-audit        skip the audit part (audit scan events/s with Falco's k8s rules, bench/audit.mjs)
  --audit-only      run only the audit part
  --audit-events N  events in the generated audit log (default 300000)
  -h, --help        this text
Environment: BENCH_RUNS, BENCH_LARGE_RUNS, BENCH_LARGE_GIB, BENCH_NO_LARGE=1, BENCH_NO_CDXGEN=1,
BENCH_NO_VULN=1, BENCH_VULN_ONLY=1, BENCH_MATCH_REPS, BENCH_NO_AUDIT=1, BENCH_AUDIT_ONLY=1,
BENCH_AUDIT_EVENTS, SHIPSHAPE_SHARED.`;

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      "large-runs": { type: "string" },
      "large-gib": { type: "string" },
      "no-large": { type: "boolean", default: false },
      "no-cdxgen": { type: "boolean", default: false },
      "no-vuln": { type: "boolean", default: false },
      "vuln-only": { type: "boolean", default: false },
      "match-reps": { type: "string" },
      "no-audit": { type: "boolean", default: false },
      "audit-only": { type: "boolean", default: false },
      "audit-events": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    process.exit(0);
  }
  const count = (text, name) => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) fail(`${name} must be a whole number of at least 1, not ${text}`);
    return n;
  };
  const gib = Number(values["large-gib"] ?? process.env.BENCH_LARGE_GIB ?? "2");
  if (!(gib > 0)) fail(`--large-gib must be a positive number`);
  const vulnOnly = values["vuln-only"] || yes(process.env.BENCH_VULN_ONLY);
  const vuln = !values["no-vuln"] && !yes(process.env.BENCH_NO_VULN);
  if (vulnOnly && !vuln) fail("--vuln-only and --no-vuln leave nothing to run");
  const auditOnly = values["audit-only"] || yes(process.env.BENCH_AUDIT_ONLY);
  const audit = !values["no-audit"] && !yes(process.env.BENCH_NO_AUDIT);
  if (auditOnly && !audit) fail("--audit-only and --no-audit leave nothing to run");
  if (auditOnly && vulnOnly) fail("--audit-only and --vuln-only exclude each other");
  return {
    audit,
    auditOnly,
    auditEvents: count(
      values["audit-events"] ?? process.env.BENCH_AUDIT_EVENTS ?? "300000",
      "--audit-events",
    ),
    runs: count(values.runs ?? process.env.BENCH_RUNS ?? "5", "--runs"),
    largeRuns: count(values["large-runs"] ?? process.env.BENCH_LARGE_RUNS ?? "3", "--large-runs"),
    largeGib: gib,
    large: !vulnOnly && !values["no-large"] && !yes(process.env.BENCH_NO_LARGE),
    cdxgen: !values["no-cdxgen"] && !yes(process.env.BENCH_NO_CDXGEN),
    vuln,
    vulnOnly,
    matchReps: count(values["match-reps"] ?? process.env.BENCH_MATCH_REPS ?? "200", "--match-reps"),
  };
}

function yes(text) {
  return ["1", "true", "yes"].includes(text ?? "");
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const log = (line) => process.stderr.write(`${line}\n`);

/** bench/ keeps its own dependencies (the peers); install them from its lock file when missing. */
function ensureBenchDependencies() {
  const installed = [
    join(BENCH, "node_modules", "snyk-docker-plugin", "package.json"),
    join(BENCH, "node_modules", "@cyclonedx", "cdxgen", "package.json"),
  ].every((p) => existsSync(p));
  if (installed) return;
  const command = existsSync(join(BENCH, "package-lock.json")) ? "ci" : "install";
  log(`bench: installing bench/ dependencies (npm ${command} --prefix bench)`);
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const result = spawnSync(npm, [command, "--prefix", BENCH, "--no-audit", "--no-fund"], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (result.status !== 0) fail(`npm ${command} --prefix bench failed`);
}

function checkPrerequisites() {
  if (!existsSync(GNU_TIME)) fail(`${GNU_TIME} (GNU time) is missing: apt-get install time`);
  if (!existsSync(join(ROOT, "dist", "cli", "main.js"))) {
    fail("dist/ is missing: build first (npm run bench builds; or npm run build)");
  }
}

function sharedDir() {
  return process.env.SHIPSHAPE_SHARED ? resolve(process.env.SHIPSHAPE_SHARED) : resolve(ROOT, "..", "shared");
}

function sharedFixture(name) {
  const path = join(sharedDir(), "fixtures", "images", name);
  if (!existsSync(path)) fail(`fixture ${path} not found (set SHIPSHAPE_SHARED to the shared folder)`);
  return path;
}

// --- the tools ----------------------------------------------------------------------------------

const node = process.execPath;

/** `shipshape sbom … --quiet --format json REF`; `--no-cache` unless other cache flags are given. */
const sbomArgv = (ref, flags = ["--no-cache"]) => [
  node,
  SHIPSHAPE,
  "sbom",
  ...flags,
  "--quiet",
  "--format",
  "json",
  ref,
];

/** What shipshape's sbom JSON says it found, with a digest of the package set for cross-checks. */
function sbomFacts(stdout) {
  const report = JSON.parse(stdout);
  if (!Array.isArray(report.packages)) throw new Error("no packages list");
  if (report.incomplete?.length)
    throw new Error(`incomplete databases: ${JSON.stringify(report.incomplete)}`);
  const packages = countShipshape(report);
  if (osPackages(packages) === 0) throw new Error("no OS packages");
  const keys = report.packages.map((p) => `${p.type} ${p.name} ${p.version} ${p.arch ?? ""}`).sort();
  const packageSet = createHash("sha256").update(keys.join("\n")).digest("hex").slice(0, 16);
  return { packages, packageSet };
}

/**
 * shipshape's scan JSON: the sbom facts of its packages (the same checks), and its findings. A scan
 * with coverage gaps (a namespace the database has no data for) did not check every package.
 */
function scanFacts(stdout) {
  const report = JSON.parse(stdout);
  if (!Array.isArray(report.vulnerabilities)) throw new Error("no vulnerabilities list");
  const gaps = report.scan?.coverageGaps ?? [];
  if (gaps.length > 0) throw new Error(`coverage gaps: ${gaps.join("; ")}`);
  return {
    ...sbomFacts(stdout),
    vulnerabilities: report.vulnerabilities.length,
    matchedPackages: report.scan?.matchedPackages ?? null,
  };
}

/**
 * A CycloneDX file a peer wrote. It must exist and list OS packages: cdxgen exits 0 and writes
 * nothing when it cannot read its input.
 */
async function cycloneDxFacts(file, tool) {
  const text = await readFile(file, "utf8").catch(() => null);
  if (text === null) throw new Error(`${tool} wrote no ${basename(file)}`);
  const bom = JSON.parse(text);
  if (bom.bomFormat !== "CycloneDX") throw new Error(`${tool}'s output is not a CycloneDX document`);
  const packages = countCycloneDx(bom);
  if (osPackages(packages) === 0) {
    throw new Error(`${tool} listed no OS packages (${formatByType(packages) || "no packages at all"})`);
  }
  return { packages, components: bom.components?.length ?? 0 };
}

/** `shipshape db status --format json` of a database file, checked (statusFacts). */
function dbStatus(file) {
  const result = spawnSync(node, [SHIPSHAPE, "db", "status", "--db", file, "--format", "json"], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`db status of ${file} exited ${result.status}: ${result.stderr}`);
  return statusFacts(result.stdout);
}

/**
 * Each tool: how to run it on its input (an archive, or a root filesystem for sbomDir and trivy),
 * and what its output says it did (checked every run). Tools with `scratch` get a fresh directory
 * in the system temp dir for their output and temp files, removed after the run.
 */
const TOOLS = {
  floor: {
    label: "floor: gunzip only",
    argv: (path) => [node, join(BENCH, "workers", "floor.mjs"), path],
    facts: (stdout) => JSON.parse(stdout),
  },
  floorParallel: {
    label: "floor: gunzip, parallel",
    argv: (path) => [node, join(BENCH, "workers", "floor.mjs"), path, "--parallel"],
    facts: (stdout) => JSON.parse(stdout),
  },
  inspect: {
    label: "shipshape inspect",
    argv: (path) => [
      node,
      SHIPSHAPE,
      "inspect",
      "--no-cache",
      "--quiet",
      "--format",
      "json",
      `oci-archive:${path}`,
    ],
    facts: (stdout) => {
      const report = JSON.parse(stdout);
      if (report.layers.some((l) => l.fromCache)) throw new Error("a layer came from the cache");
      return {
        layers: report.layers.length,
        uncompressedBytes: report.layers.reduce((n, l) => n + l.uncompressedSize, 0),
        regularFiles: report.filesystem.regularFiles,
      };
    },
  },
  sbom: {
    label: "shipshape sbom",
    argv: (path) => sbomArgv(`oci-archive:${path}`),
    facts: sbomFacts,
  },
  /** Not timed: run once per image for the package counts. */
  sbomOsOwned: {
    label: "shipshape sbom --include-os-owned",
    argv: (path) => sbomArgv(`oci-archive:${path}`, ["--no-cache", "--include-os-owned"]),
    facts: sbomFacts,
  },
  snyk: {
    label: "snyk-docker-plugin scan",
    argv: (path) => [node, join(BENCH, "workers", "snyk-scan.mjs"), path],
    facts: (stdout) => {
      const facts = JSON.parse(stdout);
      if (!(facts.packages?.total > 0)) throw new Error("no packages");
      return facts;
    },
  },
  cdxgen: {
    label: "cdxgen -t docker",
    scratch: true,
    argv: (path, scratch) => [
      node,
      PEERS.cdxgen.script,
      "-t",
      "docker",
      path,
      "-o",
      join(scratch, "bom.json"),
    ],
    // cdxgen extracts the image under the temp dir and leaves it there; its Trivy plugin keeps a
    // cache under XDG_CACHE_HOME. Both go to the run's scratch directory.
    env: (scratch) => ({ TMPDIR: scratch, CDXGEN_TEMP_DIR: scratch, XDG_CACHE_HOME: join(scratch, "cache") }),
    facts: (_stdout, scratch) => cycloneDxFacts(join(scratch, "bom.json"), "cdxgen"),
  },
  sbomDir: {
    label: "shipshape sbom dir:",
    argv: (root) => sbomArgv(`dir:${root}`),
    facts: sbomFacts,
  },
  trivy: {
    label: "trivy-cdxgen rootfs",
    scratch: true,
    // The rootfs command only catalogs (it loads no vulnerability database and opens no network
    // connection, checked with strace); the flags make sure it never tries.
    argv: (root, scratch) => [
      PEERS.trivy.binary,
      "rootfs",
      "--skip-db-update",
      "--skip-java-db-update",
      "--offline-scan",
      "--disable-telemetry",
      "--skip-version-check",
      "--quiet",
      "--cache-dir",
      join(scratch, "cache"),
      "--output",
      join(scratch, "bom.json"),
      root,
    ],
    facts: (_stdout, scratch) => cycloneDxFacts(join(scratch, "bom.json"), "trivy-cdxgen"),
  },
  /** `scan` against the bench's database (VULN_DB), as a CI job runs it. */
  scan: {
    label: "shipshape scan",
    argv: (path) => [
      node,
      SHIPSHAPE,
      "scan",
      "--no-cache",
      "--db",
      VULN_DB,
      "-q",
      "--format",
      "json",
      `oci-archive:${path}`,
    ],
    facts: scanFacts,
  },
  /**
   * `check`: the same catalog read with the hygiene checks, no database. scan runs those checks
   * too, so scan − check is what the database, matching, grade and policy add.
   */
  check: {
    label: "shipshape check",
    argv: (path) => [
      node,
      SHIPSHAPE,
      "check",
      "--no-cache",
      "--fail-on",
      "none",
      "--format",
      "json",
      `oci-archive:${path}`,
    ],
    facts: (stdout) => {
      const report = JSON.parse(stdout);
      if (!Array.isArray(report.findings)) throw new Error("no findings list");
      return { findings: report.findings.length };
    },
  },
  /** `db import` of every input into a fresh file; its `db status` is read back after the run. */
  dbImport: {
    label: "shipshape db import",
    scratch: true,
    argv: (inputs, scratch) => [
      node,
      SHIPSHAPE,
      "db",
      "import",
      "--db",
      join(scratch, "db.sqlite"),
      "--format",
      "json",
      ...inputs,
    ],
    facts: async (stdout, scratch) => {
      const imported = importFacts(stdout);
      const file = join(scratch, "db.sqlite");
      return { ...imported, status: dbStatus(file), bytes: (await stat(file)).size };
    },
  },
  /** A fresh process that opens the database and matches the synthetic packages once. */
  matchCold: {
    label: "match, fresh process",
    argv: (file) => [
      node,
      join(BENCH, "workers", "match-cold.mjs"),
      "--build",
      BUILD_DIR,
      "--db",
      VULN_DB,
      file,
    ],
    facts: (stdout) => matchColdFacts(stdout, SYNTHETIC_SIZE),
  },
  /** Start-up alone (`--version`): what each pays before it reads anything. */
  sbomStartup: {
    label: "shipshape --version",
    argv: () => [node, SHIPSHAPE, "--version"],
    facts: (stdout) => {
      if (!/\d+\.\d+/.test(stdout)) throw new Error("no version printed");
      return { version: stdout.trim() };
    },
  },
  trivyStartup: {
    label: "trivy-cdxgen --version",
    argv: () => [PEERS.trivy.binary, "--version"],
    facts: (stdout) => {
      if (!/Version:/.test(stdout)) throw new Error("no version printed");
      return { version: stdout.trim() };
    },
  },
};

/** Runs one tool once, measured, and reads its facts; a failed or empty run throws. */
async function runTool(name, toolName, input) {
  const tool = TOOLS[toolName];
  const scratch = tool.scratch ? await mkdtemp(join(tmpdir(), `shipshape-bench-${toolName}-`)) : null;
  try {
    const sample = await measure(tool.argv(input, scratch), {
      workDir: WORK,
      cwd: scratch ?? ROOT,
      env: tool.env?.(scratch),
      captureStdout: true,
    });
    try {
      return { sample, facts: await tool.facts(sample.stdout, scratch) };
    } catch (err) {
      throw new Error(
        `${toolName} on ${name}: unexpected output (${err.message}): ${sample.stdout.slice(0, 300)}`,
      );
    }
  } finally {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  }
}

function logSample(name, label, what, sample) {
  log(
    `  ${name} ${label.padEnd(24)} ${what.padEnd(9)} ${sample.seconds.toFixed(2)} s  ${mb(sample.peakRssKiB).toFixed(0)} MB`,
  );
}

/** Medians, min–max and worst peak RSS of a tool's samples. */
function summarizeSamples(entry) {
  const s = entry.samples;
  entry.median = {
    seconds: median(s.map((x) => x.seconds)),
    peakRssMB: mb(median(s.map((x) => x.peakRssKiB))),
    cpuSeconds: median(s.map((x) => x.cpuSeconds)),
  };
  entry.minSeconds = Math.min(...s.map((x) => x.seconds));
  entry.maxSeconds = Math.max(...s.map((x) => x.seconds));
  entry.maxPeakRssMB = mb(Math.max(...s.map((x) => x.peakRssKiB)));
  // How many CPUs other processes kept busy, on average, while this tool ran.
  entry.othersCpus = s.some((x) => x.othersCpuSeconds === null)
    ? null
    : s.reduce((n, x) => n + x.othersCpuSeconds, 0) / s.reduce((n, x) => n + x.seconds, 0);
  return entry;
}

const keep = (sample) => ({
  seconds: sample.seconds,
  peakRssKiB: sample.peakRssKiB,
  cpuSeconds: sample.cpuSeconds,
  othersCpuSeconds: sample.othersCpuSeconds,
});

/**
 * Runs `warmups` unmeasured then `runs` measured rounds; each round runs every tool once, in order.
 * Returns per tool: the samples, the medians and the facts its output reported (the first run's;
 * `onFacts(tool, facts, warm)` sees every run's).
 */
async function series(name, input, toolNames, { warmups, runs, onFacts }) {
  const results = Object.fromEntries(toolNames.map((t) => [t, { samples: [], facts: null }]));
  for (let round = 0; round < warmups + runs; round++) {
    const warm = round < warmups;
    for (const tool of toolNames) {
      const { sample, facts } = await runTool(name, tool, input);
      results[tool].facts ??= facts;
      onFacts?.(tool, facts, warm);
      logSample(name, TOOLS[tool].label, warm ? "warm-up" : `run ${round - warmups + 1}/${runs}`, sample);
      if (!warm) results[tool].samples.push(keep(sample));
    }
  }
  for (const tool of toolNames) summarizeSamples(results[tool]);
  return results;
}

/** The layer cache's entries: file name → inode and mtime. */
async function cacheEntries(dir) {
  const entries = new Map();
  for (const file of await readdir(dir)) {
    const s = await stat(join(dir, file));
    if (s.isFile()) entries.set(file, { ino: s.ino, mtimeMs: s.mtimeMs });
  }
  return entries;
}

/**
 * Cold scan then warm rescan with a fresh layer cache each round: `sbom --cache-dir NEW` (reads
 * every layer and fills the cache), then the same command again. The warm run must find the same
 * package set, and must have used the output memo or the image's catalog document (a hit touches
 * its mtime; a miss rewrites it through a new file, so its inode changes).
 */
async function warmRescan(name, path, { warmups, runs }, warnings) {
  const results = { cold: { samples: [], facts: null }, warm: { samples: [], facts: null } };
  let cacheFiles = 0;
  for (let round = 0; round < warmups + runs; round++) {
    const what = round < warmups ? "warm-up" : `run ${round - warmups + 1}/${runs}`;
    const dir = await mkdtemp(join(tmpdir(), "shipshape-bench-cache-"));
    try {
      const argv = sbomArgv(`oci-archive:${path}`, ["--cache-dir", dir]);
      const run = async (label) => {
        const sample = await measure(argv, { workDir: WORK, cwd: ROOT, captureStdout: true });
        try {
          return { sample, facts: sbomFacts(sample.stdout) };
        } catch (err) {
          throw new Error(`${label} sbom on ${name}: unexpected output (${err.message})`);
        }
      };
      const cold = await run("cold");
      logSample(name, "sbom, empty cache", what, cold.sample);
      const before = await cacheEntries(dir);
      if (before.size === 0) throw new Error(`${name}: the cold sbom wrote nothing to the cache ${dir}`);
      cacheFiles = before.size;
      const warmStart = Date.now();
      const warm = await run("warm");
      logSample(name, "sbom, warm cache", what, warm.sample);
      if (warm.facts.packageSet !== cold.facts.packageSet) {
        throw new Error(`${name}: the warm rescan found another package set than the cold scan`);
      }
      // A warm rescan of an unchanged image uses the cache and reads no layer entry (*.layer): the
      // CLI's output memo (memo-*.out, src/cli/output-memo.ts) replays the output, or else the
      // image's catalog document (doc-*.json) is read. Either one is touched by its hit.
      const after = await cacheEntries(dir);
      const hits = [...after].filter(
        ([file, e]) =>
          /^(doc-.*\.json|memo-.*\.out)$/.test(file) &&
          before.get(file)?.ino === e.ino &&
          e.mtimeMs + 5 >= warmStart,
      );
      if (hits.length !== 1) {
        warnings.push(`${name}: the warm rescan did not use the image's output memo or catalog document`);
      }
      for (const [key, r] of [
        ["cold", cold],
        ["warm", warm],
      ]) {
        results[key].facts ??= r.facts;
        if (round >= warmups) results[key].samples.push(keep(r.sample));
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  summarizeSamples(results.cold);
  summarizeSamples(results.warm);
  return { ...results, cacheFiles };
}

/** MB = 10^6 bytes (GNU time reports KiB). */
function mb(kib) {
  return (kib * 1024) / 1e6;
}

/** The tools must have read the same layers: otherwise the comparison means nothing. */
function crossCheck(name, results, warnings) {
  const floor = results.floor?.facts;
  const inspect = results.inspect?.facts;
  if (floor && inspect) {
    if (floor.uncompressedBytes !== inspect.uncompressedBytes) {
      warnings.push(
        `${name}: the floor gunzipped ${floor.uncompressedBytes} bytes but inspect reports ${inspect.uncompressedBytes} uncompressed layer bytes`,
      );
    }
    if (floor.layers !== inspect.layers) {
      warnings.push(`${name}: the floor found ${floor.layers} gzip blobs, inspect ${inspect.layers} layers`);
    }
  }
  const snyk = results.snyk?.facts;
  if (snyk && inspect && snyk.layers !== inspect.layers) {
    warnings.push(`${name}: snyk-docker-plugin reports ${snyk.layers} layers, inspect ${inspect.layers}`);
  }
}

// --- output -------------------------------------------------------------------------------------

const x = (ratio) => `${ratio.toFixed(2)}×`;

/** A table of one series; the last column compares every tool's median time with `reference`'s. */
function imageTable(title, results, reference = "floor") {
  const base = results[reference].median.seconds;
  const rows = Object.entries(results).map(([tool, r]) => [
    TOOLS[tool].label,
    r.median.seconds.toFixed(2),
    `${r.minSeconds.toFixed(2)}–${r.maxSeconds.toFixed(2)}`,
    r.median.peakRssMB.toFixed(0),
    r.median.cpuSeconds.toFixed(2),
    (r.median.cpuSeconds / r.median.seconds).toFixed(2),
    x(r.median.seconds / base),
    r.othersCpus === null ? "?" : r.othersCpus.toFixed(2),
  ]);
  const vs =
    reference === "floor" ? "floor" : TOOLS[reference].label.replace(/^shipshape /, "").split(" ")[0];
  return `${title}\n${formatTable(
    ["tool", "median s", "min–max s", "peak RSS MB", "CPU s", "CPU/wall", `time vs ${vs}`, "others' CPUs"],
    rows,
  )}`;
}

function verdict(pass) {
  return pass ? "ok" : "MISSED";
}

/** Records a target and returns its one-line verdict for the section text. */
function target(targets, name, value, op, wanted, unit = "×") {
  const pass = op === "≤" ? value <= wanted : op === "<" ? value < wanted : value >= wanted;
  targets.push({ name, value, target: `${op} ${wanted}`, pass });
  // A ratio that rounds to the target itself is shown with a third decimal, so its verdict reads right.
  const ratio = x(value) === x(wanted) ? `${value.toFixed(3)}×` : x(value);
  const shown = unit === "×" ? ratio : `${value.toFixed(0)}${unit}`;
  return `${shown} (target ${op} ${wanted}${unit}: ${verdict(pass)})`;
}

function countsTable(images, rootfs) {
  const rows = [];
  for (const [name, image] of Object.entries(images)) {
    const c = image.packageCounts;
    const snyk = c.snyk && {
      ...c.snyk,
      note: c.snyk.unresolvedJars ? `+ ${c.snyk.unresolvedJars} jars left for Snyk's service to name` : "",
    };
    const entries = [
      ["shipshape sbom", c.sbom],
      ["shipshape sbom --include-os-owned", c.sbomIncludeOsOwned],
      ["shipshape sbom dir:", rootfs[name]?.tools.sbomDir.facts.packages],
      ["snyk-docker-plugin scan", snyk],
      ["cdxgen -t docker", c.cdxgen],
      ["trivy-cdxgen rootfs", rootfs[name]?.tools.trivy.facts.packages],
    ];
    let first = true;
    for (const [tool, count] of entries) {
      if (!count) continue;
      rows.push([first ? name : "", tool, String(count.total), formatByType(count)]);
      first = false;
    }
  }
  return `Packages found (a sanity check: a tool must not be fast because it found less)\n${formatTable(
    ["image", "tool", "packages", "by purl type"],
    rows,
    "llrl",
  )}`;
}

// --- the vulnerability part: db import, matching, scan vs sbom ------------------------------------

const ms = (value) => (value < 10 ? value.toFixed(2) : value.toFixed(1));

/** A row of medians for a tool's samples (the tables of the warm rescan and the vuln part). */
function samplesRow(label, r) {
  return [
    label,
    r.median.seconds.toFixed(2),
    `${r.minSeconds.toFixed(2)}–${r.maxSeconds.toFixed(2)}`,
    r.median.peakRssMB.toFixed(0),
    r.median.cpuSeconds.toFixed(2),
    r.othersCpus === null ? "?" : r.othersCpus.toFixed(2),
  ];
}
const SAMPLES_HEADERS = ["median s", "min–max s", "peak RSS MB", "CPU s", "others' CPUs"];

/**
 * `db import` of the feed data (timed, each run into a fresh file); `matchPackages` per fixture image
 * and on 500 packages in one process with the database open (match.mjs), and in fresh processes
 * (match-cold.mjs); `scan` against `sbom` on debian12-minbase and debian12-app. The database that
 * matching and scan use is built first, untimed, into bench/.work/vuln.
 */
async function vulnerabilityPart(config, targets, sections, warnings) {
  const meter = loadMeter();
  const heading = sections.push("") - 1;
  let inputs;
  try {
    inputs = vulnInputs(sharedDir());
  } catch (err) {
    fail(`${err.message} (set SHIPSHAPE_SHARED to the shared folder)`);
  }
  await rm(VULN_DIR, { recursive: true, force: true });
  await mkdir(VULN_DIR, { recursive: true });

  // The database matching and scan use. Building it also fills the page cache with the feed files,
  // so it stands in for the timed imports' warm-up.
  log(`bench: db import into ${VULN_DB} (untimed; the database for matching and scan)`);
  const built = spawnSync(node, [SHIPSHAPE, "db", "import", "--db", VULN_DB, "--format", "json", ...inputs], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
  if (built.status !== 0)
    fail(`db import into ${VULN_DB} failed:\n${built.stderr.trim().split("\n").slice(-5).join("\n")}`);
  const imported = importFacts(built.stdout);
  const status = dbStatus(VULN_DB);
  const dbBytes = (await stat(VULN_DB)).size;
  const importWarnings = built.stderr
    .split("\n")
    .filter((l) => l.startsWith("shipshape: warning:"))
    .map((l) => l.slice("shipshape: warning: ".length));

  log(`bench: db import, ${config.runs} runs`);
  const expectedRecords = recordsKey(status);
  const importResults = await series("vuln db", inputs, ["dbImport"], {
    warmups: 0,
    runs: config.runs,
    onFacts: (_tool, facts) => {
      if (recordsKey(facts.status) !== expectedRecords) {
        warnings.push("db import: a timed import gave other record counts than the database the bench uses");
      }
    },
  });
  const dbImport = importResults.dbImport;
  const feedRows = Object.entries(status.feeds)
    .sort()
    .map(([feed, records]) => [feed, String(records)]);
  sections.push(
    `Vulnerability database: db import of ${inputs.length} inputs (../shared/data/vuln/feeds and fixture payloads, bench/lib/vuln-data.mjs) into a fresh file; median of ${config.runs} runs
${formatTable(["shipshape db import", ...SAMPLES_HEADERS], [samplesRow("--format json, --db FRESH", dbImport)])}
  database: ${(dbBytes / 1e6).toFixed(1)} MB; ${status.counts.vulnerabilities} vulnerabilities, ${status.counts.affected} affected records, ${status.counts.kev} KEV, ${status.counts.epss} EPSS (db status); ${imported.unrecognised} paths no feed recognised
${formatTable(["feed", "records"], feedRows)}`,
  );

  // In-process matching, one process: every fixture image, then the synthetic 500 packages.
  const imageDir = join(sharedDir(), "fixtures", "images");
  const imageNames = (await readdir(imageDir)).filter((n) => n.endsWith(".oci.tar")).sort();
  const syntheticFile = join(VULN_DIR, `synthetic-${SYNTHETIC_SIZE}.json`);
  log(`bench: matchPackages on ${imageNames.length} images and ${SYNTHETIC_SIZE} packages, in one process`);
  const matchSample = await measure(
    [
      node,
      join(BENCH, "workers", "match.mjs"),
      "--build",
      BUILD_DIR,
      "--db",
      VULN_DB,
      "--reps",
      String(config.matchReps),
      "--warmups",
      "20",
      "--synthetic",
      String(SYNTHETIC_SIZE),
      "--synthetic-base",
      sharedFixture("debian12-app.oci.tar"),
      "--save-synthetic",
      syntheticFile,
      ...imageNames.map((n) => join(imageDir, n)),
    ],
    { workDir: WORK, cwd: ROOT, captureStdout: true },
  );
  let match;
  try {
    match = matchFacts(matchSample.stdout, { images: imageNames, synthetic: SYNTHETIC_SIZE });
  } catch (err) {
    throw new Error(`match.mjs: unexpected output (${err.message}): ${matchSample.stdout.slice(0, 300)}`);
  }
  const matchOthers =
    matchSample.othersCpuSeconds === null ? null : matchSample.othersCpuSeconds / matchSample.seconds;

  log(
    `bench: the synthetic ${SYNTHETIC_SIZE} packages in a fresh process, ${config.runs} runs after 1 warm-up`,
  );
  const cold = [];
  const coldResults = await series(`synthetic ${SYNTHETIC_SIZE}`, syntheticFile, ["matchCold"], {
    warmups: 1,
    runs: config.runs,
    onFacts: (_tool, facts, warm) => {
      if (!warm) cold.push(facts);
    },
  });
  const coldMedian = Object.fromEntries(
    ["moduleLoadMs", "openMs", "firstMs", "secondMs"].map((k) => [k, median(cold.map((c) => c[k]))]),
  );
  if (cold.some((c) => c.findings !== match.synthetic.findings)) {
    warnings.push("the synthetic packages gave other findings in a fresh process than in the match worker");
  }

  const s = match.synthetic;
  const namespaces = (r) =>
    r.namespaces.map((n) => (r.missingNamespaces.includes(n) ? `${n} (no data)` : n)).join(", ");
  const matchRow = (label, r, os, ns) => [
    label,
    os ?? "",
    ns,
    String(r.packages),
    String(r.matchedPackages),
    String(r.findings),
    ms(r.firstMs),
    ms(r.medianMs),
    ms(r.p90Ms),
    `${ms(r.minMs)}–${ms(r.maxMs)}`,
  ];
  const byType = Object.entries(s.byType)
    .map(([type, n]) => `${type} ${n}`)
    .join(", ");
  sections.push(
    `matchPackages with the database open (bench/workers/match.mjs, in one process; catalog as scan's default, made once per image): first call, then median of ${config.matchReps} calls after 20 warm-ups
${formatTable(
  [
    "image",
    "OS",
    "namespaces",
    "packages",
    "looked up",
    "findings",
    "first ms",
    "median ms",
    "p90 ms",
    "min–max ms",
  ],
  [
    ...Object.entries(match.images).map(([name, r]) => matchRow(name, r, r.os, namespaces(r))),
    matchRow(`synthetic ${SYNTHETIC_SIZE}`, s, s.base.replace(/\.oci\.tar$/, ""), byType),
  ],
  "lllrrrrrrr",
)}
  synthetic ${SYNTHETIC_SIZE}: ${s.base}'s ${s.basePackages} packages + ${s.added} npm/PyPI/Go/crates.io packages named in the database (every other one at 0.0.1, the rest at 9999.0.0)
  ${SYNTHETIC_SIZE} packages, median with the database open: ${target(targets, `synthetic ${SYNTHETIC_SIZE} packages: match median (ms)`, s.medianMs, "<", TARGETS.matchMsPer500, " ms")}; p90 ${ms(s.p90Ms)} ms
  the open: ${ms(match.firstOpenMs)} ms the first time (loads better-sqlite3), ${ms(match.reopen.medianMs)} ms again (median of 20); loading the catalog and match modules: ${ms(match.moduleLoadMs)} ms
  in a fresh process, as one scan runs it (bench/workers/match-cold.mjs, median of ${config.runs}): modules ${ms(coldMedian.moduleLoadMs)} ms, open ${ms(coldMedian.openMs)} ms, first match ${ms(coldMedian.firstMs)} ms, second ${ms(coldMedian.secondMs)} ms
  the match process: ${matchSample.seconds.toFixed(1)} s, peak RSS ${mb(matchSample.peakRssKiB).toFixed(0)} MB (with the catalogs), others' CPUs ${matchOthers === null ? "?" : matchOthers.toFixed(2)}`,
  );

  // scan against sbom, interleaved, on the two Debian images.
  const scanVsSbom = {};
  for (const name of ["debian12-minbase.oci.tar", "debian12-app.oci.tar"]) {
    const path = sharedFixture(name);
    log(`bench: ${name}: scan vs sbom, ${config.runs} runs after 1 warm-up`);
    const results = await series(name, path, ["sbom", "check", "scan"], { warmups: 1, runs: config.runs });
    const scan = results.scan.facts;
    if (scan.packageSet !== results.sbom.facts.packageSet) {
      warnings.push(`${name}: scan's packages are not the same set as sbom's`);
    }
    const inProcess = match.images[name];
    if (inProcess && inProcess.findings !== scan.vulnerabilities) {
      warnings.push(
        `${name}: scan reported ${scan.vulnerabilities} vulnerabilities, matchPackages in the match worker ${inProcess.findings}`,
      );
    }
    const ratio = results.scan.median.seconds / results.sbom.median.seconds;
    const overCheck = results.scan.median.seconds / results.check.median.seconds;
    const matchExtra = results.scan.median.seconds - results.check.median.seconds;
    const extra = results.scan.median.seconds - results.sbom.median.seconds;
    const extraCpu = results.scan.median.cpuSeconds - results.sbom.median.cpuSeconds;
    scanVsSbom[name] = {
      tools: results,
      ratios: {
        scanOverSbom: ratio,
        scanMinusSbomSeconds: extra,
        scanOverCheck: overCheck,
        scanMinusCheckSeconds: matchExtra,
      },
    };
    sections.push(
      `${imageTable(`${name}: scan (--db the bench's database) vs sbom; median of ${config.runs} runs`, results, "sbom")}
  scan / check (what the database, matching, grade and policy add): ${target(targets, `${name}: scan / check (time)`, overCheck, "≤", TARGETS.scanOverSbom)}, ${(matchExtra * 1000).toFixed(0)} ms
  scan / sbom (scan also runs the hygiene checks): ${target(targets, `${name}: scan / sbom (time)`, ratio, "≤", TARGETS.scanOverSbom)} time, ${x(results.scan.median.peakRssMB / results.sbom.median.peakRssMB)} peak RSS
  scan − sbom: ${(extra * 1000).toFixed(0)} ms wall, ${(extraCpu * 1000).toFixed(0)} ms CPU; its ${scan.vulnerabilities} vulnerabilities for ${scan.matchedPackages} packages took matchPackages ${inProcess ? `${ms(inProcess.firstMs)} ms the first time, ${ms(inProcess.medianMs)} ms warm` : "?"} in the match worker`,
    );
  }

  const othersSeconds = meter.othersCpuSeconds();
  const othersCpus = othersSeconds === null ? null : othersSeconds / meter.seconds();
  if (othersCpus !== null && othersCpus > 0.25) {
    warnings.push(
      `other processes kept ${othersCpus.toFixed(2)} CPUs busy during the vulnerability part: rerun it on a quieter machine with --vuln-only`,
    );
  }
  sections[heading] =
    `=== Vulnerability database, matching, scan (other processes used ${othersCpus === null ? "?" : othersCpus.toFixed(2)} CPUs on average meanwhile) ===`;
  return {
    inputs,
    othersCpus,
    db: {
      path: VULN_DB,
      bytes: dbBytes,
      status,
      importWarnings,
      import: dbImport,
    },
    match: { ...match, sample: keep(matchSample), othersCpus: matchOthers },
    matchCold: { runs: cold, median: coldMedian, tools: coldResults },
    scanVsSbom,
  };
}

// --- audit: audit scan with Falco's k8s rules (bench/audit.mjs) --------------------------------

async function auditPart(config, targets, sections) {
  log(`bench: audit scan on ${config.auditEvents} generated events, ${config.runs} runs after 1 warm-up`);
  const r = await runAuditBench({
    events: config.auditEvents,
    runs: config.runs,
    build: BUILD_DIR,
    workDir: WORK,
  });
  targets.push({
    name: "audit scan: events per CPU-second, whole CLI, Falco k8s rules",
    value: r.cliEventsPerCpuSecond,
    target: `≥ ${AUDIT_TARGET}`,
    pass: r.met,
  });
  sections.push(formatAuditBench(r).join("\n"));
  // Webhook ingest throughput (audit serve on loopback, autocannon): no target, the figure.
  log("bench: audit serve webhook ingest, 10 s of autocannon");
  const ingest = spawnSync(process.execPath, [join(BENCH, "audit-ingest.mjs"), "--duration", "10"], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (ingest.status === 0) {
    sections.push(ingest.stdout.trimEnd());
    r.ingest = ingest.stdout;
  } else {
    sections.push(`audit serve webhook ingest: FAILED (${(ingest.stderr || "").trim().split("\n").pop()})`);
  }
  return r;
}

/** --audit-only: the audit part and its own short report. */
async function auditOnly(config, build) {
  const targets = [];
  const sections = [];
  const loadBefore = loadavg()[0];
  const audit = await auditPart(config, targets, sections);
  const source = `shipshape ${build.commit ?? "(no git)"}${build.srcChanged ? ` + ${build.srcChanged} uncommitted file(s) in src/` : ""}`;
  process.stdout.write(
    `\n${source} audit bench — ${cpus()[0]?.model ?? "unknown CPU"}, Node ${process.version}; load average ${loadBefore.toFixed(2)} at start, ${loadavg()[0].toFixed(2)} at end (the figure is CPU time, so load inflates it less than wall time)\n\n${sections.join("\n\n")}\n`,
  );
  const resultsPath = join(WORK, "results-audit.json");
  await writeFile(
    resultsPath,
    `${JSON.stringify({ date: new Date().toISOString(), config, audit, targets }, null, 2)}\n`,
  );
  process.stdout.write(`\nJSON summary: ${resultsPath}\n`);
}

async function main() {
  const config = options();
  await mkdir(WORK, { recursive: true });
  if (config.auditOnly) {
    if (!existsSync(join(ROOT, "dist", "cli", "main.js")))
      fail("dist/ is missing: build first (npm run build)");
    if (!existsSync(GNU_TIME)) fail(`${GNU_TIME} (GNU time) is missing: apt-get install time`);
    await auditOnly(config, await snapshotBuild(ROOT, BUILD_DIR));
    return;
  }
  checkPrerequisites();
  ensureBenchDependencies();
  const build = await snapshotBuild(ROOT, BUILD_DIR);

  const warnings = [];
  const meter = loadMeter();
  const loadBefore = loadavg()[0];
  if (loadBefore > availableParallelism() / 2) {
    warnings.push(
      `the 1-minute load average was ${loadBefore.toFixed(2)} on ${availableParallelism()} CPUs when the bench started: other processes compete for the CPU, so times are noisy`,
    );
  }
  const targets = [];
  const images = {};
  const sections = [];
  const imageTools = [
    "floor",
    "floorParallel",
    "inspect",
    "sbom",
    "snyk",
    ...(config.cdxgen ? ["cdxgen"] : []),
  ];

  for (const name of config.vulnOnly ? [] : ["debian12-minbase.oci.tar", "debian12-app.oci.tar"]) {
    const path = sharedFixture(name);
    log(`bench: ${name}, ${config.runs} runs after 1 warm-up`);
    const results = await series(name, path, imageTools, { warmups: 1, runs: config.runs });
    crossCheck(name, results, warnings);
    const facts = results.inspect.facts;
    const withOwned = await runTool(name, "sbomOsOwned", path);
    images[name] = {
      path,
      archiveBytes: (await stat(path)).size,
      ...facts,
      tools: results,
      packageCounts: {
        sbom: results.sbom.facts.packages,
        sbomIncludeOsOwned: withOwned.facts.packages,
        snyk: results.snyk.facts.packages,
        cdxgen: results.cdxgen?.facts.packages ?? null,
      },
    };
    const m = (tool) => results[tool].median;
    const r = {
      inspectOverFloor: m("inspect").seconds / m("floor").seconds,
      inspectOverFloorParallel: m("inspect").seconds / m("floorParallel").seconds,
      snykOverInspect: m("snyk").seconds / m("inspect").seconds,
      inspectRssOverFloorRss: m("inspect").peakRssMB / m("floor").peakRssMB,
      snykRssOverInspectRss: m("snyk").peakRssMB / m("inspect").peakRssMB,
      inspectCpuOverWall: m("inspect").cpuSeconds / m("inspect").seconds,
      sbomOverFloor: m("sbom").seconds / m("floor").seconds,
      sbomOverInspect: m("sbom").seconds / m("inspect").seconds,
      snykOverSbom: m("snyk").seconds / m("sbom").seconds,
      snykRssOverSbomRss: m("snyk").peakRssMB / m("sbom").peakRssMB,
      cdxgenOverSbom: results.cdxgen ? m("cdxgen").seconds / m("sbom").seconds : null,
      cdxgenRssOverSbomRss: results.cdxgen ? m("cdxgen").peakRssMB / m("sbom").peakRssMB : null,
      sbomWorstPeakRssMB: results.sbom.maxPeakRssMB,
    };
    images[name].ratios = r;
    const lines = [
      `inspect / floor: ${target(targets, `${name}: inspect / floor (time)`, r.inspectOverFloor, "≤", TARGETS.inspectOverFloor)} time, ${x(r.inspectRssOverFloorRss)} peak RSS; inspect / parallel floor: ${x(r.inspectOverFloorParallel)}`,
      `sbom / floor:    ${target(targets, `${name}: sbom / floor (time)`, r.sbomOverFloor, "≤", TARGETS.sbomOverFloor)} time; sbom / inspect: ${x(r.sbomOverInspect)}`,
      `sbom peak RSS:   median ${m("sbom").peakRssMB.toFixed(0)} MB, worst ${target(targets, `${name}: sbom peak RSS (MB, worst run)`, r.sbomWorstPeakRssMB, "≤", TARGETS.sbomRssMaxMB, " MB")}`,
      `snyk / sbom:     ${target(targets, `${name}: snyk / sbom (time)`, r.snykOverSbom, "≥", TARGETS.snykOverSbom)} time, ${x(r.snykRssOverSbomRss)} peak RSS`,
    ];
    if (results.cdxgen) {
      lines.push(
        `cdxgen / sbom:   ${target(targets, `${name}: cdxgen / sbom (time)`, r.cdxgenOverSbom, "≥", TARGETS.cdxgenOverSbom)} time, ${x(r.cdxgenRssOverSbomRss)} peak RSS`,
      );
    }
    lines.push(
      `snyk / inspect:  ${x(r.snykOverInspect)} time, ${x(r.snykRssOverInspectRss)} peak RSS`,
      `inspect CPU/wall: ${r.inspectCpuOverWall.toFixed(2)} (above 1 means work on several cores)`,
    );
    sections.push(
      `${imageTable(
        `${name}: ${(images[name].archiveBytes / 1e6).toFixed(1)} MB archive, ${facts.layers} layer(s), ${(facts.uncompressedBytes / 1e6).toFixed(1)} MB uncompressed; median of ${config.runs} runs`,
        results,
      )}\n${lines.map((l) => `  ${l}`).join("\n")}`,
    );
  }

  // --- the unpacked root filesystem: sbom dir: against Trivy's cataloger ------------------------
  const rootfs = {};
  if (config.vulnOnly) {
    // only the vulnerability part
  } else if (!haveUmoci()) {
    warnings.push("umoci is missing (apt-get install umoci): sbom dir: against Trivy was skipped");
  } else if (!existsSync(PEERS.trivy.binary)) {
    warnings.push(
      `${PEERS.trivy.binary} is missing (the plugin package ships only for linux-amd64): sbom dir: against Trivy was skipped`,
    );
  } else {
    for (const name of Object.keys(images)) {
      log(`bench: ${name}: root filesystem (unpacked once with umoci into bench/.work/rootfs)`);
      const root = await unpackedRootfs(images[name].path, WORK);
      const results = await series(
        `${name} rootfs`,
        root,
        ["sbomDir", "trivy", "sbomStartup", "trivyStartup"],
        {
          warmups: 1,
          runs: config.runs,
        },
      );
      if (results.sbomDir.facts.packageSet !== images[name].tools.sbom.facts.packageSet) {
        warnings.push(
          `${name}: sbom dir: on the unpacked root found another package set than sbom on the archive`,
        );
      }
      const ratio = results.sbomDir.median.seconds / results.trivy.median.seconds;
      // The work each does above its own start-up (median minus median).
      const sbomWork = results.sbomDir.median.seconds - results.sbomStartup.median.seconds;
      const trivyWork = results.trivy.median.seconds - results.trivyStartup.median.seconds;
      const sbomWorkCpu = results.sbomDir.median.cpuSeconds - results.sbomStartup.median.cpuSeconds;
      const trivyWorkCpu = results.trivy.median.cpuSeconds - results.trivyStartup.median.cpuSeconds;
      rootfs[name] = {
        root,
        tools: results,
        ratios: { sbomDirOverTrivy: ratio, sbomWork, trivyWork, sbomWorkCpu, trivyWorkCpu },
      };
      sections.push(
        `${imageTable(`${name}, unpacked root filesystem (${root}); median of ${config.runs} runs`, results, "trivy")}\n  sbom dir: / trivy: ${target(targets, `${name}: sbom dir: / trivy rootfs (time)`, ratio, "≤", TARGETS.sbomDirOverTrivy)} time, ${x(results.sbomDir.median.peakRssMB / results.trivy.median.peakRssMB)} peak RSS\n  above start-up (median − --version median): sbom dir: ${sbomWork.toFixed(2)} s (CPU ${sbomWorkCpu.toFixed(2)} s), trivy ${trivyWork.toFixed(2)} s (CPU ${trivyWorkCpu.toFixed(2)} s)`,
      );
    }
  }

  // --- warm rescan: the layer cache -------------------------------------------------------------
  const warm = {};
  for (const name of Object.keys(images)) {
    log(
      `bench: ${name}: cold scan and warm rescan, fresh cache each round, ${config.runs} runs after 1 warm-up`,
    );
    const results = await warmRescan(name, images[name].path, { warmups: 1, runs: config.runs }, warnings);
    if (results.cold.facts.packageSet !== images[name].tools.sbom.facts.packageSet) {
      warnings.push(`${name}: sbom with a cache found another package set than sbom --no-cache`);
    }
    const ratio = results.warm.median.seconds / results.cold.median.seconds;
    warm[name] = { ...results, ratios: { warmOverCold: ratio } };
    sections.push(
      `${name}: warm rescan (${results.cacheFiles} cache entries); median of ${config.runs} runs\n${formatTable(
        ["shipshape sbom", ...SAMPLES_HEADERS],
        [
          samplesRow("--no-cache (from the table above)", images[name].tools.sbom),
          samplesRow("cold: --cache-dir EMPTY", results.cold),
          samplesRow("warm: --cache-dir FILLED", results.warm),
        ],
      )}\n  warm / cold: ${target(targets, `${name}: sbom warm / cold (time)`, ratio, "<", TARGETS.warmOverCold)} time`,
    );
  }

  if (!config.vulnOnly) sections.push(countsTable(images, rootfs));

  const vuln = config.vuln ? await vulnerabilityPart(config, targets, sections, warnings) : null;

  let large = null;
  if (config.large) {
    const path = join(WORK, `large-${config.largeGib}gib.oci.tar`);
    log(`bench: generating (or reusing) ${path}`);
    const made = spawnSync(
      node,
      [join(BENCH, "large", "make-large-image.mjs"), "--out", path, "--gib", String(config.largeGib)],
      { stdio: ["ignore", "inherit", "inherit"] },
    );
    if (made.status !== 0) fail("generating the large image failed");
    log(`bench: large image, ${config.largeRuns} runs after 1 warm-up of the floor`);
    // The floor's warm-up pulls the archive into the page cache; inspect's first run is measured.
    await series("large", path, ["floor"], { warmups: 1, runs: 0 });
    const results = await series("large", path, ["floor", "floorParallel", "inspect"], {
      warmups: 0,
      runs: config.largeRuns,
    });
    crossCheck("large", results, warnings);
    const facts = results.inspect.facts;
    const small = images["debian12-minbase.oci.tar"].tools.inspect;
    const rssOverSmall = results.inspect.median.peakRssMB / small.median.peakRssMB;
    const maxRss = results.inspect.maxPeakRssMB;
    large = {
      path,
      archiveBytes: (await stat(path)).size,
      ...facts,
      tools: results,
      ratios: {
        inspectOverFloor: results.inspect.median.seconds / results.floor.median.seconds,
        inspectOverFloorParallel: results.inspect.median.seconds / results.floorParallel.median.seconds,
        inspectRssOverSmallInspectRss: rssOverSmall,
      },
    };
    targets.push(
      {
        name: "large: inspect peak RSS / debian12-minbase inspect peak RSS",
        value: rssOverSmall,
        target: `≤ ${TARGETS.largeRssOverSmall}`,
        pass: rssOverSmall <= TARGETS.largeRssOverSmall,
      },
      {
        name: "large: inspect peak RSS (MB, worst run)",
        value: maxRss,
        target: `< ${TARGETS.largeRssMaxMB}`,
        pass: maxRss < TARGETS.largeRssMaxMB,
      },
    );
    sections.push(
      `${imageTable(
        `${basename(path)}: ${(large.archiveBytes / 1e6).toFixed(0)} MB archive, ${facts.layers} layers, ${(facts.uncompressedBytes / 1e6).toFixed(0)} MB uncompressed, ${facts.regularFiles} files; median of ${config.largeRuns} runs`,
        results,
      )}\n  inspect peak RSS: ${results.inspect.median.peakRssMB.toFixed(0)} MB here vs ${small.median.peakRssMB.toFixed(0)} MB on debian12-minbase = ${x(rssOverSmall)} (target ≤ ${TARGETS.largeRssOverSmall}×: ${verdict(rssOverSmall <= TARGETS.largeRssOverSmall)}); worst run ${maxRss.toFixed(0)} MB (target < ${TARGETS.largeRssMaxMB} MB: ${verdict(maxRss < TARGETS.largeRssMaxMB)})\n  inspect / floor: ${x(large.ratios.inspectOverFloor)} time; inspect / parallel floor: ${x(large.ratios.inspectOverFloorParallel)}`,
    );
  }

  const audit = config.audit ? await auditPart(config, targets, sections) : null;

  const summary = formatTable(
    ["target", "value", "wanted", "verdict"],
    targets.map((t) => [t.name, t.value.toFixed(t.value < 10 ? 3 : 2), t.target, verdict(t.pass)]),
  );
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const loadAfter = loadavg()[0];
  const othersCpuSeconds = meter.othersCpuSeconds();
  const othersCpus = othersCpuSeconds === null ? null : othersCpuSeconds / meter.seconds();
  if (othersCpus !== null && othersCpus > 0.25) {
    warnings.push(
      `other processes kept ${othersCpus.toFixed(2)} of ${availableParallelism()} CPUs busy on average during the bench: times are noisy (the "others' CPUs" column says when)`,
    );
  }
  const versions = `snyk-docker-plugin ${PEERS.snyk.version}, cdxgen ${PEERS.cdxgen.version} (plugins ${PEERS.cdxgen.pluginVersion}), trivy-cdxgen from plugins ${PEERS.trivy.pluginVersion}`;
  const source = `shipshape ${build.commit ?? "(no git)"}${build.srcChanged ? ` + ${build.srcChanged} uncommitted file(s) in src/` : ""}`;
  const header = `${source} bench — ${cpu}, ${availableParallelism()} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}; load average ${loadBefore.toFixed(2)} at start, ${loadAfter.toFixed(2)} at end; other processes used ${othersCpus === null ? "?" : othersCpus.toFixed(2)} CPUs on average\npeers: ${versions}`;
  process.stdout.write(
    `\n${header}\n\n${sections.join("\n\n")}\n\nTargets\n${summary}\n${warnings.map((w) => `WARNING: ${w}\n`).join("")}`,
  );

  const resultsPath = join(WORK, "results.json");
  await writeFile(
    resultsPath,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: {
          cpu,
          cpus: availableParallelism(),
          memoryBytes: totalmem(),
          node: process.version,
          platform: process.platform,
          loadAverageAtStart: loadBefore,
          loadAverageAtEnd: loadAfter,
          othersCpusDuringBench: othersCpus,
        },
        config,
        build: { commit: build.commit, uncommittedSrcFiles: build.srcChanged },
        peers: PEERS,
        units: { seconds: "wall clock", peakRssKiB: "GNU time %M", peakRssMB: "10^6 bytes" },
        images,
        rootfs,
        warm,
        large,
        vuln,
        audit,
        targets,
        warnings,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`\nJSON summary: ${resultsPath}\n`);
}

await main();
