import { createHash, type Hash } from "node:crypto";

/** `algorithm:encoded` as the OCI spec defines it; only the registered algorithms we can verify. */
const DIGEST_PATTERN = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

export type DigestAlgorithm = "sha256" | "sha512";

export function isDigest(text: string): boolean {
  return DIGEST_PATTERN.test(text);
}

export function parseDigest(text: string): { algorithm: DigestAlgorithm; hex: string } {
  if (!DIGEST_PATTERN.test(text)) {
    throw new Error(`invalid digest ${JSON.stringify(text.slice(0, 140))}`);
  }
  const [algorithm, hex] = text.split(":") as [DigestAlgorithm, string];
  return { algorithm, hex };
}

export function sha256Digest(bytes: Uint8Array | string): string {
  return `sha256:${createHash("sha256").update(bytes).digest("hex")}`;
}

export function digestOf(algorithm: DigestAlgorithm, bytes: Uint8Array): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest("hex")}`;
}

/** A running hash that yields a digest string. */
export class DigestHasher {
  readonly algorithm: DigestAlgorithm;
  private readonly hash: Hash;
  bytes = 0;

  constructor(algorithm: DigestAlgorithm = "sha256") {
    this.algorithm = algorithm;
    this.hash = createHash(algorithm);
  }

  update(chunk: Uint8Array): void {
    this.bytes += chunk.length;
    this.hash.update(chunk);
  }

  digest(): string {
    return `${this.algorithm}:${this.hash.digest("hex")}`;
  }
}
