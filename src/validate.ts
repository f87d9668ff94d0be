/**
 * Validating untrusted JSON/YAML with valibot: a schema check that ends in a one-line
 * ShipshapeError naming the document, the field and the problem. valibot rather than zod because a
 * CLI pays for its imports on every run (valibot ~10 ms, zod ~50 ms here) and the schemas are the same.
 */
import * as v from "valibot";
import { ShipshapeError } from "./errors.js";

export function validate<const S extends v.GenericSchema>(
  schema: S,
  value: unknown,
  what: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, value);
  if (result.success) return result.output;
  const issue = result.issues[0];
  const path = issue ? v.getDotPath(issue) : null;
  const where = path ? ` at ${path}` : "";
  throw new ShipshapeError("input", `${what} is malformed${where}: ${issue?.message ?? "invalid"}`);
}

/** A list field that real writers sometimes set to null: null and absent both mean "none". */
export function nullishList<const S extends v.GenericSchema>(item: S) {
  return v.pipe(
    v.nullish(v.array(item)),
    v.transform((x) => x ?? undefined),
  );
}

/** A map field that may be null: null becomes absent. */
export function nullishRecord<const S extends v.GenericSchema>(value: S) {
  return v.pipe(
    v.nullish(v.record(v.string(), value)),
    v.transform((x) => x ?? undefined),
  );
}
