/**
 * `shipshape check IMAGE`: the image hygiene checks alone (src/checks/) — the same findings `scan`
 * puts in its `findings`, without a vulnerability database. Flag parsing, rendering, where the output
 * goes and the exit code; the work is src/checks/run.ts (loaded when the command runs).
 */
import { writeFile } from "node:fs/promises";
import { Command, Option } from "commander";
import type { CheckSeverity } from "../../checks/severity.js";
import { describeError, EXIT_POLICY, ShipshapeError } from "../../errors.js";
import {
  addImageOptions,
  cacheFrom,
  type ImageFlags,
  limitsFrom,
  openOptionsFrom,
} from "../image-options.js";
import { type ByteProgress, byteProgress } from "../progress.js";

type CheckFormat = "table" | "json" | "sarif";

interface CheckFlags extends ImageFlags {
  format: CheckFormat;
  output?: string;
  failOn: string;
  maxAge?: string;
  severity?: string[];
  ignore?: string[];
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

const SEVERITIES = ["critical", "high", "medium", "low", "info"];

/** `--fail-on`: a severity, or `none` to never fail. */
function failOnFrom(text: string): CheckSeverity | null {
  const s = text.trim().toLowerCase();
  if (s === "none") return null;
  if (SEVERITIES.includes(s)) return s as CheckSeverity;
  throw new ShipshapeError(
    "usage",
    `--fail-on: unknown severity ${JSON.stringify(text)} (expected critical, high, medium, low, info or none)`,
  );
}

function maxAgeFrom(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (!/^\d{1,6}$/.test(t)) {
    throw new ShipshapeError("usage", `--max-age ${JSON.stringify(text)}: expected a whole number of days`);
  }
  return Number(t);
}

export function checkCommand(): Command {
  const cmd = new Command("check")
    .summary("check an image's hygiene: tools, secrets, users, tags, age (no database needed)")
    .description(
      "Check an image against shipshape's hygiene rules (and Dockle's checkpoints): package managers, " +
        "shells, network clients and debugging tools left in the image, setuid/setgid and world-writable " +
        "files, secrets in any layer (also files a later layer deleted), credentials in the environment " +
        "and history, root user, latest tag, image age, end-of-life OS. scan reports the same findings.",
    )
    .argument(
      "<image>",
      "docker-archive:PATH | oci-archive:PATH | oci:DIR[:TAG] | dir:PATH | [REGISTRY/]REPO[:TAG][@DIGEST]",
    )
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["table", "json", "sarif"])
        .default("table"),
    )
    .option("-o, --output <file>", "write the report to a file instead of standard output")
    .option(
      "--fail-on <severity>",
      "exit 1 when a finding is at or over this severity: critical, high, medium, low, info, or none (never)",
      "high",
    )
    .option(
      "--severity <list>",
      "show only findings of these severities (comma-separated, repeatable): critical, high, medium, low, info",
      collect,
    )
    .option(
      "--ignore <rule>",
      "leave out a rule's findings: a rule id (SS1021) or a Dockle code (CIS-DI-0006); comma-separated, repeatable",
      collect,
    )
    .option("--max-age <days>", "report images built more than this many days ago (default 90)");
  addImageOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Exit codes:
  0  no shown finding at or over --fail-on (default high)
  1  a shown finding at or over --fail-on (with the default: a secret in a layer or in the config,
     a debugging tool, an account without a password, a sensitive volume, an end-of-life OS)
  2  usage error, or an image that could not be read (an SBOM cannot be checked: it has no files)

--severity and --ignore narrow the report, and --fail-on judges what is shown.

Rules (ids, Dockle codes, what each looks at and how false positives are avoided): docs/checks.md.`,
  );
  cmd.action(async (image: string, flags: CheckFlags) => {
    const failOn = failOnFrom(flags.failOn);
    const maxAgeDays = maxAgeFrom(flags.maxAge);
    const [{ checkImage }, { checkJson }, { filterFindings, parseIgnoreList, parseSeverityFilter }] =
      await Promise.all([
        import("../../checks/run.js"),
        import("../../report/check-json.js"),
        import("../../checks/finding-filter.js"),
      ]);
    const filter = {
      severities: flags.severity ? parseSeverityFilter(flags.severity) : null,
      ignored: parseIgnoreList(flags.ignore ?? []),
    };
    const options = await openOptionsFrom(flags);
    let progress: ByteProgress | undefined;
    const result = await checkImage(image, {
      ...options,
      limits: limitsFrom(flags),
      cache: cacheFrom(flags),
      ...(maxAgeDays !== undefined ? { checks: { maxAgeDays } } : {}),
      onStart: async (totalBytes) => {
        progress = await byteProgress("reading layers", totalBytes, !flags.quiet);
      },
      onProgress: (p) => progress?.add(p.bytes),
    }).finally(() => progress?.stop());
    const doc = checkJson({ ...result, findings: filterFindings(result.findings, filter) }, failOn);
    const text =
      flags.format === "json"
        ? `${JSON.stringify(doc, null, 2)}\n`
        : flags.format === "sarif"
          ? (await import("../../report/check-sarif.js")).renderCheckSarif(doc)
          : (await import("../../report/check-table.js")).renderCheckTable(doc);
    if (flags.output !== undefined) {
      try {
        await writeFile(flags.output, text);
      } catch (err) {
        throw new ShipshapeError(
          "input",
          `--output ${flags.output}: cannot write the report (${describeError(err)})`,
        );
      }
    } else {
      process.stdout.write(text);
    }
    const tableOnStdout = flags.format === "table" && flags.output === undefined;
    if (!tableOnStdout) for (const w of doc.warnings) process.stderr.write(`shipshape: warning: ${w}\n`);
    process.exitCode = doc.passed ? 0 : EXIT_POLICY;
  });
  return cmd;
}
