/**
 * The failures of image-reference parsing, one code per error value of Go's
 * github.com/distribution/reference (and the go-digest and path errors it passes on), so callers and
 * tests can compare the kind of failure exactly as Go's errors.Is would.
 */
import { ShipshapeError } from "../../errors.js";

/** Fixed error texts, keyed by the Go identifier of the error value. */
export const GO_ERROR_TEXT = {
  ErrReferenceInvalidFormat: "invalid reference format",
  ErrTagInvalidFormat: "invalid tag format",
  ErrDigestInvalidFormat: "invalid digest format",
  ErrNameContainsUppercase: "repository name must be lowercase",
  ErrNameEmpty: "repository name must have at least one component",
  ErrNameTooLong: "repository name must not be more than 255 characters",
  ErrNameNotCanonical: "repository name must be canonical",
  "digest.ErrDigestInvalidFormat": "invalid checksum digest format",
  "digest.ErrDigestInvalidLength": "invalid checksum digest length",
  "digest.ErrDigestUnsupported": "unsupported digest algorithm",
  "path.ErrBadPattern": "syntax error in pattern",
} as const;

export type ReferenceErrorCode =
  | keyof typeof GO_ERROR_TEXT
  // ParseNormalizedNamed's fmt.Errorf for a bare 64-hex identifier (Go has no error value for it).
  | "ErrNameIsIdentifier"
  // ParseNormalizedNamed's fmt.Errorf "invalid reference format: repository name (…) must be lowercase";
  // it is not errors.Is(ErrNameContainsUppercase) in Go, so it keeps its own code.
  | "ErrNameNotLowercase"
  // shipshape's own rule in parseReference: the name has no registry host we could contact.
  | "ErrNameNoDomain";

/** A failure as a value; the parsing core returns these and the public functions throw them. */
export class ReferenceFailure {
  constructor(
    readonly code: ReferenceErrorCode,
    /** The text Go's err.Error() returns for this failure (for ErrNameNoDomain, shipshape's own text). */
    readonly goMessage: string = code in GO_ERROR_TEXT
      ? GO_ERROR_TEXT[code as keyof typeof GO_ERROR_TEXT]
      : code,
  ) {}
}

export function fail(code: keyof typeof GO_ERROR_TEXT): ReferenceFailure {
  return new ReferenceFailure(code);
}

/** What the rejected text was, for the message: "invalid image reference "x": …". */
export type ReferenceSubject = "image reference" | "repository name" | "tag" | "digest" | "pattern";

const SHOWN_INPUT_CHARS = 200;
const SHOWN_DETAIL_CHARS = 300;

/**
 * Thrown by every reference function: a ShipshapeError of kind "usage" (exit 2) whose one-line
 * message names the input and carries Go's error text; `code` says which Go error it is.
 */
export class ImageReferenceError extends ShipshapeError {
  readonly code: ReferenceErrorCode;
  /** Exactly what Go's err.Error() says. */
  readonly goMessage: string;
  readonly input: string;

  constructor(failure: ReferenceFailure, subject: ReferenceSubject, input: string) {
    super("usage", `invalid ${subject} ${quote(input)}: ${shorten(failure.goMessage, SHOWN_DETAIL_CHARS)}`);
    this.name = "ImageReferenceError";
    this.code = failure.code;
    this.goMessage = failure.goMessage;
    this.input = input;
  }
}

export function isImageReferenceError(err: unknown): err is ImageReferenceError {
  return err instanceof ImageReferenceError;
}

/** Returns the value, or throws the failure as an ImageReferenceError about `input`. */
export function orThrow<T>(result: T | ReferenceFailure, subject: ReferenceSubject, input: string): T {
  if (result instanceof ReferenceFailure) {
    throw new ImageReferenceError(result, subject, input);
  }
  return result;
}

// Inputs can be huge or hold control characters: JSON quoting keeps the message on one line.
function quote(text: string): string {
  return oneLine(
    text.length > SHOWN_INPUT_CHARS
      ? `${JSON.stringify(text.slice(0, SHOWN_INPUT_CHARS))}… (${text.length} characters)`
      : JSON.stringify(text),
  );
}

/** Control characters and the Unicode line/paragraph separators as escapes: one line, visibly. */
function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) =>
    c < " " ? JSON.stringify(c).slice(1, -1) : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Go's text, cut to `max` and kept on one line: a detail that quotes the input (the lowercase rule's
 * "repository name (…)") would carry its control characters, so those are written as JSON escapes.
 */
function shorten(text: string, max: number): string {
  return oneLine(text.length > max ? `${text.slice(0, max)}…` : text);
}
