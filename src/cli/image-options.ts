/**
 * The flags every command that reads an image shares (`inspect`, later `sbom`, `scan`, `check`),
 * and their translation into OpenOptions / ReadFilesystemOptions.
 */
import { readFileSync } from "node:fs";
import { type Command, Option } from "commander";
import { ShipshapeError } from "../errors.js";
import { defaultCacheDir, LayerCache } from "../image/layer-cache.js";
import { parseByteSize, type ReadLimits } from "../image/limits.js";
import { parsePlatform } from "../image/platform.js";
import type { OpenOptions, RegistryOptions } from "../image/source.js";

export interface ImageFlags {
  platform?: string;
  username?: string;
  passwordStdin?: boolean;
  authfile?: string[];
  insecure?: boolean;
  caFile?: string[];
  cacheDir?: string;
  cache: boolean;
  maxLayerSize?: string;
  maxFileSize?: string;
  maxCompressionRatio?: string;
  tmpDir?: string;
  quiet?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function addImageOptions(cmd: Command): Command {
  return cmd
    .option(
      "--platform <os/arch[/variant]>",
      "image to pick from a multi-arch index (default: linux on this CPU)",
    )
    .option("--username <name>", "registry user name (with --password-stdin)")
    .option("--password-stdin", "read the registry password or token from standard input")
    .option(
      "--authfile <path>",
      "Docker config.json or Podman auth.json to read credentials from (repeatable)",
      collect,
    )
    .option("--insecure", "allow plain HTTP and unverified TLS for the registry (never implied)")
    .option("--ca-file <pem>", "extra certificate authority to trust for registries (repeatable)", collect)
    .option(
      "--cache-dir <dir>",
      "layer cache directory (default: $SHIPSHAPE_CACHE_DIR or ~/.cache/shipshape/layers)",
    )
    .option("--no-cache", "do not read or write the layer cache")
    .option("--max-layer-size <size>", "stop when a layer expands past this many bytes (default 32GiB)")
    .option("--max-file-size <size>", "stop at a tar member larger than this (default 8GiB)")
    .option(
      "--max-compression-ratio <n>",
      "stop a layer that expands more than n:1 past 256 MiB (default 200)",
    )
    .option(
      "--tmp-dir <dir>",
      "where to spool archives that cannot be streamed (default: the system temp dir)",
    )
    .addOption(new Option("-q, --quiet", "no progress bar"));
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

export async function openOptionsFrom(flags: ImageFlags): Promise<OpenOptions> {
  const options: OpenOptions = {};
  if (flags.platform) options.platform = parsePlatform(flags.platform);
  if (flags.tmpDir) options.tempDir = flags.tmpDir;
  const registry: RegistryOptions = {};
  if (flags.passwordStdin) {
    if (!flags.username) throw new ShipshapeError("usage", "--password-stdin needs --username");
    const password = await readStdin();
    if (password === "") throw new ShipshapeError("usage", "--password-stdin: standard input was empty");
    registry.credentials = { username: flags.username, password };
  } else if (flags.username) {
    throw new ShipshapeError(
      "usage",
      "--username needs --password-stdin (passwords are never taken as arguments)",
    );
  }
  if (flags.authfile) registry.authFiles = flags.authfile;
  if (flags.insecure) registry.insecure = true;
  if (flags.caFile) {
    for (const f of flags.caFile) {
      try {
        readFileSync(f);
      } catch {
        throw new ShipshapeError("usage", `--ca-file ${f}: cannot read the file`);
      }
    }
    registry.caFiles = flags.caFile;
  }
  options.registry = registry;
  return options;
}

export function limitsFrom(flags: ImageFlags): Partial<ReadLimits> {
  const limits: Partial<ReadLimits> = {};
  const size = (flag: string, value: string) => {
    try {
      return parseByteSize(value);
    } catch (err) {
      throw new ShipshapeError("usage", `${flag}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  if (flags.maxLayerSize) limits.maxLayerBytes = size("--max-layer-size", flags.maxLayerSize);
  if (flags.maxFileSize) limits.maxFileBytes = size("--max-file-size", flags.maxFileSize);
  if (flags.maxCompressionRatio) {
    const ratio = Number(flags.maxCompressionRatio);
    if (!Number.isFinite(ratio) || ratio < 1) {
      throw new ShipshapeError(
        "usage",
        `--max-compression-ratio: expected a number ≥ 1, got ${flags.maxCompressionRatio}`,
      );
    }
    limits.maxCompressionRatio = ratio;
  }
  return limits;
}

export function cacheFrom(flags: ImageFlags): LayerCache | null {
  if (!flags.cache) return null;
  return new LayerCache(flags.cacheDir ?? defaultCacheDir());
}
