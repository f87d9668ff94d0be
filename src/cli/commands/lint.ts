/**
 * `shipshape lint FILE…`: hadolint-compatible Dockerfile/Containerfile linting plus shipshape's own
 * SS2xxx rules and the policy file's Dockerfile rules. Flag parsing, reading the files, rendering and
 * the exit code; the engine (src/dockerfile/) and the policy reader load only when lint runs.
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
  policy?: string;
  target?: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** Larger than any real Dockerfile by far; keeps a mistaken `lint /dev/zero` bounded. */
const MAX_INPUT_BYTES = 8 * 1024 * 1024;

/**
 * A Dockerfile is text: a NUL byte in it, or bytes that are not UTF-8, mean the user named the wrong
 * file (an image tarball, a binary) — an error, not a page of nonsense findings.
 */
function decodeDockerfile(bytes: Buffer, name: string): string {
  if (bytes.subarray(0, 64 * 1024).includes(0)) {
    throw new ShipshapeError("input", `${name}: is a binary file (it has NUL bytes), not a Dockerfile`);
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ShipshapeError("input", `${name}: is not UTF-8 text, so it is no Dockerfile`);
  }
}

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
    return decodeDockerfile(Buffer.concat(chunks), "standard input");
  }
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.isDirectory()) throw new ShipshapeError("input", `${file}: is a directory, not a Dockerfile`);
    if (info.size > MAX_INPUT_BYTES) {
      throw new ShipshapeError(
        "limit",
        `${file}: ${info.size} bytes is more than a Dockerfile may have here (${MAX_INPUT_BYTES})`,
      );
    }
    bytes = await readFile(file);
  } catch (err) {
    if (err instanceof ShipshapeError) throw err;
    throw new ShipshapeError("input", `${file}: cannot read (${describeError(err)})`);
  }
  return decodeDockerfile(bytes, file);
}

