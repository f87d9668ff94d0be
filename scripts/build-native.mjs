// Builds shipshape's one native addon, native/isal-inflate (gzip inflate on Intel's ISA-L, about
// twice as fast as node:zlib), and puts it at dist/native/isal_inflate.node, where
// src/image/isal-gunzip.ts looks for it. ISA-L is optional: without its headers (Debian:
// libisal-dev) nothing is built and layers are inflated by node:zlib, which is correct but slower.
// The build uses the node-gyp that npm ships (npm sets npm_config_node_gyp in its scripts).
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SOURCE = join(ROOT, "native", "isal-inflate");
const BUILT = join(SOURCE, "build", "Release", "isal_inflate.node");
const TARGET = join(ROOT, "dist", "native", "isal_inflate.node");
const HEADER_DIRS = [
  "/usr/include",
  "/usr/local/include",
  ...(process.env.CPATH ?? "").split(":").filter(Boolean),
];

function note(message) {
  process.stderr.write(`build-native: ${message}\n`);
}

function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return fromNpm;
  const bundled = join(
    dirname(process.execPath),
    "..",
    "lib",
    "node_modules",
    "npm",
    "node_modules",
    "node-gyp",
    "bin",
    "node-gyp.js",
  );
  return existsSync(bundled) ? bundled : null;
}

function newerThanSources(file) {
  if (!existsSync(file)) return false;
  const built = statSync(file).mtimeMs;
  return ["isal_inflate.c", "binding.gyp"].every((name) => statSync(join(SOURCE, name)).mtimeMs <= built);
}

if (!HEADER_DIRS.some((dir) => existsSync(join(dir, "isa-l", "igzip_lib.h")))) {
  rmSync(TARGET, { force: true });
  note(
    "ISA-L headers not found (apt-get install libisal-dev): gzip layers will be inflated by node:zlib, about 2x slower",
  );
  process.exit(0);
}
if (!newerThanSources(BUILT)) {
  const gyp = nodeGyp();
  const result = gyp
    ? spawnSync(process.execPath, [gyp, "rebuild"], { cwd: SOURCE, encoding: "utf8" })
    : { status: 1, stdout: "", stderr: "node-gyp was not found (it ships with npm)" };
  if (result.status !== 0) {
    rmSync(TARGET, { force: true });
    const output = `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    note(`building the ISA-L addon failed; gzip layers will be inflated by node:zlib:\n${output}`);
    process.exit(0);
  }
}
mkdirSync(dirname(TARGET), { recursive: true });
copyFileSync(BUILT, TARGET);
