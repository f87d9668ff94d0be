/**
 * VEX statements from any format (OpenVEX, CycloneDX VEX), normalised: which vulnerability ids, which
 * products (purls, optionally narrowed to subcomponents), what status, and why. `applyVex` decides per
 * finding: of the statements naming its vulnerability (id or alias) and its package, the newest wins
 * (ties: the one read last); a winning not_affected / fixed (OpenVEX) or not_affected /
 * false_positive / resolved / resolved_with_pedigree (CycloneDX) suppresses the finding.
 */
import type { Finding } from "../match/finding.js";
import type { SuppressedFinding } from "../policy/suppression.js";
import { purlMatches } from "./purl-match.js";

export interface VexProduct {
  /**
   * A package purl, or an image's (`pkg:oci/…`), which then covers its subcomponents or all its
   * packages; null: the scanned image itself (a CycloneDX VEX metadata component without a purl).
   */
  purl: string | null;
  /** Package purls inside that product the statement is limited to (OpenVEX subcomponents). */
  subcomponents: string[];
}

export interface VexStatement {
  /** The vulnerability's name and aliases, upper-cased for matching. */
  ids: string[];
  products: VexProduct[];
  /** As written: not_affected, affected, fixed, under_investigation (OpenVEX) or the CycloneDX analysis state. */
  status: string;
  suppresses: boolean;
  justification: string | null;
  /** OpenVEX impact_statement (or action_statement), CycloneDX analysis.detail. */
  reason: string | null;
  /** ISO time of the statement (statement, else document timestamp), for "newest wins". */
  timestamp: string | null;
  file: string;
  /** `statements[3]`, `vulnerabilities[0]`. */
  at: string;
}

export interface VexDocument {
  format: "openvex" | "cyclonedx";
  file: string;
  statements: VexStatement[];
  /** Statements that could not apply to anything (e.g. an affects ref we cannot resolve). */
  warnings: string[];
}

export interface VexOutcome {
  kept: Finding[];
  suppressed: SuppressedFinding[];
}

function applies(s: VexStatement, f: Finding, imagePurl: string | null): boolean {
  const ids = [f.id, ...f.aliases].map((x) => x.toUpperCase());
  if (!s.ids.some((id) => ids.includes(id))) return false;
  return s.products.some((p) => {
    if (p.purl !== null) {
      if (purlMatches(p.purl, f.purl)) return true;
      if (imagePurl === null || !purlMatches(p.purl, imagePurl)) return false;
    }
    return p.subcomponents.length === 0 || p.subcomponents.some((sc) => purlMatches(sc, f.purl));
  });
}

function time(s: VexStatement): number {
  if (!s.timestamp) return Number.NEGATIVE_INFINITY;
  const t = Date.parse(s.timestamp);
  return Number.isNaN(t) ? Number.NEGATIVE_INFINITY : t;
}

/** `imagePurl`: the scanned image's `pkg:oci/…` purl, when known (statements about the whole image). */
export function applyVex(
  findings: readonly Finding[],
  documents: readonly VexDocument[],
  imagePurl: string | null,
): VexOutcome {
  const statements = documents.flatMap((d) => d.statements);
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    let winner: VexStatement | null = null;
    for (const s of statements) {
      if (!applies(s, f, imagePurl)) continue;
      if (winner === null || time(s) >= time(winner)) winner = s;
    }
    if (!winner?.suppresses) {
      kept.push(f);
      continue;
    }
    suppressed.push({
      finding: f,
      suppression: {
        kind: "vex",
        file: winner.file,
        at: winner.at,
        status: winner.status,
        justification: winner.justification,
        reason: winner.reason,
      },
    });
  }
  return { kept, suppressed };
}
