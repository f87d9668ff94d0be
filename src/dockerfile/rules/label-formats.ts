/**
 * The label value formats of hadolint's `label-schema` (DL3052–DL3058), as the Haskell libraries
 * hadolint uses accept them: an absolute URI (network-uri's parseURI, RFC 3986), an RFC 3339
 * date-time (timerep), an SPDX license identifier (Cabal's LicenseId), a short (7) or full (40)
 * lower-case git hash, a Semantic Versioning 2.0.0 version (semver's fromText, no `v` prefix) and
 * an RFC 5322 address (email-validate's addr-spec). Pure functions over the value text.
 */
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
// spdx-license-ids: the SPDX list's current and deprecated identifiers (string arrays).
const SPDX_IDS: ReadonlySet<string> = new Set<string>([
  ...(require("spdx-license-ids") as string[]),
  ...(require("spdx-license-ids/deprecated.json") as string[]),
]);

// RFC 3986: scheme ":" then only unreserved, reserved and %HH characters.
const URI = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*$/;

export function isUri(value: string): boolean {
  return URI.test(value);
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

export function isRfc3339(value: string): boolean {
  const m = RFC3339.exec(value);
  if (m === null) return false;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth || hour > 23 || minute > 59 || second > 60) return false;
  if (m[7] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return true;
}

export function isSpdxId(value: string): boolean {
  return SPDX_IDS.has(value);
}

export function isGitHash(value: string): boolean {
  return /^(?:[0-9a-f]{7}|[0-9a-f]{40})$/.test(value);
}

// semver.org's grammar: no leading zeros in numeric parts, dot-separated pre-release and build.
const NUM = "(?:0|[1-9]\\d*)";
const PRE_ID = "(?:0|[1-9]\\d*|\\d*[A-Za-z-][0-9A-Za-z-]*)";
const SEMVER = new RegExp(
  `^${NUM}\\.${NUM}\\.${NUM}(?:-${PRE_ID}(?:\\.${PRE_ID})*)?(?:\\+[0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*)?$`,
);

export function isSemver(value: string): boolean {
  return SEMVER.test(value);
}

// RFC 5322 addr-spec: dot-atom or quoted-string "@" dot-atom or domain-literal.
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const DOT_ATOM = `${ATEXT}+(?:\\.${ATEXT}+)*`;
const QUOTED = '"(?:[\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*"';
const DOMAIN_LITERAL = "\\[[\\x21-\\x5a\\x5e-\\x7e]*\\]";
const EMAIL = new RegExp(`^(?:${DOT_ATOM}|${QUOTED})@(?:${DOT_ATOM}|${DOMAIN_LITERAL})$`);

export function isEmail(value: string): boolean {
  return value.length <= 254 && EMAIL.test(value);
}
