/**
 * shipshape's benchmark: `shipshape inspect` side by side with the decompress-only floor and
 * snyk-docker-plugin on real images, and peak memory on a generated ~2 GiB image. Every run is its
 * own process under GNU time; runs of the tools are interleaved so drift hits all alike. Prints
 * tables of medians and ratios against the targets and writes bench/.work/results.json.
 *
 *   npm run bench [-- --runs 5 --large-runs 3 --large-gib 2 --no-large]
 *
 * Environment equivalents: BENCH_RUNS, BENCH_LARGE_RUNS, BENCH_LARGE_GIB, BENCH_NO_LARGE=1,
 * SHIPSHAPE_SHARED (where fixtures/ is; default ../shared next to the repository).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { GNU_TIME, measure, median } from "./lib/measure.mjs";
import { formatTable } from "./lib/table.mjs";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(BENCH, "..");
const WORK = join(BENCH, ".work");
const SHIPSHAPE = join(ROOT, "bin", "shipshape.js");

const TARGETS = {
  inspectOverFloor: 1.3,
  largeRssOverSmall: 1.2,
  largeRssMaxMB: 120,
};

const HELP = `usage: npm run bench [-- options]
  --runs N          measured runs per tool on the fixture images (default 5, after 1 warm-up)
  --large-runs N    measured runs per tool on the generated large image (default 3)
  --large-gib X     uncompressed size of the generated image in GiB (default 2)
  --no-large        skip the generated large image (saves ~2 GiB of disk and a few minutes)
  -h, --help        this text
Environment: BENCH_RUNS, BENCH_LARGE_RUNS, BENCH_LARGE_GIB, BENCH_NO_LARGE=1, SHIPSHAPE_SHARED.`;

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string" },
      "large-runs": { type: "string" },
      "large-gib": { type: "string" },
      "no-large": { type: "boolean", default: false },
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
  return {
    runs: count(values.runs ?? process.env.BENCH_RUNS ?? "5", "--runs"),
    largeRuns: count(values["large-runs"] ?? process.env.BENCH_LARGE_RUNS ?? "3", "--large-runs"),
    largeGib: gib,
    large: !values["no-large"] && !["1", "true", "yes"].includes(process.env.BENCH_NO_LARGE ?? ""),
  };
}

function fail(message) {
  process.stderr.write(`bench: ${message}\n`);
  process.exit(2);
}

const log = (line) => process.stderr.write(`${line}\n`);

/** bench/ keeps its own dependencies (the peers); install them from its lock file when missing. */
function ensureBenchDependencies() {
  if (existsSync(join(BENCH, "node_modules", "snyk-docker-plugin", "package.json"))) return;
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

function sharedFixture(name) {
  const shared = process.env.SHIPSHAPE_SHARED
    ? resolve(process.env.SHIPSHAPE_SHARED)
    : resolve(ROOT, "..", "shared");
  const path = join(shared, "fixtures", "images", name);
  if (!existsSync(path)) fail(`fixture ${path} not found (set SHIPSHAPE_SHARED to the shared folder)`);
  return path;
}

// --- the tools ----------------------------------------------------------------------------------

const node = process.execPath;

/** Each tool: how to run it on an archive, and what its output says it did (checked every run). */
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
  snyk: {
    label: "snyk-docker-plugin scan",
    argv: (path) => [node, join(BENCH, "workers", "snyk-scan.mjs"), path],
    facts: (stdout) => JSON.parse(stdout),
  },
};

/**
 * Runs `warmups` unmeasured then `runs` measured rounds; each round runs every tool once, in order.
 * Returns per tool: the samples, the medians and the facts its output reported.
 */
