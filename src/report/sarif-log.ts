/**
 * The SARIF 2.1.0 envelope every shipshape SARIF output shares (scan, check, lint): one run whose
 * tool.driver is shipshape at its version, with the run's rules, results, base URIs and properties.
 */
import { VERSION } from "../version.js";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

export interface SarifRun {
  /** What the driver is, e.g. "shipshape container image scanner". */
  fullName: string;
  rules: readonly unknown[];
  results: readonly unknown[];
  /** uriBaseId → what it stands for (IMAGE_ROOT, SRCROOT). */
  baseUris: Record<string, string>;
  properties?: Record<string, unknown>;
}

/** The log as text, one JSON document with a trailing newline. */
export function renderSarifLog(run: SarifRun): string {
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "shipshape",
            fullName: run.fullName,
            version: VERSION,
            semanticVersion: VERSION,
            rules: run.rules,
          },
        },
        originalUriBaseIds: Object.fromEntries(
          Object.entries(run.baseUris).map(([id, text]) => [id, { description: { text } }]),
        ),
        results: run.results,
        ...(run.properties ? { properties: run.properties } : {}),
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
