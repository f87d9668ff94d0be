/**
 * A real scan for the report tests: the Alpine 3.9 image (Trivy's test data) against the legacy
 * Alpine secdb plus NVD facts (test/scan/scan-store.ts), with one finding suppressed by an OpenVEX
 * statement and one by an ignore-file entry, so every report shows shown and suppressed findings.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ScanJson, scanJson } from "../../src/report/scan-json.js";
import { type ScanResult, scanImage } from "../../src/scan/pipeline.js";
import { alpineImage, buildScanStore } from "../scan/scan-store.js";

export interface SampleScan {
  result: ScanResult;
  doc: ScanJson;
  dispose(): void;
}

export async function alpine39Scan(): Promise<SampleScan> {
  const store = await buildScanStore({ alpine: true });
  const dir = mkdtempSync(join(tmpdir(), "shipshape-report-test-"));
  try {
    const vex = join(dir, "musl.openvex.json");
    writeFileSync(
      vex,
      JSON.stringify({
        "@context": "https://openvex.dev/ns/v0.2.0",
        "@id": "https://example.invalid/vex/musl",
        author: "shipshape tests",
        timestamp: "2026-01-01T00:00:00Z",
        version: 1,
        statements: [
          {
            vulnerability: { name: "CVE-2019-14697" },
            products: [{ "@id": "pkg:apk/alpine/musl-utils" }],
            status: "not_affected",
            justification: "vulnerable_code_not_in_execute_path",
            impact_statement: 'musl-utils\' getconf/ldd never run the x87 code <i386 only> & "quoted"',
          },
        ],
      }),
    );
    const ignore = join(dir, "ignore.yaml");
    writeFileSync(
      ignore,
      "vulnerabilities:\n  - id: CVE-2019-1547\n    package: libcrypto1.1\n    reason: no explicit EC parameters\n    expires: 2099-01-01\n",
    );
    const result = await scanImage(alpineImage("alpine-39"), {
      db: store.path,
      cache: null,
      vex: [vex],
      ignoreFile: ignore,
      gate: { failOn: "high" },
    });
    return {
      result,
      doc: scanJson(result),
      dispose: () => {
        store.dispose();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    store.dispose();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
