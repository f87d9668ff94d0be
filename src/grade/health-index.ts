/**
 * The A–F grade: Red Hat's Container Health Index model. An image's grade comes from the age of the
 * oldest unapplied fix for a Critical or Important vulnerability — "unapplied fix": a fixed version
 * exists and the image does not have it. Moderate and Low vulnerabilities never affect the grade, and
 * neither do vulnerabilities that have no fix yet (there is nothing to apply). Red Hat describes the
 * model at https://access.redhat.com/articles/2803031 ("Container Health Index grades as used inside
 * the Red Hat Container Catalog").
 *
 * Every threshold is in HEALTH_INDEX_BANDS below, each marked with where it comes from:
 *
 *   grade | Critical fix at most | Important fix at most
 *   A     | (no unapplied Critical or Important fix)
 *   B     | 7 days   (Red Hat)   | 30 days  (Red Hat)
 *   C     | 30 days  (Red Hat)   | 90 days  (Red Hat)
 *   D     | 90 days  (Red Hat)   | 365 days (shipshape's: Red Hat's text was not available to us)
 *   E     | 365 days (shipshape) | —        (shipshape: an Important fix older than 365 days is F)
 *   F     | older                | older
 *
 * Severity mapping: Red Hat's "Critical" is our `critical`, its "Important" our `high`. The severity is
 * the finding's own (src/match/match.ts): the vendor's rating when the distribution rates the CVE (Red
 * Hat's Important is stored as `high`, Debian's/Ubuntu's/Alpine's own scales likewise), else GHSA's,
 * else NVD's, else the CVSS base score's band (≥ 9 critical, ≥ 7 high). Medium, low, negligible and
 * unknown never affect the grade.
 *
 * Age: from the fix's publication date in the database (`Finding.fixPublished`: the DSA/RHSA/USN/OSV
 * date) to an injectable "now", in whole days (a fix published in the future counts as 0 days).
 * Findings whose fix has no date:
 * - the vulnerability's own publication date is used instead when the database has one. A fix is
 *   never published before its vulnerability is, so this age is an upper bound: such a finding can
 *   make the grade worse than Red Hat's would be, never better. The reason says so;
 * - with no date at all the age is unknown. The finding still has an unapplied fix, so it counts as
 *   B (the best grade a known unapplied fix can have) and the reasons name it and say that the grade
 *   may be worse.
 *
 * `reasons` lists the vulnerabilities that set the grade (one line per CVE, packages merged), oldest
 * first, then notes that qualify it (undated fixes, fixes not yet available). A scan that could not
 * check every package gives `complete: false` and a first reason saying that the letter is a best
 * case: coverage gaps must never look like a clean A.
 */
import { compareText } from "../compare-text.js";
import type { Severity } from "../vulndb/records.js";

export type GradeLetter = "A" | "B" | "C" | "D" | "E" | "F";

/** Best first. */
export const GRADE_LETTERS: readonly GradeLetter[] = ["A", "B", "C", "D", "E", "F"];

/** Where a threshold comes from: Red Hat's published model, or shipshape's own choice where Red Hat's text was not available. */
export type ThresholdSource = "red-hat" | "shipshape";

export interface AgeBound {
  maxDays: number;
  source: ThresholdSource;
}

export interface GradeBand {
  letter: GradeLetter;
  /** The oldest Critical fix this grade allows; null: no Critical fix of any age gets this grade. */
  critical: AgeBound | null;
  /** The oldest Important fix this grade allows; null: none gets this grade. */
  important: AgeBound | null;
}

/** B to E; A is "no unapplied Critical/Important fix", F is anything older than every band. */
export const HEALTH_INDEX_BANDS: readonly GradeBand[] = [
  {
    letter: "B",
    critical: { maxDays: 7, source: "red-hat" },
    important: { maxDays: 30, source: "red-hat" },
  },
  {
    letter: "C",
    critical: { maxDays: 30, source: "red-hat" },
    important: { maxDays: 90, source: "red-hat" },
  },
  {
    letter: "D",
    critical: { maxDays: 90, source: "red-hat" },
    important: { maxDays: 365, source: "shipshape" },
  },
  { letter: "E", critical: { maxDays: 365, source: "shipshape" }, important: null },
];

/** The severities that count, with Red Hat's names for them. */
const COUNTED: Partial<Record<Severity, "critical" | "important">> = {
  critical: "critical",
  high: "important",
};

