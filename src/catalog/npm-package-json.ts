/**
 * An installed npm package's `package.json`: its name, version and declared licences. A
 * package.json without both a name and a version (`{"type":"module"}` markers inside packages,
 * private roots) describes no installable package and yields null, not an error.
 */
import { ShipshapeError } from "../errors.js";
import { cleanLicenses, hasSpaceOrControl, isObject, parseJsonBytes } from "./lang-files.js";

export interface NpmPackageJson {
  name: string;
  version: string;
  licenses: string[];
}

/** npm's own limit on a package name (scope included). */
const MAX_NAME = 214;

export function parseNpmPackageJson(bytes: Uint8Array): NpmPackageJson | null {
  const doc = parseJsonBytes(bytes, "package.json");
  if (!isObject(doc)) throw new ShipshapeError("input", "package.json is not a JSON object");
  const { name, version } = doc;
  if (typeof name !== "string" || typeof version !== "string") return null;
  const n = name.trim();
  const v = version.trim();
  if (n === "" || v === "") return null;
  if (n.length > MAX_NAME || hasSpaceOrControl(n)) {
    throw new ShipshapeError(
      "input",
      `package.json names an invalid package ${JSON.stringify(n.slice(0, 80))}`,
    );
  }
  if (v.length > 256 || hasSpaceOrControl(v)) {
    throw new ShipshapeError(
      "input",
      `package.json of ${n} has an invalid version ${JSON.stringify(v.slice(0, 80))}`,
    );
  }
  return { name: n, version: v, licenses: licensesOf(doc) };
}

/**
 * `license` is an SPDX expression string (or, in old packages, `{type, url}`); the deprecated
 * `licenses` is an array of strings or `{type, url}` objects.
 */
function licensesOf(doc: Record<string, unknown>): string[] {
  const raw: unknown[] = [];
  const add = (v: unknown) => {
    if (typeof v === "string") raw.push(v);
    else if (isObject(v) && typeof v.type === "string") raw.push(v.type);
  };
  add(doc.license);
  if (Array.isArray(doc.licenses)) for (const l of doc.licenses.slice(0, 64)) add(l);
  else add(doc.licenses);
  return cleanLicenses(raw);
}
