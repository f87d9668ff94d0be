/**
 * Replays the output of a command that ran before with the same command line, in the same
 * directory and environment, on a local image archive that has not changed since. A rescan of an
 * unchanged archive then costs Node's start-up and one small file read instead of loading the CLI
 * and opening the image (0.06 s instead of 0.10 s; the layer cache already spares the layers).
 *
 * What makes a replay correct: the memo's key holds everything the output depends on besides the
 * archive — the exact arguments, the working directory, the build (a rebuilt CLI never replays an
 * older one's output), the day (end-of-life status changes with it), the variables that change
 * behaviour, and whether stdout is a terminal and how wide. The archive itself is identified as git
 * identifies a file in its index: device, inode, size, and modification and status-change times in
 * nanoseconds. The status-change time moves on every write and cannot be set back by a user, so an
 * archive rewritten in place, replaced, or touched misses. Only complete, deterministic outputs are
 * memoized: exit code 0, nothing on stderr, and formats without a creation time (json, table).
 *
 * It lives in the layer cache's directory and obeys its switches: `--no-cache` neither reads nor
 * writes memos. A memo that cannot be read, parsed or matched is a miss, never an error.
 */
import { fstatSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { defaultCacheDir } from "../image/cache-dir.js";

/** Set by the bundler (scripts/bundle-cli.mjs), a new value for every build; absent in tsc's output. */
declare const __SHIPSHAPE_BUILD__: string | undefined;

const BUILD = typeof __SHIPSHAPE_BUILD__ === "string" ? __SHIPSHAPE_BUILD__ : null;
const FORMAT = 1;

/** Environment variables that change what a command prints. */
const ENV_KEYS = /^(SHIPSHAPE_|CI$|NO_COLOR$|FORCE_COLOR$|SOURCE_DATE_EPOCH$|XDG_CACHE_HOME$|HOME$)/;

interface FileIdentity {
  path: string;
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

/**
 * A memo file: the key (one line of JSON, compared as text), the inputs' identities (one line of
 * JSON), then the output's bytes as they were written.
 */

let commandLine: readonly string[] | null = null;

/** The arguments main() was given (after the program name): the memo's key is made of them. */
export function recordCommandLine(args: readonly string[]): void {
  commandLine = args;
}

export interface MemoContext {
  args: readonly string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Columns of the terminal stdout is, or null when it is not one. */
  terminalColumns: number | null;
  now: Date;
}

/**
 * The width of the terminal stdout is, or null. Setting up process.stdout costs 2 ms, a third of a
 * replay, so it is asked only when descriptor 1 is a character device (a terminal, or /dev/null).
 */
function terminalColumns(): number | null {
  try {
    if (!fstatSync(1).isCharacterDevice()) return null;
  } catch {
    return null;
  }
  return process.stdout.isTTY ? (process.stdout.columns ?? 0) : null;
}

/** The context of this process; null when no command line was recorded. */
export function currentContext(args: readonly string[] | null = commandLine): MemoContext | null {
  if (args === null) return null;
  return {
    args,
    cwd: process.cwd(),
    env: process.env,
    terminalColumns: terminalColumns(),
    now: new Date(),
  };
}

/** The layer cache's directory as the command line and environment choose it, or null for --no-cache. */
export function cacheDirOf(args: readonly string[], env: NodeJS.ProcessEnv): string | null {
  let dir: string | null = null;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") break;
    if (arg === "--no-cache") return null;
    if (arg === "--cache-dir" && i + 1 < args.length) dir = args[++i]!;
    else if (arg.startsWith("--cache-dir=")) dir = arg.slice("--cache-dir=".length);
  }
  return dir ?? defaultCacheDir(env);
}

function keyOf(context: MemoContext): string | null {
  if (BUILD === null) return null;
  const env = Object.entries(context.env)
    .filter(([name, value]) => ENV_KEYS.test(name) && value !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({
    format: FORMAT,
    build: BUILD,
    day: context.now.toISOString().slice(0, 10),
    cwd: context.cwd,
    args: context.args,
    env,
    terminal: context.terminalColumns,
  });
}

/**
 * A file name for the key: two 32-bit FNV-1a hashes (different offsets), as hex. Collisions only
 * cost a miss: the memo holds the whole key, which is compared.
 */
function fileNameOf(key: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193);
  }
  const hex = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
  return `memo-${hex(a)}${hex(b)}.out`;
}

