/**
 * `scan --format table`: a header (image, OS, database and its age), one line per shown
 * vulnerability, the totals and the A–F grade with the CVEs that set it ("(incomplete)" when not every
 * package could be checked), the image hygiene findings, then what was suppressed and why, expired
 * ignore entries, coverage gaps, the policy verdict (violations, inform-only warnings, waived
 * violations, expired exceptions) and warnings. Plain text (no colours): CI logs keep it readable.
 */
import type { ScanJson } from "./scan-json.js";
import { columns, truncate } from "./text-columns.js";

const TITLE_WIDTH = 60;
const HYGIENE_WIDTH = 100;
/** Grade reasons shown in the table (the JSON has all of them). */
const GRADE_REASONS = 5;

function ageText(ms: number | null): string {
  if (ms === null) return "age unknown";
  const hours = ms / 3_600_000;
  if (hours < 1) return `${Math.floor(ms / 60_000)} min old`;
  if (hours < 48) return `${Math.floor(hours)} h old`;
  return `${Math.floor(hours / 24)} d old`;
}

export function renderScanTable(doc: ScanJson): string {
  const out: string[] = [];
  const os = doc.os ? `${doc.os.prettyName}${doc.os.eol ? " (end of life)" : ""}` : "unknown OS";
  out.push(`${doc.source.reference}: ${os}, ${doc.packages.length} packages`);
  const db = doc.database;
  const feeds = db.feeds.map((f) => f.feed).join(", ") || "none";
  out.push(
    `Database: ${db.location}, built ${db.builtAt ?? "(unknown)"}, ${ageText(db.ageMs)}${db.stale ? " (STALE)" : ""}; feeds: ${feeds}`,
  );
  out.push("");

  if (doc.vulnerabilities.length === 0) {
    out.push(
      doc.scan.coverageGaps.length > 0
        ? "No vulnerabilities found in the packages that could be checked (see NOT CHECKED below)."
        : "No vulnerabilities found.",
    );
  } else {
    const rows: string[][] = [
      ["TYPE", "PACKAGE", "INSTALLED", "VULNERABILITY", "SEVERITY", "FIXED IN", "TITLE"],
    ];
    for (const v of doc.vulnerabilities) {
      const flags = [v.kev ? "KEV" : "", v.status !== "fixed" && v.status !== "affected" ? v.status : ""]
        .filter((x) => x !== "")
        .join(", ");
      rows.push([
        v.pkgType,
        v.pkgName,
        v.installedVersion,
        v.id,
        v.severity,
        v.fixedVersion ?? "(none)",
        truncate(`${flags ? `[${flags}] ` : ""}${v.title ?? ""}`, TITLE_WIDTH),
      ]);
    }
    out.push(...columns(rows));
  }
  out.push("");

  const s = doc.summary;
  const bySeverity = Object.entries(s.bySeverity)
    .filter(([, n]) => n > 0)
    .map(([sev, n]) => `${sev} ${n}`)
    .join(", ");
  const extra = [
    `${s.fixable} fixable`,
    s.kev > 0 ? `${s.kev} known exploited` : "",
    s.suppressed > 0 ? `${s.suppressed} suppressed` : "",
    s.hidden > 0 ? `${s.hidden} not shown (--severity/--ignore-unfixed)` : "",
  ].filter((x) => x !== "");
  out.push(`Total: ${s.total}${bySeverity ? ` (${bySeverity})` : ""}; ${extra.join("; ")}`);
  out.push(`Grade: ${doc.grade.letter}${doc.grade.complete ? "" : " (incomplete)"} (Container Health Index)`);
  for (const r of doc.grade.reasons.slice(0, GRADE_REASONS)) out.push(`  ${r}`);
  if (doc.grade.reasons.length > GRADE_REASONS) {
    out.push(`  … ${doc.grade.reasons.length - GRADE_REASONS} more (see --format json)`);
  }

  out.push("");
  if (!doc.scan.hygieneChecked) {
    out.push("Image hygiene: not checked (the input has no files or config)");
  } else if (doc.findings.length === 0) {
    out.push("Image hygiene: no findings");
  } else {
    out.push(`Image hygiene: ${doc.findings.length} finding${doc.findings.length === 1 ? "" : "s"}`);
    const rows = [["SEVERITY", "RULE", "FINDING"]];
    for (const f of doc.findings) {
      rows.push([
        f.severity,
        f.dockle ? `${f.rule} (${f.dockle})` : f.rule,
        truncate(f.title, HYGIENE_WIDTH),
      ]);
    }
    out.push(...columns(rows).map((line) => `  ${line}`));
  }

  if (doc.suppressed.length > 0) {
    out.push("", "Suppressed:");
    for (const x of doc.suppressed) {
      const why = x.suppression;
      const kind = why.kind === "vex" ? `VEX ${why.status}` : "ignored";
      const detail = [why.justification, why.reason].filter((y) => y).join(": ");
      out.push(
        `  ${x.id} ${x.pkgName} ${x.installedVersion}: ${kind} (${why.file} ${why.at})${detail ? ` — ${truncate(detail, 100)}` : ""}`,
      );
    }
  }
  if (doc.scan.expiredIgnores.length > 0) {
    out.push("", `Expired ignore entries (${doc.scan.ignoreFile}; no longer suppressing):`);
    for (const e of doc.scan.expiredIgnores) {
      out.push(
        `  line ${e.line}: ${e.id}${e.package ? ` ${e.package}` : ""}, expired ${e.expires} — ${e.reason}`,
      );
    }
  }
  if (doc.scan.coverageGaps.length > 0) {
    out.push("");
    for (const g of doc.scan.coverageGaps) out.push(`NOT CHECKED: ${g}`);
  }
  for (const i of doc.incomplete) out.push(`INCOMPLETE: ${i.path}: ${i.reason}`);

  out.push("");
  const p = doc.policy;
  const from = p.files ? ` (${p.files.join(", ")})` : "";
  if (p.passed) {
    out.push(`Policy: passed${from}`);
  } else {
    out.push(
      `Policy: FAILED${from} (${p.violations.length} violation${p.violations.length === 1 ? "" : "s"})`,
    );
    for (const v of p.violations) out.push(`  [${v.rule}] ${v.message}`);
  }
  if (p.warnings && p.warnings.length > 0) {
    out.push(`Policy warnings (inform-only rules, not failing): ${p.warnings.length}`);
    for (const w of p.warnings) out.push(`  [${w.rule}] ${w.message}`);
  }
  if (p.waived && p.waived.length > 0) {
    out.push("Waived by policy exceptions:");
    for (const w of p.waived) {
      out.push(
        `  [${w.rule}] ${w.message} — ${w.exception.file}:${w.exception.line} until ${w.exception.expires}: ${truncate(w.exception.reason, 100)}`,
      );
    }
  }
  if (p.expiredExceptions && p.expiredExceptions.length > 0) {
    out.push("Expired policy exceptions (no longer applied):");
    for (const e of p.expiredExceptions) {
      out.push(`  ${e.file}:${e.line}: ${e.scope}, expired ${e.expires} — ${truncate(e.reason, 100)}`);
    }
  }
  for (const w of doc.warnings) out.push(`warning: ${w}`);
  return `${out.join("\n")}\n`;
}
