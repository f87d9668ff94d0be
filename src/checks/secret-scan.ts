/**
 * Which files of which layers the secret detectors read, and the analyzer that reads them while the
 * layer streams (FileRequest.analyze: the bytes are dropped, only the hits are kept — and cached).
 *
 * Bounded by design, never a byte-by-byte pass over an image's binaries:
 * - only regular files of at most 1 MiB (a credentials file is small; big files are data, bundles
 *   or binaries);
 * - not under directories that hold no secrets but many files (documentation, locales, time zones,
 *   icons, fonts, man pages) nor with extensions of binary or compressed formats (.so, .jar, .gz,
 *   .png, .pyc, …);
 * - not in the test and example folders of installed libraries (site-packages/, dist-packages/,
 *   node_modules/, /usr/share/nodejs/, gems/, vendor/, Go's module cache, /usr/lib/python3*): those
 *   ship sample keys for their own tests — a key in /app/tests/ is still reported; nor the
 *   libraries' Markdown/reST documentation there (README.md quotes example tokens);
 * - a file with a NUL byte in its first 8 KiB is binary and is skipped after that look;
 * - then one case-insensitive keyword test decides whether the token detectors run at all.
 * Every layer's files are read, not only the squashed view: a file deleted in a later layer is still
 * in the image (see secret-rules.ts).
 */
import type { AnalysisValue, FileRequest } from "../image/file-request.js";
import { findSecrets, SECRET_KINDS, type SecretHit, type SecretKind } from "./secret-patterns.js";

export const SECRET_SCAN_MAX_BYTES = 1024 * 1024;
const TEXT_PROBE_BYTES = 8192;

const SKIPPED_DIRECTORIES = [
  "/proc/",
  "/sys/",
  "/dev/",
  "/usr/share/doc/",
  "/usr/share/man/",
  "/usr/share/info/",
  "/usr/share/locale/",
  "/usr/share/i18n/",
  "/usr/share/zoneinfo/",
  "/usr/share/terminfo/",
  "/usr/share/icons/",
  "/usr/share/fonts/",
  "/usr/share/mime/",
  "/usr/share/lintian/",
  "/usr/lib/locale/",
  "/usr/lib/terminfo/",
  "/lib/terminfo/",
  "/var/lib/dpkg/info/",
  "/var/cache/debconf/",
];

const BINARY_EXTENSION =
  /\.(?:so(?:\.[0-9][0-9.]*)?|a|o|ko|pyc|pyo|class|jar|war|ear|zip|gz|tgz|bz2|xz|zst|lz4|7z|rar|deb|rpm|whl|egg|png|jpe?g|gif|ico|bmp|webp|svgz|woff2?|ttf|otf|eot|mo|gmo|db|sqlite3?|mp[34]|ogg|wav|pdf|wasm|node|bin|dat|pack|idx)$/i;

/** A test/example folder inside an installed library's tree. */
const LIBRARY_TEST_DIRECTORY =
  /(?:\/(?:site-packages|dist-packages|node_modules|gems|vendor)\/|^\/usr\/share\/nodejs\/|^\/usr\/(?:local\/)?lib\/python[0-9.]*\/|^\/usr\/share\/perl5?\/|^\/usr\/lib\/ruby\/|\/go\/pkg\/mod\/).*\/(?:tests?|testdata|testing|test_data|__tests__|fixtures?|spec|specs|examples?|samples?)\//;

/** An installed library's tree (its own documentation there is not an application's file). */
const LIBRARY_TREE =
  /(?:\/(?:site-packages|dist-packages|node_modules|gems|vendor)\/|^\/usr\/share\/nodejs\/|^\/usr\/(?:local\/)?lib\/python[0-9.]*\/|^\/usr\/share\/perl5?\/|^\/usr\/lib\/ruby\/|\/go\/pkg\/mod\/)/;
const DOCUMENTATION = /\.(?:md|markdown|rst)$/i;

export function isSecretCandidate(path: string, size: number): boolean {
  if (size === 0 || size > SECRET_SCAN_MAX_BYTES) return false;
  for (const dir of SKIPPED_DIRECTORIES) if (path.startsWith(dir)) return false;
  if (BINARY_EXTENSION.test(path)) return false;
  // Libraries' READMEs quote example tokens and JWTs (Trivy skips .md files altogether).
  if (DOCUMENTATION.test(path) && LIBRARY_TREE.test(path)) return false;
  return !LIBRARY_TEST_DIRECTORY.test(path);
}

export function looksBinary(bytes: Buffer): boolean {
  return bytes.subarray(0, TEXT_PROBE_BYTES).includes(0);
}

/** Secrets in one file's bytes; [] for binaries and files over the cap. */
export function scanFileForSecrets(bytes: Buffer, path: string): SecretHit[] {
  if (bytes.length > SECRET_SCAN_MAX_BYTES || looksBinary(bytes)) return [];
  // latin1: one character per byte, never a decoding error; the patterns are ASCII.
  return findSecrets(bytes.toString("latin1"), path);
}

export const SECRETS_REQUEST: FileRequest = {
  id: "check-secrets",
  version: "3",
  match: (path, { size }) => isSecretCandidate(path, size),
  maxFileBytes: SECRET_SCAN_MAX_BYTES,
  analyze: (bytes, file) => {
    const hits = scanFileForSecrets(bytes, file.path);
    if (hits.length === 0) return null;
    return hits.map((h) => {
      const out: { [key: string]: AnalysisValue } = { kind: h.kind, line: h.line };
      if (h.detail !== undefined) out.detail = h.detail;
      if (h.placeholder) out.placeholder = true;
      return out;
    });
  },
};

/** The analyzer's value back into hits (it may come from the layer cache: checked, not trusted). */
export function secretHitsOf(value: AnalysisValue | undefined): SecretHit[] {
  if (!Array.isArray(value)) return [];
  const hits: SecretHit[] = [];
  for (const v of value) {
    if (!v || typeof v !== "object" || Array.isArray(v)) continue;
    const { kind, line, detail, placeholder } = v;
    if (typeof kind !== "string" || !(kind in SECRET_KINDS) || typeof line !== "number") continue;
    const hit: SecretHit = { kind: kind as SecretKind, line };
    if (typeof detail === "string") hit.detail = detail;
    if (placeholder === true) hit.placeholder = true;
    hits.push(hit);
  }
  return hits;
}
