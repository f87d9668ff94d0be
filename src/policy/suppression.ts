/**
 * A finding that a VEX statement or an ignore-file entry took out of the results, with who said so
 * and why. Suppressed findings never reach the gate; reports list them apart so nothing disappears
 * without a trace.
 */
import type { Finding } from "../match/finding.js";

export interface Suppression {
  /** What suppressed it. */
  kind: "vex" | "ignore-file";
  /** The file the statement or entry came from. */
  file: string;
  /** Where in that file: `statements[3]` (OpenVEX), `vulnerabilities[0]` (CycloneDX), `line 12` (ignore file). */
  at: string;
  /** VEX status or CycloneDX analysis state (not_affected, fixed, false_positive, resolved…); "ignored" for the ignore file. */
  status: string;
  /** VEX justification (component_not_present, code_not_reachable…), when given. */
  justification: string | null;
  /** The human words: VEX impact statement / analysis detail, or the ignore entry's reason. */
  reason: string | null;
  /** Ignore entries: when the entry stops suppressing. */
  expires?: string;
}

export interface SuppressedFinding {
  finding: Finding;
  suppression: Suppression;
}