export function lintCommand(): Command {
  const cmd = new Command("lint")
    .summary(
      "lint Dockerfiles/Containerfiles: hadolint's rules (DLxxxx), ShellCheck (SCxxxx), shipshape's (SS2xxx)",
    )
    .description(
      "Check Dockerfiles and Containerfiles before anything is built. hadolint's rules with the same codes and " +
        "meaning (unpinned packages and base images, apt lists left behind, sudo, shell-form CMD …), read with a " +
        "real shell parser; ShellCheck's findings on each RUN when Debian's `shellcheck` is installed (SCxxxx); " +
        "and shipshape's own rules for secure images (SS2xxx, docs/lint.md): a minimal final stage, no package " +
        "manager, shells, network clients or debuggers left in it, a non-root USER, no secrets in ARG/ENV/COPY, " +
        "no unverified ADD of URLs, no build tools copied from build stages. Configuration is hadolint's " +
        ".hadolint.yaml; --policy applies the same policy file as `scan`.",
    )
    .argument("<file...>", "Dockerfiles to lint; - reads standard input")
    .addOption(
      new Option("-f, --format <format>", "output format")
        .choices(["tty", "json", "sarif", "junit", "checkstyle"])
        .default("tty"),
    )
    .option(
      "-c, --config <file>",
      "hadolint configuration file (default: found as hadolint finds it, see below)",
    )
    .addOption(
      new Option(
        "-t, --failure-threshold <severity>",
        "exit 1 when a finding is at or above this severity (default info, or the config's failure-threshold); ignore/none: any finding",
      ).choices(["error", "warning", "info", "style", "ignore", "none"]),
    )
    .option("--ignore <rule>", "do not report this rule, e.g. DL3008, SC2086 or SS2003 (repeatable)", collect)
    .option(
      "--trusted-registry <registry>",
      "allow FROM images of this registry only (DL3026; repeatable; *.example.com for subdomains)",
      collect,
    )
    .option(
      "--policy <file>",
      "a policy file (as for scan; builtin:default is the shipped one): its allowed registries (SS2012), disallowed tags (SS2013), digest requirement (SS2009), forbidden packages/tools in the final stage (SS2014), forbidden rules and lint.failureThreshold; a failed policy exits 1",
    )
    .option(
      "--target <stage>",
      "the stage that is built (docker build --target): the one the final-stage rules judge",
    )
    .option(
      "--no-fail",
      "exit 0 even when findings are at or above the threshold (a failed policy still exits 1)",
    )
    .option("--no-color", "no colours in tty output (also NO_COLOR=1)")
    .option("--shellcheck", "run ShellCheck on RUN instructions when it is installed (the default)")
    .option("--no-shellcheck", "do not run ShellCheck even when it is installed");
  cmd.addHelpText(
    "after",
    `
Examples:
  shipshape lint Containerfile
  shipshape lint --format json Dockerfile | jq '.[] | select(.severity == "error")'
  shipshape lint --ignore DL3008 --trusted-registry quay.io --failure-threshold warning Dockerfile
  shipshape lint --policy policy.yaml --format sarif Dockerfile > lint.sarif
  shipshape lint --target runtime Dockerfile      judge the "runtime" stage as the final one
  cat Dockerfile | shipshape lint -

Rules:
  DL1001, DL3000–DL4006  hadolint's, same codes and meaning (https://github.com/hadolint/hadolint/wiki)
  SCxxxx                 ShellCheck's, on shell-form RUN lines (needs the shellcheck binary; without it lint
                         says so once on stderr and goes on)
  SS2001–SS2014          shipshape's: final stage on a full distribution image (SS2001), package manager
                         left (SS2002), shell/network client/debugger installed (SS2003–SS2005), no
                         non-root USER (SS2006), secret in ARG/ENV (SS2007) or copied in (SS2008), ADD of a
                         URL without --checksum (SS2010), build tools copied from a stage (SS2011); with
                         --policy: base image without digest (SS2009), from a registry not allowed
                         (SS2012), with a disallowed tag (SS2013), forbidden package/tool (SS2014)

Inline pragmas (hadolint's; they apply to SS and SC rules too):
  # hadolint ignore=DL3008,SS2004   the rules are not reported for the instruction on the next line
  # hadolint global ignore=DL3003   not reported anywhere in the file
  # hadolint shell=bash             ShellCheck reads the following RUNs as bash

Configuration (.hadolint.yaml):
  ignored: [DL3008, SS2003]
  override: {error: [DL3015], warning: [SS2001], info: [], style: []}
  trustedRegistries: [docker.io, quay.io]
  label-schema: {maintainer: email}
  strict-labels: false
  failure-threshold: warning
  disable-ignore-pragma: false
  Found, without --config, as hadolint finds it — the first of: ./.hadolint.yaml,
  $XDG_CONFIG_HOME/hadolint.yaml, ~/.config/hadolint.yaml, ~/.hadolint/hadolint.yaml,
  ~/hadolint/config.yaml, ~/.hadolint.yaml (each also .yml). --ignore and --trusted-registry add to the
  file's lists; --failure-threshold replaces its threshold.

Exit codes:
  0  no finding at or above the failure threshold (or --no-fail), and the policy (if any) passed
  1  a finding at or above the failure threshold (default: info and above), or the policy failed
  2  usage error, a file that could not be read (binary, too large, a directory), an invalid
     configuration or policy file`,
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
    const policy =
      flags.policy === undefined
        ? null
        : await (await import("../../policy/policy-file.js")).readPolicyFile(flags.policy);
    const texts = await Promise.all(files.map(async (file) => ({ file, text: await readInput(file) })));
    let toldMissing = false;
    const results = [];
    for (const { file, text } of texts) {
      const findings = await lintDockerfile(text, resolved, {
        file: file === "-" ? "standard input" : file,
        shellcheck: flags.shellcheck !== false,
        ...(flags.target !== undefined ? { target: flags.target } : {}),
        ...(policy !== null ? { policy } : {}),
        onShellcheckMissing: () => {
          if (toldMissing) return;
          toldMissing = true;
          process.stderr.write(
            "shipshape lint: shellcheck is not installed (not on PATH), so ShellCheck's SC rules were skipped; install it (apt-get install shellcheck) or pass --no-shellcheck\n",
          );
        },
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
    let policyFailed = false;
    if (policy !== null) {
      const [{ dockerfilePolicyContext }, { evaluateLintPolicy }, { renderLintPolicyText }] =
        await Promise.all([
          import("../../dockerfile/lint.js"),
          import("../../policy/lint-policy.js"),
          import("../../report/lint-policy-text.js"),
        ]);
      const outcomes = [];
      for (const [n, { file, text }] of texts.entries()) {
        const context = await dockerfilePolicyContext(text, {
          file,
          ...(flags.target !== undefined ? { target: flags.target } : {}),
        });
        outcomes.push({ file, result: evaluateLintPolicy(results[n]!.findings, policy, context) });
      }
      process.stderr.write(renderLintPolicyText(outcomes, flags.policy ?? ""));
      policyFailed = outcomes.some((o) => !o.result.passed);
    }
    const thresholdFails = failed && flags.fail !== false && !resolved.noFail;
    process.exitCode = thresholdFails || policyFailed ? EXIT_POLICY : EXIT_OK;
  });
  return cmd;
}

export { EXIT_ERROR };
