/**
 * Every failure must name the input. Lower layers (tar indexer, JSON parsers, fs) describe the
 * problem; the source prefixes the reference the user typed, once.
 */
import { describeError, ShipshapeError } from "../../errors.js";

function isFsError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === "string" && "syscall" in err;
}

/** A ShipshapeError naming `reference`; internal bugs (TypeError…) pass through untouched. */
export function attributeError(reference: string, err: unknown): unknown {
  if (err instanceof ShipshapeError) {
    if (err.message.includes(reference)) return err;
    return new ShipshapeError(err.kind, `${reference}: ${err.message}`, {
      cause: err,
      exitCode: err.exitCode,
    });
  }
  if (isFsError(err)) {
    const kind = err.code === "ENOENT" ? "not-found" : "input";
    return new ShipshapeError(kind, `${reference}: ${describeError(err)}`, { cause: err });
  }
  return err;
}
