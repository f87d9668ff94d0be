/**
 * `shipshape scan IMAGE`: catalog + match → suppression → CI gate → report. Flag parsing, rendering,
 * where the output goes and the exit code; the work is src/scan/pipeline.ts.
 */
import { writeFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { describeError, EXIT_ERROR, ShipshapeError } from "../../errors.js";
import { type GateOptions, parseSeverity, parseSeverityList } from "../../policy/gate.js";
import type { ScanJson } from "../../report/scan-json.js";
import type { DetectionPriority, ScanResult } from "../../scan/pipeline.js";
import {
  addDbAgeOptions,
  addDbOption,
  ageCheckFrom,
  type DbAgeFlags,
  type DbFlags,
  maxAgeFrom,
} from "../db-options.js";
import {
  addImageOptions,
  cacheFrom,
  type ImageFlags,
  limitsFrom,
  openOptionsFrom,
} from "../image-options.js";
import { type ByteProgress, byteProgress } from "../progress.js";

type ScanFormat = "table" | "json" | "sarif" | "cyclonedx" | "junit";

interface ScanFlags extends ImageFlags, DbFlags, DbAgeFlags {
  format: ScanFormat;
  output?: string;
  severity?: string;
  ignoreUnfixed?: boolean;
  failOn?: string;
  fixableOnly?: boolean;
  exitCode?: string;
  failOnKev?: boolean;
  ignoreFile?: string;
  vex?: string[];
  policy?: string;
  detectionPriority: DetectionPriority;
  strict?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

function gateOptionsFrom(flags: ScanFlags): GateOptions {
  const gate: GateOptions = {};
  if (flags.severity !== undefined) gate.severities = parseSeverityList(flags.severity, "--severity");
  if (flags.ignoreUnfixed) gate.ignoreUnfixed = true;
  if (flags.failOn !== undefined) gate.failOn = parseSeverity(flags.failOn, "--fail-on");
  if (flags.fixableOnly) {
    if (gate.failOn === undefined)
      throw new ShipshapeError("usage", "--fixable-only needs --fail-on SEVERITY");
    gate.fixableOnly = true;
  }
  if (flags.exitCode !== undefined) {
    const text = flags.exitCode.trim();
    const n = Number(text);
    if (!/^\d{1,3}$/.test(text) || n > 255) {
      throw new ShipshapeError(
        "usage",
        `--exit-code ${JSON.stringify(flags.exitCode)}: expected a number from 0 to 255`,
      );
    }
    gate.exitCode = n;
  }
  if (flags.failOnKev) gate.failOnKev = true;
  return gate;
}

async function render(format: ScanFormat, doc: ScanJson, result: ScanResult): Promise<string> {
  switch (format) {
    case "json":
      return `${JSON.stringify(doc, null, 2)}\n`;
    case "sarif":
      return (await import("../../report/sarif.js")).renderSarif(doc);
    case "junit":
      return (await import("../../report/junit.js")).renderJunit(doc);
    case "cyclonedx":
      // Full packages (owner, cataloger) give the same components as `sbom --format cyclonedx-json`.
      return (await import("../../report/cyclonedx-vulnerabilities.js")).renderScanCycloneDxJson({
        ...doc,
        packages: result.catalog.packages,
      });
    default:
      return (await import("../../report/scan-table.js")).renderScanTable(doc);
  }
}

export function scanCommand(): Command {
  const cmd = new Command("scan")
    .summary("find known vulnerabilities in an image's packages; gate CI on them")
    .description(
      "Catalog an image's packages (as sbom does) and match them against the vulnerability database " +
        "(shipshape db update / db import): OS packages against their distribution's data only, language " +
        "packages against their ecosystem's advisories. VEX statements and an ignore file suppress " +
        "findings (recorded, never silently); --fail-on / --exit-code turn the result into a CI gate.",
    )
    .argument(
      "<image>",
      "docker-archive:PATH | oci-archive:PATH | oci:DIR[:TAG] | dir:PATH | [REGISTRY/]REPO[:TAG][@DIGEST] | sbom:PATH | FILE.json (a CycloneDX or SPDX SBOM)",
    )
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["table", "json", "sarif", "cyclonedx", "junit"])
        .default("table"),
    )
    .option("-o, --output <file>", "write the report to a file instead of standard output")
    .option(
      "--severity <list>",
      "show only these severities, e.g. CRITICAL,HIGH (critical, high, medium, low, negligible, unknown); the gate sees only what is shown",
    )
    .option("--ignore-unfixed", "leave out vulnerabilities that have no fixed version yet")
    .option("--fail-on <severity>", "exit 1 when a shown vulnerability is at or over this severity")
    .option("--fixable-only", "with --fail-on: only vulnerabilities that have a fix fail the gate")
    .option(
      "--exit-code <n>",
      "exit with n when any shown vulnerability remains (Trivy's --exit-code; 0 turns it off); also the code for a failed --fail-on",
    )
    .option(
      "--fail-on-kev",
      "fail on any shown vulnerability in CISA's Known Exploited Vulnerabilities catalog",
    )
    .option(
      "--policy <file>",
      "a policy file (YAML; builtin:default is the shipped one, modelled on StackRox's defaults): allowed registries, tags, digests, image age, labels, vulnerability ceilings, KEV, minimum grade, forbidden packages/tools/checks, exceptions with expiry; evaluated together with the gate flags",
    )
    .option(
      "--ignore-file <file>",
      "vulnerabilities to accept, with reasons and expiry dates (YAML, or Trivy's .trivyignore format; default: ./.shipshapeignore.yaml when present)",
    )
    .option(
      "--vex <file>",
      "OpenVEX or CycloneDX VEX document (repeatable): OpenVEX not_affected/fixed and CycloneDX not_affected/false_positive/resolved statements suppress",
      collect,
    )
    .addOption(
      new Option(
        "--detection-priority <mode>",
        "precise: language packages an OS package installed are matched through that OS package only (vendor data); comprehensive: also against their ecosystem's advisories",
      )
        .choices(["precise", "comprehensive"])
        .default("precise"),
    )
    .option("--strict", "exit 2 whenever the scan could not check every package (also outside CI mode)")
    .option("--no-strict", "report coverage gaps as warnings only, even in CI mode");
  addDbOption(cmd);
  addDbAgeOptions(cmd);
  addImageOptions(cmd);
  cmd.addHelpText(
    "after",
    `
Exit codes:
  0  nothing failed the gate or the policy (without --fail-on/--exit-code/--fail-on-kev/--policy: always, when the scan completed)
  1  the gate (--fail-on, --fail-on-kev) or the policy file failed, or n for --exit-code n
  2  usage error; an image, SBOM, VEX, ignore or policy file that could not be read; no database; a database
     over its maximum age in CI mode (--ci or env CI=true) unless --skip-db-age-check; a package
     database that could not be read fully (unless --no-strict); in CI mode or with --strict, packages
     the database has no data for (e.g. an Alpine release it does not cover) — the report is still written.

Suppression: a finding named by a VEX statement (latest statement wins) or by an unexpired ignore entry
is left out of the results and the gate and listed under "suppressed" with the statement or reason.
Expired ignore entries stop suppressing and are reported.

Policy: a policy file's vulnerability rules judge every unsuppressed finding (--severity and
--ignore-unfixed narrow the report, not the policy); the gate flags judge the shown ones. Exceptions
in the file waive matching violations until they expire; expired ones are reported. The grade is
Red Hat's Container Health Index (A–F from the age of the oldest unapplied Critical/Important fix;
docs/grade.md); a scan that could not check every package shows it as "(incomplete)" and it cannot
satisfy minimumGrade. policies/README.md documents every policy key and builtin:default.`,
  );
  cmd.action(async (image: string, flags: ScanFlags) => {
    const gate = gateOptionsFrom(flags);
    const ageCheck = ageCheckFrom(flags);
    const maxDbAgeMs = maxAgeFrom(flags);
    const options = await openOptionsFrom(flags);
    let progress: ByteProgress | undefined;
    // The pipeline (catalogers, matcher, stores, YAML/VEX readers) loads when a scan runs.
    const [{ scanImage }, { scanJson }, { findDefaultIgnoreFile }] = await Promise.all([
      import("../../scan/pipeline.js"),
      import("../../report/scan-json.js"),
      import("../../policy/ignore-file.js"),
    ]);
    const result = await scanImage(image, {
      ...options,
      limits: limitsFrom(flags),
      cache: cacheFrom(flags),
      ...(flags.db !== undefined ? { db: flags.db } : {}),
      detectionPriority: flags.detectionPriority,
      ...(maxDbAgeMs !== undefined ? { maxDbAgeMs } : {}),
      ci: ageCheck.ci,
      skipDbAgeCheck: ageCheck.skipAgeCheck,
      gate,
      ignoreFile: flags.ignoreFile ?? (await findDefaultIgnoreFile(process.cwd())),
      vex: flags.vex ?? [],
      policy: flags.policy ?? null,
      onStart: async (totalBytes) => {
        progress = await byteProgress("reading layers", totalBytes, !flags.quiet);
      },
      onProgress: (p) => progress?.add(p.bytes),
    }).finally(() => progress?.stop());

    const doc = scanJson(result);
    const text = await render(flags.format, doc, result);
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

    // The table on stdout already lists warnings; every other way, they go to stderr.
    const tableOnStdout = flags.format === "table" && flags.output === undefined;
    if (!tableOnStdout) for (const w of doc.warnings) process.stderr.write(`shipshape: warning: ${w}\n`);

    const incomplete = result.catalog.incomplete;
    const gaps = result.coverageGaps;
    const failIncomplete = incomplete.length > 0 && flags.strict !== false;
    const failGaps =
      gaps.length > 0 && (flags.strict === true || (flags.strict === undefined && ageCheck.ci));
    if (incomplete.length > 0) {
      const list = incomplete.map((i) => `${i.path} (${i.reason})`).join("; ");
      process.stderr.write(`shipshape: ${image}: package list incomplete: ${list}\n`);
    }
    for (const g of gaps) {
      process.stderr.write(`shipshape: ${image}: ${failGaps ? "" : "warning: "}not checked: ${g}\n`);
    }
    if (failIncomplete || failGaps) {
      process.exitCode = EXIT_ERROR;
      return;
    }
    process.exitCode = result.gate.exitCode;
  });
  return cmd;
}