/** What the grade needs of a vulnerability finding (a `Finding` has all of these but the last two). */
export interface GradeFinding {
  id: string;
  aliases: readonly string[];
  severity: Severity;
  fixable: boolean;
  fixedVersion: string | null;
  pkgName: string;
  /** When the fix was published (advisory date), as the database has it. */
  fixPublished: string | null;
  /** The vulnerability's own publication date: the fallback when the fix has no date. */
  vulnerabilityPublished?: string | null;
  /** Set when an ignore-file entry accepted the finding: the fix is still unapplied, so it still counts. */
  acceptedBy?: string;
}

export interface GradeOptions {
  /** "Now" for the ages (tests, reproducible reports); default: the current time. */
  now?: Date;
  /**
   * The scan could not check every package (no data for a namespace, an unknown OS, a package
   * database read only in part): the letter covers only what was checked, so it is the best the image
   * can have, not its grade. `complete` is then false and the first reason says so.
   */
  incomplete?: boolean;
}

/** How old a counted fix is, and what that gives. */
export interface GradedFix {
  id: string;
  severity: "critical" | "high";
  packages: { name: string; fixedVersion: string | null }[];
  /** Days since the date used; null when no date is known. */
  ageDays: number | null;
  /** The date the age counts from. */
  since: string | null;
  /** Which date that is. */
  dateKind: "fix" | "vulnerability" | "unknown";
  letter: GradeLetter;
  acceptedBy?: string;
}

export interface Grade {
  letter: GradeLetter;
  /** False when the scan could not check every package: the letter is then a best case, not a verdict. */
  complete: boolean;
  reasons: string[];
  /** The fixes that set the letter (same order as the first reasons). */
  basis: GradedFix[];
  /** The "now" the ages were computed at (ISO). */
  asOf: string;
}

const DAY_MS = 86_400_000;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

/** A database date as a moment, or null when it is not a real ISO date (never guessed). */
export function parseDatabaseDate(text: string | null | undefined): Date | null {
  if (typeof text !== "string") return null;
  const t = text.trim();
  if (!ISO_DATE.test(t)) return null;
  // A date-time without a zone is read as UTC, like a bare date.
  const zoned =
    t.length > 10 && !/([Zz]|[+-]\d{2}:?\d{2})$/.test(t) ? `${t.replace(" ", "T")}Z` : t.replace(" ", "T");
  const d = new Date(zoned);
  if (Number.isNaN(d.getTime())) return null;
  // 2024-02-30 would roll over into March: refuse dates that do not round-trip.
  if (d.toISOString().slice(0, 10) !== t.slice(0, 10) && t.length === 10) return null;
  return d;
}

/** Whole days from `since` to `now`; 0 for a date in the future. */
export function ageInDays(since: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - since.getTime()) / DAY_MS));
}

/** The letter one fix of this severity and age gives (Critical or Important only). */
export function letterForFix(severity: "critical" | "high", ageDays: number): GradeLetter {
  const which = COUNTED[severity]!;
  for (const band of HEALTH_INDEX_BANDS) {
    const bound = band[which];
    if (bound !== null && ageDays <= bound.maxDays) return band.letter;
  }
  return "F";
}

export function gradeRank(letter: GradeLetter): number {
  return GRADE_LETTERS.indexOf(letter);
}

/** The id a reason names: the CVE when the finding has one. */
function displayId(f: GradeFinding): string {
  if (f.id.startsWith("CVE-")) return f.id;
  return f.aliases.find((a) => a.startsWith("CVE-")) ?? f.id;
}

function gradeOne(
  f: GradeFinding,
  severity: "critical" | "high",
  now: Date,
): Omit<GradedFix, "packages" | "id"> {
  const fix = parseDatabaseDate(f.fixPublished);
  if (fix) {
    const ageDays = ageInDays(fix, now);
    return {
      severity,
      ageDays,
      since: fix.toISOString().slice(0, 10),
      dateKind: "fix",
      letter: letterForFix(severity, ageDays),
    };
  }
  const vuln = parseDatabaseDate(f.vulnerabilityPublished);
  if (vuln) {
    const ageDays = ageInDays(vuln, now);
    return {
      severity,
      ageDays,
      since: vuln.toISOString().slice(0, 10),
      dateKind: "vulnerability",
      letter: letterForFix(severity, ageDays),
    };
  }
  return { severity, ageDays: null, since: null, dateKind: "unknown", letter: "B" };
}

function bandText(letter: GradeLetter, severity: "critical" | "high"): string {
  if (letter === "F") return "older than every band (F)";
  const band = HEALTH_INDEX_BANDS.find((b) => b.letter === letter)!;
  const bound = band[COUNTED[severity]!];
  return bound
    ? `within ${bound.maxDays} days (${letter}${bound.source === "shipshape" ? ", shipshape's threshold" : ""})`
    : letter;
}

