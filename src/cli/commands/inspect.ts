import { Command, Option } from "commander";
import {
  addImageOptions,
  cacheFrom,
  type ImageFlags,
  limitsFrom,
  openOptionsFrom,
} from "../image-options.js";
import { type ByteProgress, byteProgress } from "../progress.js";

interface InspectFlags extends ImageFlags {
  format: "table" | "json";
}

export function inspectCommand(): Command {
  const cmd = new Command("inspect")
    .summary("show an image's manifest, config, layers and filesystem counts")
    .description(
      "Read an image (every layer streamed once, every digest verified) and print its facts: " +
        "reference, manifest and config digests, platform, config (user, env, entrypoint, cmd, labels, " +
        "created, ports, history), layers (digest, diffID, size, media type) and the squashed " +
        "filesystem's file counts.",
    )
    .argument(
      "<image>",
      "docker-archive:PATH | oci-archive:PATH | oci:DIR[:TAG] | dir:PATH | [REGISTRY/]REPO[:TAG][@DIGEST]",
    )
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["table", "json"]).default("table"),
    )
    .addHelpText(
      "after",
      `
Examples:
  shipshape inspect oci-archive:./app.oci.tar
  shipshape inspect --format json docker-archive:./saved.tar
  shipshape inspect --platform linux/arm64 registry.example.com/team/app:1.4
  echo "$TOKEN" | shipshape inspect --username me --password-stdin quay.io/me/app@sha256:…

Exit codes: 0 read completely; 2 usage error or an image that could not be read (the message says why).`,
    );
  addImageOptions(cmd);
  cmd.action(async (image: string, flags: InspectFlags) => {
    const options = await openOptionsFrom(flags);
    let progress: ByteProgress | undefined;
    // The image engine loads when the command runs, not when the CLI starts.
    const [{ inspectImage }, { renderInspectTable }] = await Promise.all([
      import("../../image/inspect.js"),
      import("../../report/inspect-table.js"),
    ]);
    const report = await inspectImage(image, {
      ...options,
      limits: limitsFrom(flags),
      cache: cacheFrom(flags),
      onStart: async (totalBytes) => {
        progress = await byteProgress("reading layers", totalBytes, !flags.quiet);
      },
      onProgress: (p) => progress?.add(p.bytes),
    }).finally(() => progress?.stop());
    process.stdout.write(
      flags.format === "json" ? `${JSON.stringify(report, null, 2)}\n` : renderInspectTable(report),
    );
  });
  return cmd;
}