async function series(name, path, toolNames, { warmups, runs }) {
  const results = Object.fromEntries(toolNames.map((t) => [t, { samples: [], facts: null }]));
  for (let round = 0; round < warmups + runs; round++) {
    const warm = round < warmups;
    for (const tool of toolNames) {
      const sample = await measure(TOOLS[tool].argv(path), { workDir: WORK, cwd: ROOT, captureStdout: true });
      let facts;
      try {
        facts = TOOLS[tool].facts(sample.stdout);
      } catch (err) {
        throw new Error(
          `${tool} on ${name}: unexpected output (${err.message}): ${sample.stdout.slice(0, 300)}`,
        );
      }
      results[tool].facts ??= facts;
      const what = warm ? "warm-up" : `run ${round - warmups + 1}/${runs}`;
      log(
        `  ${name} ${TOOLS[tool].label.padEnd(24)} ${what.padEnd(9)} ${sample.seconds.toFixed(2)} s  ${mb(sample.peakRssKiB).toFixed(0)} MB`,
      );
      if (!warm) {
        results[tool].samples.push({
          seconds: sample.seconds,
          peakRssKiB: sample.peakRssKiB,
          cpuSeconds: sample.cpuSeconds,
        });
      }
    }
  }
  for (const tool of toolNames) {
    const s = results[tool].samples;
    results[tool].median = {
      seconds: median(s.map((x) => x.seconds)),
      peakRssMB: mb(median(s.map((x) => x.peakRssKiB))),
      cpuSeconds: median(s.map((x) => x.cpuSeconds)),
    };
    results[tool].minSeconds = Math.min(...s.map((x) => x.seconds));
    results[tool].maxSeconds = Math.max(...s.map((x) => x.seconds));
    results[tool].maxPeakRssMB = mb(Math.max(...s.map((x) => x.peakRssKiB)));
  }
  return results;
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

function imageTable(title, results) {
  const floor = results.floor.median.seconds;
  const rows = Object.entries(results).map(([tool, r]) => [
    TOOLS[tool].label,
    r.median.seconds.toFixed(2),
    `${r.minSeconds.toFixed(2)}–${r.maxSeconds.toFixed(2)}`,
    r.median.peakRssMB.toFixed(0),
    r.median.cpuSeconds.toFixed(2),
    (r.median.cpuSeconds / r.median.seconds).toFixed(2),
    x(r.median.seconds / floor),
  ]);
  return `${title}\n${formatTable(
    ["tool", "median s", "min–max s", "peak RSS MB", "CPU s", "CPU/wall", "time vs floor"],
    rows,
  )}`;
}

function verdict(pass) {
  return pass ? "ok" : "MISSED";
}

async function main() {
  const config = options();
  await mkdir(WORK, { recursive: true });
  checkPrerequisites();
  ensureBenchDependencies();

  const warnings = [];
  const loadBefore = loadavg()[0];
  if (loadBefore > availableParallelism() / 2) {
    warnings.push(
      `the 1-minute load average was ${loadBefore.toFixed(2)} on ${availableParallelism()} CPUs when the bench started: other processes compete for the CPU, so times are noisy`,
    );
  }
  const targets = [];
  const images = {};
  const sections = [];

  for (const name of ["debian12-minbase.oci.tar", "debian12-app.oci.tar"]) {
    const path = sharedFixture(name);
    log(`bench: ${name}, ${config.runs} runs after 1 warm-up`);
    const results = await series(name, path, ["floor", "floorParallel", "inspect", "snyk"], {
      warmups: 1,
      runs: config.runs,
    });
    crossCheck(name, results, warnings);
    const facts = results.inspect.facts;
    images[name] = { path, archiveBytes: (await stat(path)).size, ...facts, tools: results };
    const inspectOverFloor = results.inspect.median.seconds / results.floor.median.seconds;
    const snykOverInspect = results.snyk.median.seconds / results.inspect.median.seconds;
    const inspectCpuOverWall = results.inspect.median.cpuSeconds / results.inspect.median.seconds;
    targets.push({
      name: `${name}: inspect / floor (time)`,
      value: inspectOverFloor,
      target: `≤ ${TARGETS.inspectOverFloor}`,
      pass: inspectOverFloor <= TARGETS.inspectOverFloor,
    });
    images[name].ratios = {
      inspectOverFloor,
      inspectOverFloorParallel: results.inspect.median.seconds / results.floorParallel.median.seconds,
      snykOverInspect,
      inspectRssOverFloorRss: results.inspect.median.peakRssMB / results.floor.median.peakRssMB,
      snykRssOverInspectRss: results.snyk.median.peakRssMB / results.inspect.median.peakRssMB,
      inspectCpuOverWall,
    };
    const r = images[name].ratios;
    sections.push(
      `${imageTable(
        `${name}: ${(images[name].archiveBytes / 1e6).toFixed(1)} MB archive, ${facts.layers} layer(s), ${(facts.uncompressedBytes / 1e6).toFixed(1)} MB uncompressed; median of ${config.runs} runs`,
        results,
      )}\n  inspect / floor: ${x(r.inspectOverFloor)} time (target ≤ ${TARGETS.inspectOverFloor}×: ${verdict(r.inspectOverFloor <= TARGETS.inspectOverFloor)}), ${x(r.inspectRssOverFloorRss)} peak RSS; inspect / parallel floor: ${x(r.inspectOverFloorParallel)}\n  snyk / inspect:  ${x(r.snykOverInspect)} time, ${x(r.snykRssOverInspectRss)} peak RSS\n  inspect CPU/wall: ${r.inspectCpuOverWall.toFixed(2)} (above 1 means work on several cores)`,
    );
  }

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

  const summary = formatTable(
    ["target", "value", "wanted", "verdict"],
    targets.map((t) => [t.name, t.value.toFixed(2), t.target, verdict(t.pass)]),
  );
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const loadAfter = loadavg()[0];
  const header = `shipshape bench — ${cpu}, ${availableParallelism()} CPUs, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}; load average ${loadBefore.toFixed(2)} at start, ${loadAfter.toFixed(2)} at end`;
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
        },
        config,
        units: { seconds: "wall clock", peakRssKiB: "GNU time %M", peakRssMB: "10^6 bytes" },
        images,
        large,
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
