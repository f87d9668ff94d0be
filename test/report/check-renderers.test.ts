/**
 * The check report renderers on the edges the CLI tests on real images do not reach: an image with
 * no finding (table says so and passes; SARIF still valid with no results), warnings, an end-of-life
 * OS in the table header, and `--fail-on none` (no verdict line).
 */
import { describe, expect, it } from "vitest";
import type { CheckResult } from "../../src/checks/run.js";
import { checkJson } from "../../src/report/check-json.js";
import { renderCheckSarif } from "../../src/report/check-sarif.js";
import { renderCheckTable } from "../../src/report/check-table.js";
import { validateSarif } from "./sarif-schema.js";

const base: CheckResult = {
  source: {
    reference: "oci:/images/app:1.0",
    transport: "oci",
    names: ["1.0"],
    manifestDigest: `sha256:${"a".repeat(64)}`,
    configDigest: `sha256:${"b".repeat(64)}`,
    platform: { os: "linux", architecture: "amd64" },
    created: "2026-11-01T00:00:00Z",
  },
  os: {
    id: "alpine",
    versionId: "3.9.4",
    prettyName: "Alpine Linux v3.9",
    eol: true,
    eolDate: "2020-11-01",
    evidence: [],
  },
  findings: [],
  warnings: [],
  cached: false,
};

describe("an image without findings", () => {
  it("table: says so, passes, names the OS and its end of life", () => {
    const text = renderCheckTable(checkJson(base, "high"));
    expect(text.split("\n")[0]).toBe("oci:/images/app:1.0: Alpine Linux v3.9 (end of life)");
    expect(text).toContain("No image hygiene findings.");
    expect(text).toContain("PASSED: no finding at or over high");
    expect(text).not.toContain("How to fix");
  });

  it("SARIF: valid, no rules, no results", () => {
    const log = JSON.parse(renderCheckSarif(checkJson(base, "high"))) as {
      runs: { results: unknown[]; tool: { driver: { rules: unknown[] } } }[];
    };
    expect(validateSarif(log), JSON.stringify(validateSarif.errors?.slice(0, 3))).toBe(true);
    expect(log.runs[0]!.results).toEqual([]);
    expect(log.runs[0]!.tool.driver.rules).toEqual([]);
  });
});

describe("warnings and --fail-on none", () => {
  it("warnings are listed under the table; no verdict without a threshold", () => {
    const doc = checkJson(
      {
        ...base,
        os: null,
        warnings: ["SS1012: /etc/shadow could not be read"],
        findings: [
          {
            rule: "SS1020",
            severity: "medium",
            title: "The container runs as root: User is unset, so it defaults to root",
            remediation: "Create an unprivileged user.",
            dockle: "CIS-DI-0001",
          },
        ],
      },
      null,
    );
    expect(doc.passed).toBe(true);
    const text = renderCheckTable(doc);
    expect(text.split("\n")[0]).toBe("oci:/images/app:1.0: unknown OS");
    expect(text).toMatch(/^MEDIUM\s+SS1020\s+CIS-DI-0001\s+The container runs as root/m);
    expect(text).toContain("Total: 1 (1 medium)");
    expect(text).toContain("Warnings:\n  SS1012: /etc/shadow could not be read");
    expect(text).not.toMatch(/PASSED|FAILED/);
    const sarif = JSON.parse(renderCheckSarif(doc)) as object;
    expect(validateSarif(sarif)).toBe(true);
  });
});
