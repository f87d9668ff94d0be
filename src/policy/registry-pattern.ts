/**
 * "Allowed registries" entries and how an image name is matched against them: on the NORMALISED
 * registry host[:port] and repository path of `parseReference` (src/image/reference.ts), never on
 * the raw text. So:
 * - `docker.io/library` allows Docker Hub's official images: `ubuntu`, `docker.io/ubuntu` and
 *   `index.docker.io/library/ubuntu` all normalise to docker.io/library/ubuntu;
 * - `docker.io` does not allow `docker.io.evil.com/x` (another host) nor `docker.io:5000/x` (another
 *   port), and `registry.example.com/team` does not allow `registry.example.com/teamster/x` (path
 *   prefixes end at a `/`);
 * - `localhost:5000` allows `localhost:5000/app` but not `localhost/app` or `localhost:5001/app`.
 *
 * An entry is `HOST[:PORT][/PATH]`, optionally ending in `/` or `/*` (the same thing: everything
 * below). The host must be written as a host: it contains a `.` or a `:` or is `localhost` (a bare
 * `ubuntu` would be read by Docker as docker.io/library/ubuntu — not what an allow-list entry means).
 * Host names compare case-insensitively (DNS does); paths exactly (they are lower-case by grammar).
 * The legacy `index.docker.io` and the API host `registry-1.docker.io` are docker.io (paths still
 * compare as written: `registry-1.docker.io/ubuntu` is the `ubuntu` namespace, not
 * docker.io/library/ubuntu, because only `docker.io` names get the `library/` prefix). Docker Hub's official images live
 * under `docker.io/library`: an entry `docker.io/nginx` means the `nginx` namespace, not the
 * official nginx image, exactly as the path reads.
 */
import {
  DEFAULT_DOMAIN,
  type ImageReference,
  isDomainAndPort,
  isRemoteName,
  LEGACY_DEFAULT_DOMAIN,
} from "../image/reference.js";

export interface RegistryPattern {
  /** As written in the policy. */
  text: string;
  /** Lower-cased host with its port, e.g. "registry.example.com:5000". */
  host: string;
  /** Path prefix (whole components), "" for the whole registry. */
  path: string;
}

/**
 * Docker Hub's other host names: `index.docker.io` (the legacy name references normalise) and
 * `registry-1.docker.io` (where its registry API answers, which a user may write in a reference).
 * All are Docker Hub; a port makes it another host.
 */
const DOCKER_HUB_HOSTS: ReadonlySet<string> = new Set([LEGACY_DEFAULT_DOMAIN, "registry-1.docker.io"]);

function normaliseHost(host: string): string {
  const lower = host.toLowerCase();
  return DOCKER_HUB_HOSTS.has(lower) ? DEFAULT_DOMAIN : lower;
}

/** Parse an entry; a string is the problem (for the policy's one-line error). */
export function parseRegistryPattern(text: string): RegistryPattern | string {
  let t = text.trim();
  if (t === "") return "is empty";
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t))
    return `"${text}" must be a registry host and path, without a URL scheme`;
  if (t.endsWith("/*")) t = t.slice(0, -2);
  else if (t.endsWith("/")) t = t.slice(0, -1);
  if (t.includes("*")) return `"${text}" may use a wildcard only as a final "/*"`;
  if (t.includes("@")) return `"${text}" names a digest; an entry is a registry host and optional path`;
  const slash = t.indexOf("/");
  const host = slash < 0 ? t : t.slice(0, slash);
  const path = slash < 0 ? "" : t.slice(slash + 1);
  if (!isDomainAndPort(host)) return `"${host}" is not a registry host[:port]`;
  if (!host.includes(".") && !host.includes(":") && host.toLowerCase() !== "localhost") {
    return `"${text}" does not start with a registry host (write e.g. docker.io/library/${host} for Docker Hub's official image, or a host with a dot or port)`;
  }
  if (path !== "" && !isRemoteName(path)) {
    return `"${path}" is not a repository path (lower-case components separated by "/", no tag)`;
  }
  return { text, host: normaliseHost(host), path };
}

/** Does a normalised reference fall under the pattern? */
export function registryPatternMatches(pattern: RegistryPattern, ref: ImageReference): boolean {
  if (normaliseHost(ref.domain) !== pattern.host) return false;
  if (pattern.path === "") return true;
  return ref.path === pattern.path || ref.path.startsWith(`${pattern.path}/`);
}