export function identify(path: string): FileIdentity | null {
  try {
    const s = statSync(path, { bigint: true });
    if (!s.isFile()) return null;
    return {
      path,
      dev: String(s.dev),
      ino: String(s.ino),
      size: String(s.size),
      mtimeNs: String(s.mtimeNs),
      ctimeNs: String(s.ctimeNs),
    };
  } catch {
    return null;
  }
}

function sameFile(a: FileIdentity, b: FileIdentity | null): boolean {
  return (
    b !== null &&
    a.path === b.path &&
    a.dev === b.dev &&
    a.ino === b.ino &&
    a.size === b.size &&
    a.mtimeNs === b.mtimeNs &&
    a.ctimeNs === b.ctimeNs
  );
}

function isIdentityList(value: unknown): value is FileIdentity[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every(
      (i: unknown) =>
        typeof i === "object" &&
        i !== null &&
        ["path", "dev", "ino", "size", "mtimeNs", "ctimeNs"].every(
          (k) => typeof (i as Record<string, unknown>)[k] === "string",
        ),
    )
  );
}

/**
 * bin/shipshape.js, before it loads the CLI: print a memoized output and say so. It writes to file
 * descriptor 1 itself while it can (process.stdout costs a millisecond to set up); what a full
 * non-blocking pipe does not take goes through process.stdout.
 */
export function replayOutput(args: readonly string[]): boolean {
  const context = currentContext(args);
  const stdout = context ? findMemo(context) : null;
  if (stdout === null) return false;
  let written = 0;
  try {
    while (written < stdout.length) written += writeSync(1, stdout, written);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EPIPE") {
      process.exitCode = 141;
      return true;
    }
    process.stdout.write(stdout.subarray(written));
  }
  return true;
}

/**
 * The memoized stdout for this command line, when every input is unchanged; null otherwise. A hit
 * refreshes the memo's time, so the cache's least-recently-used trimming keeps it.
 */
export function findMemo(context: MemoContext): Buffer | null {
  const key = keyOf(context);
  const dir = cacheDirOf(context.args, context.env);
  if (key === null || dir === null) return null;
  const file = join(dir, fileNameOf(key));
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  const first = bytes.indexOf(10);
  const second = first < 0 ? -1 : bytes.indexOf(10, first + 1);
  if (second < 0 || bytes.toString("utf8", 0, first) !== key) return null;
  let inputs: unknown;
  try {
    inputs = JSON.parse(bytes.toString("utf8", first + 1, second));
  } catch {
    return null;
  }
  if (!isIdentityList(inputs) || !inputs.every((input) => sameFile(input, identify(input.path)))) return null;
  try {
    utimesSync(file, context.now, context.now);
  } catch {
    // A read-only cache still replays.
  }
  return bytes.subarray(second + 1);
}

/**
 * Remember `stdout` for this command line. `inputs` are the archive's identities taken before the
 * command read it; if the archive changed while it ran, nothing is remembered.
 */
export function rememberOutput(context: MemoContext, inputs: FileIdentity[], stdout: string): void {
  const key = keyOf(context);
  const dir = cacheDirOf(context.args, context.env);
  if (key === null || dir === null || inputs.length === 0) return;
  if (!inputs.every((input) => sameFile(input, identify(input.path)))) return;
  const file = join(dir, fileNameOf(key));
  try {
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, `${key}\n${JSON.stringify(inputs)}\n${stdout}`);
    renameSync(temp, file);
  } catch {
    // The cache directory is not writable: the next run is a full one, nothing worse.
  }
}