function reasonFor(g: GradedFix): string {
  const name = g.severity === "critical" ? "Critical" : "Important";
  const pkgs = g.packages.map((p) => `${p.name}${p.fixedVersion ? ` ${p.fixedVersion}` : ""}`).join(", ");
  const head = `${g.id} (${name}): fix ${pkgs} not applied`;
  const accepted = g.acceptedBy ? `; accepted by ${g.acceptedBy}, still counted` : "";
  switch (g.dateKind) {
    case "fix":
      return `${head}; fix published ${g.since}, ${g.ageDays} days ago — ${bandText(g.letter, g.severity)}${accepted}`;
    case "vulnerability":
      return `${head}; the database has no fix date: aged from the vulnerability's publication on ${g.since}, ${g.ageDays} days ago (the fix may be newer) — ${bandText(g.letter, g.severity)}${accepted}`;
    default:
      return `${head}; neither the fix nor the vulnerability has a date in the database: age unknown, counted as B (the grade may be worse)${accepted}`;
  }
}

/** The Container Health Index grade of an image's vulnerability findings. */
export function healthIndexGrade(findings: readonly GradeFinding[], options: GradeOptions = {}): Grade {
  const now = options.now ?? new Date();
  // One entry per vulnerability: the worst (oldest) of its packages' fixes decides.
  const byId = new Map<string, GradedFix>();
  let unfixed = 0;
  for (const f of findings) {
    const severity = f.severity === "critical" || f.severity === "high" ? f.severity : null;
    if (severity === null) continue;
    if (!f.fixable) {
      unfixed++;
      continue;
    }
    const id = displayId(f);
    const g = gradeOne(f, severity, now);
    const previous = byId.get(id);
    const pkg = { name: f.pkgName, fixedVersion: f.fixedVersion };
    if (!previous) {
      byId.set(id, { id, ...g, packages: [pkg], ...(f.acceptedBy ? { acceptedBy: f.acceptedBy } : {}) });
      continue;
    }
    if (!previous.packages.some((p) => p.name === pkg.name && p.fixedVersion === pkg.fixedVersion)) {
      previous.packages.push(pkg);
    }
    if (worse(g, previous)) Object.assign(previous, g);
    if (!f.acceptedBy) delete previous.acceptedBy;
  }
  const graded = [...byId.values()];
  const letter = graded.reduce<GradeLetter>(
    (worst, g) => (gradeRank(g.letter) > gradeRank(worst) ? g.letter : worst),
    "A",
  );
  const basis = graded
    .filter((g) => g.letter === letter)
    .sort(
      (a, b) =>
        (b.ageDays ?? -1) - (a.ageDays ?? -1) ||
        (a.severity === b.severity ? 0 : a.severity === "critical" ? -1 : 1) ||
        compareText(a.id, b.id),
    );
  const reasons = basis.map(reasonFor);
  if (letter === "A") {
    reasons.push("no unapplied fix for a Critical or Important vulnerability");
  }
  const undatedElsewhere = graded.filter((g) => g.dateKind === "unknown" && g.letter !== letter).length;
  if (undatedElsewhere > 0) {
    reasons.push(
      `${undatedElsewhere} more Critical/Important fix(es) have no date in the database and were counted as B`,
    );
  }
  if (unfixed > 0) {
    reasons.push(
      `${unfixed} Critical/Important finding(s) have no fix yet: they do not affect the grade (it counts unapplied fixes)`,
    );
  }
  const complete = options.incomplete !== true;
  if (!complete) {
    // First, so that no summary (table, policy message) shows the letter without it.
    reasons.unshift(
      `incomplete: not every package could be checked (see the coverage gaps), so ${letter} covers only the packages that were; the image's grade may be worse`,
    );
  }
  return { letter, complete, reasons, basis, asOf: now.toISOString() };
}

/** Is `a` a worse outcome than `b` for the same vulnerability? Worse letter, then older, then dated. */
function worse(a: Omit<GradedFix, "packages" | "id">, b: GradedFix): boolean {
  if (gradeRank(a.letter) !== gradeRank(b.letter)) return gradeRank(a.letter) > gradeRank(b.letter);
  return (a.ageDays ?? -1) > (b.ageDays ?? -1);
}

/** "C" / "c" → "C"; null for anything else. */
export function parseGradeLetter(text: string): GradeLetter | null {
  const t = text.trim().toUpperCase();
  return (GRADE_LETTERS as readonly string[]).includes(t) ? (t as GradeLetter) : null;
}
