#!/usr/bin/env node
// Keep V8's young generation from growing: shipshape streams many large Buffers whose small JS
// wrappers fill the young generation slowly, so a grown one holds dead chunk memory for long. With
// growth off, peak memory stays flat (measured: sbom 153 → 115 MB, inspect of a 2 GiB image
// 118 → 104 MB) at no cost in time. It must be set before the heap grows, so before anything loads.
import v8 from "node:v8";

v8.setFlagsFromString("--semi-space-growth-factor=1");

// The image commands run for about a second, most of it in zlib and sha256. V8's optimizing compiler
// (TurboFan) by default starts on code after little use and competes with zlib for the second core;
// letting code run 16 times longer (2 MiB of bytecode budget instead of 132 KiB) before it is
// optimized keeps TurboFan for the truly hot loops (tar headers of a 2 GiB image) and off the rest.
// Measured on this machine, median of 4 (default → this): sbom debian12-minbase 0.59 → 0.54 s, CPU
// 0.75 → 0.63 s, peak 103 → 94 MB; debian12-app 0.84 → 0.77 s, 111 → 103 MB; inspect of a 2 GiB
// image the same. (--max-opt=1, no TurboFan at all, saved more memory but made debian12-app 0.89 s
// and the 2 GiB inspect 5% slower.) Long runs of JavaScript — audit event streams, db imports —
// keep V8's defaults.
const IMAGE_COMMANDS = new Set(["inspect", "sbom", "scan", "check", "lint"]);
if (IMAGE_COMMANDS.has(process.argv[2] ?? "")) v8.setFlagsFromString("--interrupt-budget=2097152");

// A rescan of an unchanged archive with the same command line prints the output remembered from
// the last run without loading the CLI (src/cli/output-memo.ts says when that is exact).
const replayed =
  process.argv[2] === "sbom" &&
  (await import("../dist/cli-bundle/output-memo.js")).replayOutput(process.argv.slice(2));

// The bundled CLI (scripts/bundle-cli.mjs) starts faster than tsc's one-file-per-module output.
if (!replayed) runCli();

async function runCli() {
  // A reader that closes the pipe early (`shipshape scan … | head`) ends the process as SIGPIPE ends
  // git or cat: quietly, with 128 + 13, so `set -o pipefail` still sees that the output was cut.
  process.stdout.on("error", (err) => {
    if (err && err.code === "EPIPE") process.exit(141);
    throw err;
  });

  const { main } = await import("../dist/cli-bundle/main.js");
  return main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      // main() turns every known failure into a one-line message; this is the last resort.
      process.stderr.write(
        `shipshape: internal error: ${err instanceof Error ? err.message : String(err)}\n`,
      );
      process.exitCode = 2;
    },
  );
}
