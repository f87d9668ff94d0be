/**
 * SPDX license expressions for the SBOM writers and readers: which licence strings a package
 * database gave us are valid SPDX (ids or expressions, per the SPDX license list that
 * spdx-expression-parse ships), and how a list of them becomes one expression and back.
 */
import { createRequire } from "node:module";
import parse from "spdx-expression-parse";

const require = createRequire(import.meta.url);

type Ast = parse.Info;

/** Expressions longer than this are not parsed (bounded work on hostile input); real ones are short. */
const MAX_EXPRESSION_LENGTH = 4096;

/** The parsed expression, or null when `text` is not a valid SPDX license expression. */
export function parseSpdxExpression(text: string): Ast | null {
  if (text.length === 0 || text.length > MAX_EXPRESSION_LENGTH) return null;
  try {
    return parse(text);
  } catch {
    return null;
  }
}

function isConjunction(ast: Ast): ast is parse.ConjunctionInfo {
  return "conjunction" in ast;
}

/** Canonical text: upper-case operators, parentheses only where precedence needs them. */
export function renderSpdxExpression(ast: Ast, parent?: "and" | "or"): string {
  if (!isConjunction(ast)) {
    return `${ast.license}${ast.plus ? "+" : ""}${ast.exception ? ` WITH ${ast.exception}` : ""}`;
  }
  const text = `${renderSpdxExpression(ast.left, ast.conjunction)} ${ast.conjunction.toUpperCase()} ${renderSpdxExpression(ast.right, ast.conjunction)}`;
  // AND binds tighter than OR: an OR inside an AND needs parentheses.
  return parent === "and" && ast.conjunction === "or" ? `(${text})` : text;
}

/** The terms of a top-level AND (`A AND (B OR C)` → `A`, `B OR C`); one term otherwise. */
export function conjunctionTerms(ast: Ast): Ast[] {
  if (isConjunction(ast) && ast.conjunction === "and") {
    return [...conjunctionTerms(ast.left), ...conjunctionTerms(ast.right)];
  }
  return [ast];
}

let idsByLowerCase: Map<string, string> | undefined;

/** SPDX license list ids (current and deprecated) by their lower-case form. */
function spdxIds(): Map<string, string> {
  if (!idsByLowerCase) {
    const ids = [
      ...(require("spdx-license-ids") as string[]),
      ...(require("spdx-license-ids/deprecated.json") as string[]),
    ];
    idsByLowerCase = new Map(ids.map((id) => [id.toLowerCase(), id]));
  }
  return idsByLowerCase;
}

/** Names package databases use for SPDX licences, beyond case: Debian's DEP-5 and Fedora's legacy names. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ["expat", "MIT"],
  ["asl 2.0", "Apache-2.0"],
  ["apache 2.0", "Apache-2.0"],
  ["mplv2.0", "MPL-2.0"],
  ["mplv1.1", "MPL-1.1"],
]);

/**
 * One licence name as an SPDX id, when the name is unambiguous: an id in any case (`bsd-3-clause`),
 * DEP-5's `GPL-2` / `GPL-2+` (= GPL-2.0-only / -or-later, likewise LGPL, AGPL, GFDL), Fedora's
 * `GPLv2+` / `LGPLv2` / `ASL 2.0`, Debian's `Expat`. null for anything else (`BSD`, `public-domain`).
 */
function spdxIdFor(name: string): string | null {
  const text = name.trim();
  const lower = text.toLowerCase();
  const direct = spdxIds().get(lower) ?? ALIASES.get(lower);
  if (direct) return direct;
  const family = /^(a?gpl|lgpl|gfdl)(?:-|v)(\d)(?:\.(\d))?(\+)?$/i.exec(text);
  if (!family) return null;
  const [, fam, major, minor, plus] = family;
  const id = `${fam!.toUpperCase()}-${major}.${minor ?? "0"}-${plus ? "or-later" : "only"}`;
  return spdxIds().get(id.toLowerCase()) ?? null;
}

/**
 * A licence string from a package database as an SPDX expression (canonical text), or null when it
 * is not one and cannot be mapped: a valid expression as is; a single known name (see spdxIdFor);
 * an rpm-style `GPLv2+ and LGPLv2+` whose every part is known.
 */
export function spdxLicenseFor(text: string): string | null {
  const trimmed = text.trim();
  const ast = parseSpdxExpression(trimmed);
  if (ast) return renderSpdxExpression(ast);
  const id = spdxIdFor(trimmed);
  if (id) return id;
  if (trimmed.length > MAX_EXPRESSION_LENGTH || /[()]/.test(trimmed)) return null;
  const parts = trimmed.split(/\s+(and|or)\s+/i);
  if (parts.length < 3) return null;
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1) {
      out.push(parts[i]!.toUpperCase());
      continue;
    }
    const part = spdxIdFor(parts[i]!);
    if (!part) return null;
    out.push(part);
  }
  const joined = out.join(" ");
  return parseSpdxExpression(joined) ? joined : null;
}

/** `LicenseRef-` + the characters SPDX allows in an idstring (letters, digits, `.`, `-`). */
export function licenseRefId(name: string): string {
  const id = name
    .replace(/\+/g, "-plus")
    .replace(/[^A-Za-z0-9.-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return `LicenseRef-${id || "unknown"}`;
}

/**
 * One SPDX expression for a package's licences, all of which apply (AND). Valid SPDX ids and
 * expressions are kept (canonicalised), known names mapped (spdxLicenseFor); anything else (`BSD`,
 * `public-domain`, a free-text name) becomes the LicenseRef that `refFor` assigns. null for none.
 */
export function licenseExpressionOf(
  licenses: readonly string[],
  refFor: (name: string) => string,
): string | null {
  const terms: (Ast | string)[] = [];
  const seen = new Set<string>();
  for (const raw of licenses) {
    const text = raw.trim();
    if (text === "") continue;
    const spdx = spdxLicenseFor(text);
    const term = (spdx ? parseSpdxExpression(spdx) : null) ?? refFor(text);
    const key = typeof term === "string" ? term : renderSpdxExpression(term);
    if (seen.has(key)) continue;
    seen.add(key);
    terms.push(term);
  }
  if (terms.length === 0) return null;
  // One term stands alone; several are ANDed, an OR among them in parentheses.
  const parent = terms.length > 1 ? "and" : undefined;
  return terms.map((t) => (typeof t === "string" ? t : renderSpdxExpression(t, parent))).join(" AND ");
}
