/**
 * Digest validation as github.com/opencontainers/go-digest v1.0.0 does it for `digest.Parse`, which
 * distribution/reference calls on the digest part of a reference.
 *
 * In Go an algorithm is "available" only when its hash is linked into the binary. Real tools (docker,
 * containerd, skopeo) link crypto/tls and so sha256, sha384 and sha512; a Go test binary that imports
 * only crypto/sha256 rejects sha512 as unsupported. `digestAlgorithms` says which set to emulate.
 */
import { fail, type ReferenceFailure } from "./errors.js";

export type DigestAlgorithmName = "sha256" | "sha384" | "sha512";

/** Hex length of each algorithm go-digest registers. */
const ENCODED_LENGTH: Readonly<Record<DigestAlgorithmName, number>> = { sha256: 64, sha384: 96, sha512: 128 };

/** What a typical Go container tool accepts. */
export const DEFAULT_DIGEST_ALGORITHMS: readonly DigestAlgorithmName[] = ["sha256", "sha384", "sha512"];

export interface ParseOptions {
  /** Digest algorithms treated as available; default {@link DEFAULT_DIGEST_ALGORITHMS}. */
  readonly digestAlgorithms?: readonly DigestAlgorithmName[];
}

function isRegistered(algorithm: string): algorithm is DigestAlgorithmName {
  return Object.hasOwn(ENCODED_LENGTH, algorithm);
}

/** Returns undefined for a valid digest, else the failure go-digest reports. */
export function validateDigest(text: string, options?: ParseOptions): ReferenceFailure | undefined {
  const colon = text.indexOf(":");
  if (colon <= 0 || colon + 1 === text.length) return fail("digest.ErrDigestInvalidFormat");
  const algorithm = text.slice(0, colon);
  const encoded = text.slice(colon + 1);
  const available = options?.digestAlgorithms ?? DEFAULT_DIGEST_ALGORITHMS;
  if (!isRegistered(algorithm) || !available.includes(algorithm)) {
    return isGoDigestSyntax(text)
      ? fail("digest.ErrDigestUnsupported")
      : fail("digest.ErrDigestInvalidFormat");
  }
  if (encoded.length !== ENCODED_LENGTH[algorithm]) return fail("digest.ErrDigestInvalidLength");
  return /^[a-f0-9]+$/.test(encoded) ? undefined : fail("digest.ErrDigestInvalidFormat");
}

export function isValidDigest(text: string, options?: ParseOptions): boolean {
  return validateDigest(text, options) === undefined;
}

/** go-digest's DigestRegexpAnchored `^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$`, as a scanner. */
function isGoDigestSyntax(text: string): boolean {
  const colon = text.indexOf(":");
  if (colon < 0) return false;
  const encoded = text.slice(colon + 1);
  if (!/^[a-zA-Z0-9=_-]+$/.test(encoded)) return false;
  let runLength = 0;
  for (let i = 0; i < colon; i++) {
    const c = text[i] ?? "";
    if ((c >= "a" && c <= "z") || (c >= "0" && c <= "9")) {
      runLength++;
    } else if ((c === "." || c === "+" || c === "_" || c === "-") && runLength > 0) {
      runLength = 0;
    } else {
      return false;
    }
  }
  return runLength > 0;
}
