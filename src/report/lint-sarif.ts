/**
 * `lint --format sarif`: SARIF 2.1.0 (GitHub code scanning and other viewers). One run, tool
 * "shipshape"; one rule per code found, with its help link (hadolint's or ShellCheck's wiki) or, for
 * shipshape's SS2xxx, its title and remediation, and its
 * default level; one result per finding at the file and line (uriBaseId SRCROOT: files are given
 * relative to where lint ran). Levels: error → error, warning → warning, info/style → note.
 */

import { type LintFileResult, ruleHelpUri, shipshapeRuleDocs } from "./lint-report.js";
import { renderSarifLog } from "./sarif-log.js";

type Level = "error" | "warning" | "note";

function level(severity: string): Level {
  if (severity === "error") return "error";
  if (severity === "warning") return "warning";
  return "note";
}

/** A relative URI reference for a path (segments percent-encoded); `-` is standard input. */
function fileUri(file: string): string {
  const path = file === "-" ? "stdin" : file.replace(/\\/g, "/").replace(/^\.\//, "");
  const encoded = path
    .split("/")
    .map((s) => encodeURIComponent(s))
    .join("/");
  return path.startsWith("/") ? `file://${encoded}` : encoded;
}

export function renderLintSarif(results: readonly LintFileResult[]): string {
  const first = new Map<string, { severity: string; message: string }>();
  for (const r of results) for (const f of r.findings) if (!first.has(f.rule)) first.set(f.rule, f);
  const ids = [...first.keys()].sort();
  const index = new Map(ids.map((id, n) => [id, n]));
  const rules = ids.map((id) => {
    const f = first.get(id)!;
    const help = ruleHelpUri(id);
    const docs = shipshapeRuleDocs(id);
    return {
      id,
      name: id,
      shortDescription: { text: docs?.title ?? f.message },
      ...(help !== null ? { helpUri: help } : {}),
      ...(docs !== null ? { help: { text: docs.remediation } } : {}),
      defaultConfiguration: { level: level(f.severity) },
      properties: { tags: ["dockerfile", id.startsWith("SC") ? "shellcheck" : "lint"] },
    };
  });
  const sarifResults = results.flatMap((r) =>
    r.findings.map((f) => {
      const uri = fileUri(r.file);
      return {
        ruleId: f.rule,
        ruleIndex: index.get(f.rule),
        level: level(f.severity),
        message: { text: f.message },
        locations: [
          {
            physicalLocation: {
              artifactLocation: uri.startsWith("file://") ? { uri } : { uri, uriBaseId: "SRCROOT" },
              region: { startLine: f.line, startColumn: f.column },
            },
          },
        ],
        properties: { severity: f.severity },
      };
    }),
  );
  return renderSarifLog({
    fullName: "shipshape Dockerfile linter (hadolint-compatible rules)",
    rules,
    results: sarifResults,
    baseUris: { SRCROOT: "The directory shipshape lint ran in" },
  });
}
