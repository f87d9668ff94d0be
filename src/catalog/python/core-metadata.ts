/**
 * Python core metadata (PEP 241/314/345/566/643: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO`,
 * `EGG-INFO/PKG-INFO`): RFC 822-style headers up to the first blank line; the body (the long
 * description) is never read. Name, Version and the licence, chosen as Trivy does so results
 * compare, with one refinement: `License-Expression` (PEP 639) first; then the `License` field when
 * it is a valid SPDX expression (`BSD-3-Clause` says more than the classifier `BSD License`); else
 * every `Classifier: License :: …` (its last segment; the bare grouping `License :: OSI Approved`
 * names no licence); else the `License` field (when it is a one-line name, not a pasted licence
 * text, and not setuptools' `UNKNOWN`); else `file://<License-File>`, as Trivy reports it.
 */
import { createRequire } from "node:module";
import type parseSpdxType from "spdx-expression-parse";
import { ShipshapeError } from "../../errors.js";
import { cleanLicenses, hasSpaceOrControl, textOf } from "../lang-files.js";

export interface CoreMetadata {
  name: string;
  version: string;
  licenses: string[];
}

/** Header fields by lower-case name, each occurrence's value with continuation lines joined by "\n". */
export function parseMetadataHeaders(text: string): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let last: { values: string[]; index: number } | null = null;
  let pos = 0;
  while (pos < text.length) {
    let end = text.indexOf("\n", pos);
    if (end < 0) end = text.length;
    let line = text.slice(pos, end);
    pos = end + 1;
    if (line.endsWith("\r")) line = line.slice(0, -1);
    if (line.trim() === "") break; // the headers end at the first blank line
    if (line.startsWith(" ") || line.startsWith("\t")) {
      if (last) last.values[last.index] += `\n${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(":");
    const key = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : "";
    if (key === "" || /\s/.test(key)) {
      last = null; // not a header line: skip it, as a lenient reader does
      continue;
    }
    const values = headers.get(key) ?? [];
    values.push(line.slice(colon + 1).trim());
    headers.set(key, values);
    last = { values, index: values.length - 1 };
  }
  return headers;
}

export function parseCoreMetadata(bytes: Uint8Array): CoreMetadata {
  const headers = parseMetadataHeaders(textOf(bytes));
  const first = (key: string) => headers.get(key)?.find((v) => v !== "");
  const name = first("name");
  const version = first("version");
  if (name === undefined || version === undefined) {
    throw new ShipshapeError(
      "input",
      `Python metadata has no ${name === undefined ? "Name" : "Version"} field`,
    );
  }
  for (const [what, value] of [
    ["Name", name],
    ["Version", version],
  ] as const) {
    if (value.length > 256 || hasSpaceOrControl(value)) {
      throw new ShipshapeError(
        "input",
        `Python metadata has an invalid ${what} ${JSON.stringify(value.slice(0, 80))}`,
      );
    }
  }
  return { name, version, licenses: licensesOf(headers) };
}

let parseSpdx: typeof parseSpdxType | undefined;
/** Whether `text` parses as an SPDX licence expression (the parser loads on first use). */
function isSpdxExpression(text: string): boolean {
  parseSpdx ??= createRequire(import.meta.url)("spdx-expression-parse") as typeof parseSpdxType;
  try {
    parseSpdx(text);
    return true;
  } catch {
    return false;
  }
}

function licensesOf(headers: Map<string, string[]>): string[] {
  const expression = cleanLicenses(headers.get("license-expression") ?? []);
  if (expression.length > 0) return expression.slice(0, 1);
  const field = cleanLicenses((headers.get("license") ?? []).filter((l) => l.toUpperCase() !== "UNKNOWN"));
  if (field[0] !== undefined && isSpdxExpression(field[0])) return field.slice(0, 1);
  const classifiers = cleanLicenses(
    (headers.get("classifier") ?? [])
      .filter((c) => c.startsWith("License :: "))
      .map((c) => c.split(" :: ").at(-1))
      .filter((l) => l !== "OSI Approved"),
  );
  if (classifiers.length > 0) return classifiers;
  if (field.length > 0) return field.slice(0, 1);
  const file = cleanLicenses(headers.get("license-file") ?? []);
  return file.length > 0 ? [`file://${file[0]}`] : [];
}
