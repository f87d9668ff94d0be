import { Command, Option } from "commander";
import { EXIT_ERROR } from "../../errors.js";
import {
  addImageOptions,
  cacheFrom,
  type ImageFlags,
  limitsFrom,
  openOptionsFrom,
} from "../image-options.js";
import { currentContext, identify, rememberOutput } from "../output-memo.js";
import { type ByteProgress, byteProgress } from "../progress.js";

interface SbomFlags extends ImageFlags {
  format: "table" | "json" | "cyclonedx-json" | "spdx-json";
  includeOsOwned?: boolean;
  strict: boolean;
}

/** The file behind `oci-archive:PATH[:REF]` or `docker-archive:PATH[:REF]`, split as its source splits it; else null. */
async function localArchivePath(reference: string): Promise<string | null> {
  if (reference.startsWith("oci-archive:")) {
    const { splitOciArchiveReference } = await import("../../image/sources/oci-archive.js");
    return splitOciArchiveReference(reference.slice("oci-archive:".length)).path;
  }
  if (reference.startsWith("docker-archive:")) {
    const { splitDockerArchiveReference } = await import("../../image/sources/docker-archive.js");
    return splitDockerArchiveReference(reference.slice("docker-archive:".length)).path;
  }
  return null;
}

export function sbomCommand(): Command {
  const cmd = new Command("sbom")
    .summary("list every package in an image (OS and language packages)")
    .description(
      "Catalog an image's packages: dpkg, apk and rpm databases and installed language packages " +
        "(npm, Python, Java, Go, Rust, Ruby, PHP, .NET), with versions, source packages, licences " +
        "and where each was found. Language packages whose files an OS package owns are folded into " +
        "that package unless --include-os-owned.",
    )
    .argument(
      "<image>",
      "docker-archive:PATH | oci-archive:PATH | oci:DIR[:TAG] | dir:PATH | [REGISTRY/]REPO[:TAG][@DIGEST] | sbom:PATH | FILE.json (a CycloneDX or SPDX SBOM)",
    )
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["table", "json", "cyclonedx-json", "spdx-json"])
        .default("table"),
    )
    .option(
      "--include-os-owned",
      "also list language packages that an OS package owns (e.g. Debian's python3-urllib3)",
    )
    .option(
      "--no-strict",
      "exit 0 even when a package database could not be read fully (its packages are then missing; the output says which)",
    )
    .addHelpText(
      "after",
      `
Exit codes: 0 every package database was read fully; 2 usage error, an image that could not be
read, or (unless --no-strict) a database that could not be read fully — the output is still printed
and lists the incomplete sources.`,
    );
  addImageOptions(cmd);
  cmd.action(async (image: string, flags: SbomFlags) => {
    // A local archive's identity before it is read: the output may be memoized against it.
    const memoizable = flags.cache && (flags.format === "json" || flags.format === "table");
    const archive = memoizable ? await localArchivePath(image) : null;
    const archiveBefore = archive === null ? null : identify(archive);
    const options = await openOptionsFrom(flags);
    let progress: ByteProgress | undefined;
    const [{ catalogImageResult }, { sbomJson }, { renderSbomTable }] = await Promise.all([
      import("../../catalog/image.js"),
      import("../../report/sbom-json.js"),
      import("../../report/sbom-table.js"),
    ]);
    const { source, result } = await catalogImageResult(image, {
      ...options,
      limits: limitsFrom(flags),
      cache: cacheFrom(flags),
      includeOsOwned: flags.includeOsOwned ?? false,
      onStart: async (totalBytes) => {
        progress = await byteProgress("reading layers", totalBytes, !flags.quiet);
      },
      onProgress: (p) => progress?.add(p.bytes),
    }).finally(() => progress?.stop());
    const doc = sbomJson(source, result);
    // The SBOM writers (and the CycloneDX library) load only when their format is asked for.
    const full = { ...doc, packages: result.packages };
    const text =
      flags.format === "cyclonedx-json"
        ? await (await import("../../report/cyclonedx.js")).renderCycloneDxJson(full)
        : flags.format === "spdx-json"
          ? (await import("../../report/spdx.js")).renderSpdxJson(full)
          : flags.format === "json"
            ? `${JSON.stringify(doc, null, 2)}\n`
            : renderSbomTable(doc);
    process.stdout.write(text);
    const context = currentContext();
    if (archiveBefore !== null && context !== null && result.incomplete.length === 0) {
      rememberOutput(context, [archiveBefore], text);
    }
    if (result.incomplete.length > 0) {
      const list = result.incomplete.map((i) => `${i.path} (${i.reason})`).join("; ");
      process.stderr.write(`shipshape: ${image}: package list incomplete: ${list}\n`);
      if (flags.strict) process.exitCode = EXIT_ERROR;
    }
  });
  return cmd;
}
