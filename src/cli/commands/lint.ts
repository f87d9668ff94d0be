/**
 * `shipshape lint FILE…`: hadolint-compatible Dockerfile/Containerfile linting. Flag parsing, reading
 * the files, rendering and the exit code; the engine (src/dockerfile/) loads only when lint runs.
 */
import { readFile, stat } from "node:fs/promises";
import { Command, Option } from "commander";
import { describeError, EXIT_ERROR, EXIT_OK, EXIT_POLICY, ShipshapeError } from "../../errors.js";

type LintFormat = "tty" | "json" | "sarif" | "junit" | "checkstyle";

interface LintFlags {
  format: LintFormat;
  config?: string;
  failureThreshold?: string;
  ignore?: string[];
  trustedRegistry?: string[];
  noFail?: boolean;
  fail?: boolean;
  color?: boolean;
  shellcheck?: boolean;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Larger than any real Dockerfile by far; keeps a mistaken `lint /dev/zero` bounded. */
const MAX_INPUT_BYTES = 8 * 1024 * 1024;

async function readInput(file: string): Promise<string> {
  if (file === "-") {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of process.stdin) {
      const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      size += b.length;
      if (size > MAX_INPUT_BYTES) {
        throw new ShipshapeError(
          "limit",
          `standard input: more than ${MAX_INPUT_BYTES} bytes is no Dockerfile`,
        );
      }
      chunks.push(b);
    }
    return Buffer.concat(chunks).toString("utf8");
  }
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new ShipshapeError("input", `${file}: is a directory, not a Dockerfile`);
    if (info.size > MAX_INPUT_BYTES) {
      throw new ShipshapeError(
        "limit",
        `${file}: ${info.size} bytes is more than a Dockerfile may have here`,
      );
    }
    return await readFile(file, "utf8");
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    throw new ShipshapeError("input", `${file}: cannot read (${describeError(err)})`);
  }
}

export function lintCommand(): Command {
  const cmd = new Command("lint")
    .summary("lint Dockerfiles/Containerfiles with hadolint's rules (DLxxxx) and ShellCheck (SCxxxx)")
    .description(
      "Check Dockerfiles and Containerfiles for the mistakes hadolint finds, with the same rule codes and " +
        "meaning: unpinned packages and base images, apt lists left in the image, sudo, cd instead of WORKDIR, " +
        "shell-form CMD, … RUN lines are read by a real shell parser. When Debian's `shellcheck` is installed, " +
        "its findings on each RUN are reported too (SCxxxx). Configuration is hadolint's .hadolint.yaml.",
    )
    .argument("<file...>", "Dockerfiles to lint; - reads standard input")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["tty", "json", "sarif", "junit", "checkstyle"])
        .default("tty"),
    )
    .option(
      "-c, --config <file>",
      "hadolint configuration (default: ./.hadolint.yaml, else $XDG_CONFIG_HOME/hadolint.yaml)",
    )
    .addOption(
      new Option(
        "-t, --failure-threshold <severity>",
        "exit 1 when a finding is at or above this severity (default info, or the config's failure-threshold); none: any finding",
      ).choices(["error", "warning", "info", "style", "ignore", "none"]),
    )
    .option("--ignore <rule>", "do not report this rule, e.g. DL3008 or SC2086 (repeatable)", collect)
    .option(
      "--trusted-registry <registry>",
      "allow FROM images of this registry only (DL3026; repeatable; *.example.com for subdomains)",
      collect,
    )
    .option("--no-fail", "exit 0 even when findings are at or above the threshold")
    .option("--no-color", "no colours in tty output (also NO_COLOR=1)")
    .option("--no-shellcheck", "do not run ShellCheck even when it is installed");
  cmd.addHelpText(
    "after",
    `
Examples:
  shipshape lint Containerfile
  shipshape lint --format json Dockerfile | jq '.[] | select(.severity == "error")'
  shipshape lint --ignore DL3008 --trusted-registry quay.io --failure-threshold warning Dockerfile
  cat Dockerfile | shipshape lint -

Inline pragmas (hadolint's):
  # hadolint ignore=DL3008,SC2086   the rules are not reported for the instruction on the next line
  # hadolint global ignore=DL3003   not reported anywhere in the file
  # hadolint shell=bash             ShellCheck reads the following RUNs as bash

Configuration (.hadolint.yaml):
  ignored: [DL3008]
  override: {error: [DL3015], warning: [], info: [], style: []}
  trustedRegistries: [docker.io, quay.io]
  failure-threshold: warning
  disable-ignore-pragma: false

Exit codes:
  0  no finding at or above the failure threshold (or --no-fail)
  1  a finding at or above the failure threshold (default: info and above)
  2  usage error, a file that could not be read, or an invalid configuration`,
  );
  cmd.action(async (files: string[], flags: LintFlags) => {
    // The engine (parser, shell grammar, rules) loads when a lint runs.
    const [{ lintDockerfile }, config] = await Promise.all([
      import("../../dockerfile/lint.js"),
      import("../../dockerfile/config.js"),
    ]);
    const configPath = flags.config ?? (await config.findLintConfig(process.cwd()));
    const fileConfig = configPath === null ? {} : await config.readLintConfigFile(configPath);
    const merged = {
      ...fileConfig,
      ignored: [...(fileConfig.ignored ?? []), ...(flags.ignore ?? [])],
      trustedRegistries: [...(fileConfig.trustedRegistries ?? []), ...(flags.trustedRegistry ?? [])],
      ...(flags.failureThreshold !== undefined ? { "failure-threshold": flags.failureThreshold } : {}),
    };
    const resolved = config.resolveLintConfig(merged, configPath ?? "command-line options");
    const texts = await Promise.all(files.map(async (file) => ({ file, text: await readInput(file) })));
    const results = [];
    for (const { file, text } of texts) {
      const findings = await lintDockerfile(text, resolved, {
        file: file === "-" ? "standard input" : file,
        shellcheck: flags.shellcheck !== false,
      });
      results.push({ file, findings });
    }
    let output: string;
    switch (flags.format) {
      case "json":
        output = (await import("../../report/lint-json.js")).renderLintJson(results);
        break;
      case "sarif":
        output = (await import("../../report/lint-sarif.js")).renderLintSarif(results);
        break;
      case "junit":
        output = (await import("../../report/lint-junit.js")).renderLintJunit(results);
        break;
      case "checkstyle":
        output = (await import("../../report/lint-checkstyle.js")).renderLintCheckstyle(results);
        break;
      default: {
        const colour = flags.color !== false && process.stdout.isTTY === true && !process.env.NO_COLOR;
        output = (await import("../../report/lint-tty.js")).renderLintTty(results, colour);
      }
    }
    process.stdout.write(output);
    const failed = results.some((r) =>
      r.findings.some((f) => config.failsThreshold(f.severity, resolved.failureThreshold)),
    );
    process.exitCode = failed && flags.fail !== false && !resolved.noFail ? EXIT_POLICY : EXIT_OK;
  });
  return cmd;
}

export { EXIT_ERROR };
