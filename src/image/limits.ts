/**
 * Safety limits for reading untrusted layers. Defaults admit any real image we know of while
 * stopping decompression bombs and lying headers early; every one is configurable from the CLI.
 */
export interface ReadLimits {
  /** Uncompressed bytes per layer. */
  maxLayerBytes: number;
  /** Declared size of one tar member. */
  maxFileBytes: number;
  /** Uncompressed/compressed ratio that marks a bomb, checked once `ratioGraceBytes` are out. */
  maxCompressionRatio: number;
  ratioGraceBytes: number;
  /** Tar members per layer (each costs memory in the filesystem view). */
  maxEntriesPerLayer: number;
  /** Bytes of one file kept in memory for analyzers (a request may ask for less). */
  maxCapturedFileBytes: number;
  /**
   * Bytes of one file an analyzing request (FileRequest.analyze) may ask to see: its bytes are held
   * only while it is parsed, so big rpm databases and jars fit; the request's maxFileBytes decides.
   */
  maxAnalyzedFileBytes: number;
}

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

export const DEFAULT_LIMITS: ReadLimits = {
  maxLayerBytes: 32 * GiB,
  maxFileBytes: 8 * GiB,
  maxCompressionRatio: 200,
  ratioGraceBytes: 256 * MiB,
  maxEntriesPerLayer: 2_000_000,
  maxCapturedFileBytes: 64 * MiB,
  maxAnalyzedFileBytes: 512 * MiB,
};

export function withLimits(partial?: Partial<ReadLimits>): ReadLimits {
  return { ...DEFAULT_LIMITS, ...(partial ?? {}) };
}

/** "8 GiB", "512 MiB", "1000 bytes": for messages. */
export function formatBytes(n: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1 && Number.isInteger(value / 1024)) {
    value /= 1024;
    unit++;
  }
  if (unit === 0 && n >= 1024 * 1024) return `${(n / MiB).toFixed(1)} MiB`;
  return `${value} ${units[unit]}`;
}

/** Parse "512MiB", "8G", "1000" (bytes) for CLI flags. */
export function parseByteSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b?)\s*$/i.exec(text);
  if (!m) throw new Error(`invalid size ${JSON.stringify(text)}: expected e.g. 512MiB, 8GiB or a byte count`);
  const n = Number(m[1]);
  const unit = (m[2] ?? "").toLowerCase();
  const factor =
    unit === "k" ? 1024 : unit === "m" ? MiB : unit === "g" ? GiB : unit === "t" ? 1024 * GiB : 1;
  return Math.floor(n * factor);
}
