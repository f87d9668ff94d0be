/**
 * The reference grammar as regular expressions, composed the way distribution/reference's regexp.go
 * composes them, for callers that want a RegExp (validation in schemas, documentation) and as the
 * oracle the linear scanners in ./grammar.ts are tested against.
 *
 * Their repetitions are unambiguous (every separator is a character the surrounding atoms cannot
 * match), so matching time is linear and cannot blow up; but V8 runs nested repetitions on a stack
 * and throws RangeError for inputs of several megabytes. Parse with ./grammar.ts, not with these.
 */

const alphanumeric = "[a-z0-9]+";
// One period, one or two underscores, or any number of dashes.
const separator = "(?:[._]|__|[-]+)";
const domainNameComponent = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const optionalPort = "(?::[0-9]+)?";
const tag = "[\\w][\\w.-]{0,127}";
const digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}";
const identifier = "([a-f0-9]{64})";
// Compressed or full IPv6 in brackets; zones (RFC 6874) and dotted IPv4 tails are left out on purpose.
const ipv6Address = "\\[(?:[a-fA-F0-9:]+)\\]";
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6Address})`;
const domainAndPort = `${host}${optionalPort}`;
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const name = `(?:${domainAndPort}/)?${remoteName}`;

/** The unanchored pattern sources (Go's DomainRegexp, NameRegexp, TagRegexp, DigestRegexp, IdentifierRegexp). */
export const REFERENCE_PATTERN_SOURCES = {
  domainAndPort,
  name,
  remoteName,
  tag,
  digest,
  identifier,
} as const;

/** `^domain$`: a host (DNS-like name, IPv4, or bracketed IPv6) with an optional port. */
export const anchoredDomainRegexp = new RegExp(`^${domainAndPort}$`);
/** `^(?:(domain)/)?(remote-name)$`: groups 1 and 2 are domain and path. */
export const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
/** `^(name)(?::(tag))?(?:@(digest))?$`: groups 1–3 are name, tag and digest. */
export const referenceRegexp = new RegExp(`^(${name})(?::(${tag}))?(?:@(${digest}))?$`);
export const anchoredTagRegexp = new RegExp(`^${tag}$`);
export const anchoredDigestRegexp = new RegExp(`^${digest}$`);
export const anchoredIdentifierRegexp = new RegExp(`^${identifier}$`);

/** Like Go's FindStringSubmatch: the whole match then every group, "" for a group that did not take part. */
export function findStringSubmatch(regexp: RegExp, text: string): string[] | null {
  const match = regexp.exec(text);
  return match === null ? null : Array.from(match, (group) => group ?? "");
}
