/**
 * Parsing an ignore file's text: ours, `.shipshapeignore.yaml` (a `vulnerabilities:` list of entries
 * with id, reason, optional package and expires; errors at `file:line`), or Trivy's plain format.
 * A module of its own so that the YAML library loads only when a scan reads an ignore file.
 */
import * as v from "valibot";
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import { describeError, ShipshapeError } from "../errors.js";
import {
  expiryInstant,
  ID_PATTERN,
  type IgnoreEntry,
  type IgnoreFile,
  ignoreFormatOf,
  parseTrivyIgnore,
} from "./ignore-file.js";

export function parseIgnoreFile(text: string, path: string): IgnoreFile {
  const format = ignoreFormatOf(path, text);
  const entries =
    format === "shipshape-yaml" ? parseYamlIgnoreEntries(text, path) : parseTrivyIgnore(text, path);
  return { path, format, entries };
}

const NonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1, "must not be empty"));

const EntrySchema = v.strictObject({
  id: v.pipe(NonEmpty, v.regex(ID_PATTERN, "is not a vulnerability id (CVE-…, GHSA-…)")),
  package: v.optional(NonEmpty),
  reason: NonEmpty,
  // YAML 1.2 keeps 2026-12-31 a string; a number or list here is a mistake worth naming.
  expires: v.optional(
    v.pipe(
      v.string("must be a date (YYYY-MM-DD)"),
      v.check((s) => expiryInstant(s.trim()) !== null, "is not a valid date (YYYY-MM-DD)"),
    ),
  ),
});

function parseYamlIgnoreEntries(text: string, path: string): IgnoreEntry[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const firstError = doc.errors[0];
  if (firstError) {
    const line = lines.linePos(firstError.pos[0]).line;
    throw new ShipshapeError(
      "input",
      `ignore file ${path}${line ? `:${line}` : ""}: not valid YAML: ${firstError.message.split("\n")[0]}`,
    );
  }
  const root = doc.contents;
  if (root === null || root === undefined) return [];
  if (!isMap(root)) {
    throw new ShipshapeError(
      "input",
      `ignore file ${path}: expected a mapping with a "vulnerabilities:" list`,
    );
  }
  const lineOf = (node: { range?: [number, number, number] | null } | null | undefined) =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  let list: unknown;
  for (const pair of root.items) {
    const key = (pair.key as { value?: unknown } | null)?.value;
    if (key !== "vulnerabilities") {
      throw new ShipshapeError(
        "input",
        `ignore file ${path}:${lineOf(pair.key as never)}: unknown key "${String(key)}" (expected "vulnerabilities")`,
      );
    }
    list = pair.value;
  }
  if (list === null || list === undefined || (isScalar(list) && list.value === null)) return [];
  if (!isSeq(list)) {
    throw new ShipshapeError("input", `ignore file ${path}: "vulnerabilities" must be a list of entries`);
  }
  let js: unknown;
  try {
    js = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ShipshapeError("input", `ignore file ${path}: ${describeError(err)}`);
  }
  const values = ((js as { vulnerabilities?: unknown[] }).vulnerabilities ?? []) as unknown[];
  return values.map((value, i) => {
    const line = lineOf(list.items[i] as never);
    const result = v.safeParse(EntrySchema, value);
    if (!result.success) {
      const issue = result.issues[0];
      const field = issue ? v.getDotPath(issue) : null;
      let problem: string;
      if (issue?.type === "strict_object" && issue.expected === "never") {
        problem = `unknown key "${field}" (allowed: id, package, reason, expires)`;
      } else if (issue?.type === "strict_object" && field !== null) {
        problem = `${field} is missing`;
      } else if (issue?.type === "strict_object") {
        problem = "expected a mapping with id, reason and optionally package, expires";
      } else {
        problem = `${field ?? "entry"} ${issue?.message ?? "is invalid"}`;
      }
      throw new ShipshapeError("input", `ignore file ${path}:${line}: entry ${i + 1}: ${problem}`);
    }
    const e = result.output;
    const entry: IgnoreEntry = { id: e.id, reason: e.reason, line };
    if (e.package !== undefined) entry.package = e.package;
    if (e.expires !== undefined) entry.expires = e.expires.trim();
    return entry;
  });
}
