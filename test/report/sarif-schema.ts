/**
 * The SARIF 2.1.0 schema validator the tests share (test/fixtures/schemas/sarif-schema-2.1.0.json,
 * ajv 2020-12 with formats).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { ErrorObject } from "ajv";
import { repoPath } from "../helpers/shared.js";

type Validate = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
const require = createRequire(import.meta.url);
const Ajv2020 = require("ajv/dist/2020") as new (
  options: object,
) => {
  compile(schema: object): Validate;
};
const addFormats = require("ajv-formats") as (ajv: object) => void;

/**
 * The schema's `language` pattern starts with `(?i)`, an inline flag JavaScript regular expressions
 * do not have; read it as the case-insensitive flag (what the authors meant), everything else as is.
 */
function regExp(pattern: string, flags?: string): RegExp {
  if (pattern.startsWith("^(?i)")) return new RegExp(`^${pattern.slice(5)}`, `${flags ?? ""}i`);
  return new RegExp(pattern, flags ?? "u");
}
regExp.code = "regExp";

/**
 * The published schema (test/fixtures/schemas/README.md) puts region's `anyOf` inside `properties`,
 * where a JSON Schema validator expects a property schema, not a list; GitHub's codeql-action vendors
 * the same text and validates with a lenient validator that skips it. Strict ajv refuses to compile
 * it, so the list is moved to where it was meant to be (region must have startLine, charOffset or
 * byteOffset), which makes the check stricter, not looser.
 */
function loadSchema(): object {
  const schema = JSON.parse(
    readFileSync(repoPath("test", "fixtures", "schemas", "sarif-schema-2.1.0.json"), "utf8"),
  ) as { definitions: { region: { properties: Record<string, unknown>; anyOf?: unknown } } };
  const region = schema.definitions.region;
  if (!Array.isArray(region.properties.anyOf))
    throw new Error("sarif-schema-2.1.0.json changed: see this note");
  region.anyOf = region.properties.anyOf;
  delete region.properties.anyOf;
  return schema;
}

const schema = loadSchema();
const ajv = new Ajv2020({ strict: false, allErrors: true, code: { regExp } });
addFormats(ajv);
export const validateSarif = ajv.compile(schema);
