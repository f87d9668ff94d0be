/**
 * Every failure a user can cause or fix (bad flag, unreadable image, wrong digest, registry refusal)
 * is a ShipshapeError: a one-line message naming the input, the problem and, where useful, the fix.
 * The CLI prints `shipshape: <message>` and exits with `exitCode`; anything else is an internal bug.
 */
export type ErrorKind =
  | "usage" // wrong flags or arguments
  | "input" // the image or file could not be read as it claims to be
  | "integrity" // a digest, diffID or size did not match
  | "limit" // a configured safety limit (layer size, file size, ratio) was exceeded
  | "network" // a registry or server could not be reached or refused us
  | "auth" // credentials missing or rejected
  | "not-found"; // the named image, tag, platform or file does not exist

export const EXIT_OK = 0;
export const EXIT_POLICY = 1;
export const EXIT_ERROR = 2;

export class ShipshapeError extends Error {
  readonly kind: ErrorKind;
  readonly exitCode: number;

  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown; exitCode?: number }) {
    // Messages are shown on one line: collapse any newline a lower layer put in.
    super(
      message.replace(/\s*\n\s*/g, " "),
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "ShipshapeError";
    this.kind = kind;
    this.exitCode = options?.exitCode ?? EXIT_ERROR;
  }
}

export function isShipshapeError(err: unknown): err is ShipshapeError {
  return err instanceof ShipshapeError;
}

/** A short description of any thrown value, for wrapping low-level errors into one line. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
