/**
 * Secret detectors over the text of one file: pure functions, bounded work, no secret value ever
 * leaves them (a hit is a kind and a line number).
 *
 * Detectors, in the spirit of gitleaks' and Trivy's built-in rules:
 * - PEM private keys (`-----BEGIN [RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP ]PRIVATE KEY[ BLOCK]-----`,
 *   also inside JSON strings with `\n` escapes, as in Google service-account files) and PuTTY keys;
 * - AWS access key IDs (`AKIA|ASIA|ABIA|ACCA` + 16 of [0-9A-Z]) and secret access keys (a 40-character
 *   key assigned to an `aws_secret…`/`secret_access_key` name, or standing within 5 lines of an
 *   access key ID);
 * - GitHub (`ghp_ gho_ ghu_ ghs_ ghr_`, `github_pat_`), GitLab (`glpat- gldt- glrt- glptt- glsoat-`),
 *   Slack (`xox?-` tokens, `xapp-` app tokens, incoming-webhook URLs), Google API keys (`AIza…`),
 *   Stripe live keys (`sk_live_`, `rk_live_`), Azure storage account keys (`AccountKey=` + 86
 *   base64 characters + `==`, as in connection strings) and Entra ID (Azure AD) client secrets
 *   (`xxx8Q~…`, gitleaks' azure-ad-client-secret shape), JSON Web Tokens (`eyJ….eyJ….sig`);
 * - Google Cloud service-account key files (a JSON `"type": "service_account"` document whose
 *   `private_key` holds a PEM key): reported as such instead of as a bare private key;
 * - credentials files by their format: `.npmrc` (`_authToken`, `_auth`, `_password` with a literal
 *   value, not `${NPM_TOKEN}`), `.pypirc` (`password`), Docker/Podman auth files (an `auths` entry with `auth`,
 *   `identitytoken` or `password`), `.git-credentials` (URLs with a password), `.netrc`
 *   (`password`), `.pgpass` (a non-empty password field).
 *
 * False positives avoided by construction:
 * - a private key needs its END line within 64 KiB and a real base64 body between (a run of ≥ 40
 *   base64 characters and ≥ 64 in all), so code that merely names the markers does not count;
 * - certificates (CA bundles, certifi's cacert.pem) are blanked out before the token detectors run,
 *   and every token must stand between non-base64 characters, so base64 bodies cannot match;
 * - a 40-character AWS secret needs upper case, lower case and a digit or `/`/`+` (a hex SHA-1 has
 *   no upper case), and an assignment name or a nearby access key ID;
 * - Slack tokens need their numeric team/user parts (documentation's `xoxb-your-token` does not match).
 *
 * Documentation placeholders: a token that contains `EXAMPLE` (AWS's documented
 * `AKIAIOSFODNN7EXAMPLE` / `wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`) is still reported but marked
 * `placeholder`, and the rules report it at `info`: gitleaks' aws-access-token rule allowlists
 * `.+EXAMPLE$` and Trivy's built-in "examples" allow rule drops any match containing "example", so
 * neither calls it a leak — but a file with credential-shaped values in an image is worth a line
 * (a copied `.env`), and a real key next to it is reported at full severity.
 *
 * Work is bounded: every pattern is linear (bounded quantifiers, no nested repetition), private-key
 * candidates and hits per file are capped, and the caller passes at most 1 MiB of text.
 */

import { compareText } from "../compare-text.js";
import type { CheckSeverity } from "./severity.js";

export type SecretKind =
  | "private-key"
  | "putty-private-key"
  | "aws-access-key-id"
  | "aws-secret-access-key"
  | "github-token"
  | "gitlab-token"
  | "slack-token"
  | "slack-webhook"
  | "google-api-key"
  | "stripe-key"
  | "azure-storage-key"
  | "azure-client-secret"
  | "jwt"
  | "gcp-service-account-key"
  | "npm-auth-token"
  | "registry-auth"
  | "git-credentials"
  | "netrc-password"
  | "pgpass-password"
  | "pypirc-password";

export const SECRET_KINDS: Readonly<Record<SecretKind, { label: string; severity: CheckSeverity }>> = {
  "private-key": { label: "private key", severity: "critical" },
  "putty-private-key": { label: "PuTTY private key", severity: "critical" },
  "aws-access-key-id": { label: "AWS access key ID", severity: "high" },
  "aws-secret-access-key": { label: "AWS secret access key", severity: "critical" },
  "github-token": { label: "GitHub token", severity: "critical" },
  "gitlab-token": { label: "GitLab token", severity: "critical" },
  "slack-token": { label: "Slack token", severity: "high" },
  "slack-webhook": { label: "Slack webhook URL", severity: "medium" },
  "google-api-key": { label: "Google API key", severity: "high" },
  "stripe-key": { label: "Stripe live key", severity: "critical" },
  "azure-storage-key": { label: "Azure storage account key", severity: "critical" },
  "azure-client-secret": { label: "Azure Entra ID client secret", severity: "critical" },
  jwt: { label: "JSON Web Token", severity: "medium" },
  "gcp-service-account-key": { label: "Google Cloud service account key", severity: "critical" },
  "npm-auth-token": { label: "npm registry credential", severity: "high" },
  "registry-auth": { label: "container registry credential", severity: "high" },
  "git-credentials": { label: "Git credentials (URL with a password)", severity: "high" },
  "netrc-password": { label: ".netrc password", severity: "high" },
  "pgpass-password": { label: "PostgreSQL .pgpass password", severity: "high" },
  "pypirc-password": { label: ".pypirc password", severity: "high" },
};

export interface SecretHit {
  kind: SecretKind;
  /** 1-based line of the match. */
  line: number;
  /** For private keys: the PEM type ("RSA", "OPENSSH", "" for PKCS#8). */
  detail?: string;
  /** The value is a documentation placeholder (contains EXAMPLE): reported at info. */
  placeholder?: boolean;
}

/** At most this many hits per file: a dump of 10,000 keys is one finding, not 10,000. */
export const MAX_HITS_PER_FILE = 50;
const MAX_KEY_CANDIDATES = 50;
const KEY_WINDOW = 64 * 1024;

/** Any token detector could match only if one of these is in the text (case-insensitive). */
const TOKEN_PREFILTER =
  /private key|putty-user-key-file|akia|asia|abia|acca|gh[pousr]_|github_pat_|gl(?:pat|dt|rt|ptt|soat)-|xox[abposr]-|xapp-|hooks\.slack\.com|aiza|[sr]k_live_|secret_?access|aws_?secret|accountkey=|q~|eyj/i;

/** Not a base64 character: tokens must stand between these (or the text's ends). */
const B = "(?<![A-Za-z0-9+/])";
const E = "(?![A-Za-z0-9+/=])";

const TOKEN_PATTERNS: readonly { kind: SecretKind; pattern: RegExp }[] = [
  { kind: "aws-access-key-id", pattern: new RegExp(`${B}(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}${E}`, "g") },
  { kind: "github-token", pattern: new RegExp(`${B}gh[pousr]_[A-Za-z0-9]{36}${E}`, "g") },
  { kind: "github-token", pattern: new RegExp(`${B}github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}${E}`, "g") },
  {
    kind: "gitlab-token",
    pattern: new RegExp(`${B}gl(?:pat|dt|rt|ptt|soat)-[A-Za-z0-9_-]{20,64}(?![A-Za-z0-9_-])`, "g"),
  },
  { kind: "slack-token", pattern: new RegExp(`${B}xox[abposr]-[0-9]{6,}-[0-9A-Za-z-]{8,200}`, "g") },
  { kind: "slack-token", pattern: new RegExp(`${B}xapp-[0-9]-[A-Z0-9]{6,}-[0-9]{6,}-[a-f0-9]{16,}`, "g") },
  {
    kind: "slack-webhook",
    pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,20}\/B[A-Z0-9]{6,20}\/[A-Za-z0-9]{20,40}/g,
  },
  { kind: "google-api-key", pattern: new RegExp(`${B}AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])`, "g") },
  { kind: "stripe-key", pattern: new RegExp(`${B}[sr]k_live_[0-9A-Za-z]{20,99}${E}`, "g") },
  { kind: "azure-storage-key", pattern: /AccountKey=[A-Za-z0-9+/]{86}==(?![A-Za-z0-9+/=])/g },
  {
    kind: "azure-client-secret",
    pattern: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/g,
  },
  {
    kind: "jwt",
    pattern:
      /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{15,2048}\.eyJ[A-Za-z0-9_-]{15,8192}\.[A-Za-z0-9_-]{16,1024}(?![A-Za-z0-9_-])/g,
  },
];

/** AWS's (and others') documentation values: "EXAMPLE" in the token (see the header). */
function isPlaceholder(token: string): boolean {
  return /example/i.test(token);
}

const AWS_SECRET_ASSIGNMENT =
  /(?:aws_?secret(?:_?access)?_?key|secret_?access_?key)["']?\s{0,8}[:=]{1,2}\s{0,8}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
const FORTY = new RegExp(`${B}[A-Za-z0-9/+]{40}${E}`, "g");

const PEM_BEGIN = /-----BEGIN ((?:[A-Z0-9]{1,16} ){0,3})PRIVATE KEY( BLOCK)?-----/g;
const PUTTY = /^PuTTY-User-Key-File-\d: /gm;

/** Offsets of line starts, for turning an index into a line number. */
class Lines {
  private starts: number[] | null = null;
  constructor(private readonly text: string) {}
  at(index: number): number {
    if (!this.starts) {
      this.starts = [0];
      for (let i = this.text.indexOf("\n"); i !== -1; i = this.text.indexOf("\n", i + 1))
        this.starts.push(i + 1);
    }
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }
}

/** Replace PEM certificate blocks with spaces (newlines kept): certificates are public. */
export function blankCertificates(text: string): string {
  const BEGIN = "-----BEGIN ";
  let out = "";
  let from = 0;
  for (let at = text.indexOf(BEGIN); at !== -1; ) {
    const header = /^-----BEGIN (?:TRUSTED |X509 )?CERTIFICATE-----/.exec(text.slice(at, at + 40));
    if (!header) {
      at = text.indexOf(BEGIN, at + BEGIN.length);
      continue;
    }
    const end = text.indexOf("-----END ", at + header[0].length);
    if (end === -1) break;
    const stop = text.indexOf("-----", end + 9);
    const blockEnd = stop === -1 ? text.length : stop + 5;
    out += text.slice(from, at) + text.slice(at, blockEnd).replace(/[^\n]/g, " ");
    from = blockEnd;
    at = text.indexOf(BEGIN, blockEnd);
  }
  return from === 0 ? text : out + text.slice(from);
}

function isKeyBody(body: string): boolean {
  let total = 0;
  let run = 0;
  let longest = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body.charCodeAt(i);
    const b64 = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47;
    if (b64) {
      total++;
      run++;
      if (run > longest) longest = run;
    } else if (c !== 61) {
      run = 0;
    }
  }
  return total >= 64 && longest >= 40;
}

function privateKeys(text: string, lines: Lines, hits: SecretHit[]): void {
  PEM_BEGIN.lastIndex = 0;
  let candidates = 0;
  for (let m = PEM_BEGIN.exec(text); m && candidates < MAX_KEY_CANDIDATES; m = PEM_BEGIN.exec(text)) {
    candidates++;
    const type = (m[1] ?? "").trim();
    const after = m.index + m[0].length;
    const window = text.slice(after, after + KEY_WINDOW);
    const endAt = window.indexOf(`-----END ${m[1] ?? ""}PRIVATE KEY${m[2] ?? ""}-----`);
    if (endAt === -1) continue;
    // JSON and code keep PEM in strings: "\n" escapes instead of newlines.
    const body = window.slice(0, endAt).replace(/\\[nr]/g, "\n");
    const bodyLines = body.split("\n").filter((l) => !/^\s*[A-Za-z-]+:/.test(l)); // Proc-Type:, Version:
    if (!isKeyBody(bodyLines.join("\n"))) continue;
    hits.push({ kind: "private-key", line: lines.at(m.index), detail: type });
    PEM_BEGIN.lastIndex = after + endAt;
  }
  PUTTY.lastIndex = 0;
  const putty = PUTTY.exec(text);
  if (putty && /^Private-Lines: \d+/m.test(text))
    hits.push({ kind: "putty-private-key", line: lines.at(putty.index) });
}

function hasSecretShape(token: string): boolean {
  return /[A-Z]/.test(token) && /[a-z]/.test(token) && /[0-9/+]/.test(token);
}

function awsSecretHit(line: number, token: string): SecretHit {
  return isPlaceholder(token)
    ? { kind: "aws-secret-access-key", line, placeholder: true }
    : { kind: "aws-secret-access-key", line };
}

function awsSecrets(text: string, lines: Lines, accessKeyLines: number[], hits: SecretHit[]): void {
  const seen = new Set<number>();
  AWS_SECRET_ASSIGNMENT.lastIndex = 0;
  for (let m = AWS_SECRET_ASSIGNMENT.exec(text); m; m = AWS_SECRET_ASSIGNMENT.exec(text)) {
    if (!hasSecretShape(m[1]!)) continue;
    const line = lines.at(m.index);
    if (!seen.has(line)) hits.push(awsSecretHit(line, m[1]!));
    seen.add(line);
  }
  if (accessKeyLines.length === 0) return;
  // A bare 40-character key near an access key ID (5 lines either side, 4 KiB at most each way).
  const starts = text.split("\n").reduce<number[]>(
    (acc, l) => {
      acc.push(acc[acc.length - 1]! + l.length + 1);
      return acc;
    },
    [0],
  );
  for (const keyLine of accessKeyLines) {
    const first = Math.max(1, keyLine - 5);
    const last = Math.min(starts.length - 1, keyLine + 5);
    const from = Math.max(starts[first - 1]!, starts[keyLine - 1]! - 4096);
    const to = Math.min(starts[last]! - 1, starts[keyLine]! + 4096);
    const slice = text.slice(from, Math.max(from, to));
    FORTY.lastIndex = 0;
    for (let m = FORTY.exec(slice); m; m = FORTY.exec(slice)) {
      if (!hasSecretShape(m[0])) continue;
      const line = lines.at(from + m.index);
      if (!seen.has(line)) hits.push(awsSecretHit(line, m[0]));
      seen.add(line);
    }
  }
}

function tokens(text: string, lines: Lines, hits: SecretHit[]): number[] {
  const accessKeyLines: number[] = [];
  for (const { kind, pattern } of TOKEN_PATTERNS) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m && hits.length < MAX_HITS_PER_FILE; m = pattern.exec(text)) {
      const line = lines.at(m.index);
      hits.push(isPlaceholder(m[0]) ? { kind, line, placeholder: true } : { kind, line });
      if (kind === "aws-access-key-id") accessKeyLines.push(line);
    }
  }
  return accessKeyLines;
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function lineHits(text: string, kind: SecretKind, test: (line: string) => boolean, hits: SecretHit[]): void {
  const all = text.split("\n");
  for (let i = 0; i < all.length && hits.length < MAX_HITS_PER_FILE; i++) {
    if (test(all[i]!)) hits.push({ kind, line: i + 1 });
  }
}

/** `${VAR}` or an empty value is a reference, not a secret. */
function literalValue(value: string): boolean {
  const v = value.trim().replace(/^["']|["']$/g, "");
  return v !== "" && !/^\$\{?[A-Za-z_][A-Za-z0-9_]*\}?$/.test(v);
}

function registryAuth(text: string, hits: SecretHit[]): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    doc = undefined;
  }
  const lines = new Lines(text);
  if (doc && typeof doc === "object" && !Array.isArray(doc)) {
    const auths = (doc as Record<string, unknown>).auths;
    if (!auths || typeof auths !== "object") return;
    for (const [registry, entry] of Object.entries(auths as Record<string, unknown>)) {
      if (!entry || typeof entry !== "object") continue;
      const e = entry as Record<string, unknown>;
      const secret = ["auth", "identitytoken", "password"].some(
        (k) => typeof e[k] === "string" && (e[k] as string).length > 0,
      );
      if (!secret) continue;
      const at = text.indexOf(JSON.stringify(registry));
      hits.push({ kind: "registry-auth", line: at === -1 ? 1 : lines.at(at) });
    }
    return;
  }
  // Not JSON (cut, or commented): fall back to the field itself.
  const m = /"(?:auth|identitytoken)"\s*:\s*"[A-Za-z0-9+/=._-]{8,}"/.exec(text);
  if (m) hits.push({ kind: "registry-auth", line: lines.at(m.index) });
}

/** Detectors that only make sense for one kind of file, chosen by its name. */
function byFileFormat(text: string, path: string, hits: SecretHit[]): void {
  const base = baseName(path);
  if (base === ".npmrc" || base === "npmrc") {
    lineHits(
      text,
      "npm-auth-token",
      (l) => {
        const m = /^\s*(?:\S*:)?(?:_authToken|_auth|_password)\s*=\s*(.*)$/.exec(l);
        return m !== null && literalValue(m[1]!);
      },
      hits,
    );
  } else if (
    (base === "config.json" && path.endsWith("/.docker/config.json")) ||
    (base === "auth.json" && /\/containers\/(?:\d+\/)?auth\.json$/.test(path))
  ) {
    registryAuth(text, hits);
  } else if (base === ".git-credentials") {
    lineHits(
      text,
      "git-credentials",
      (l) => /^[a-z][a-z0-9+.-]{0,20}:\/\/[^\s:@/]+:[^\s@/]+@/i.test(l),
      hits,
    );
  } else if (base === ".netrc" || base === "_netrc") {
    lineHits(text, "netrc-password", (l) => /(?:^|\s)password\s+\S/.test(l), hits);
  } else if (base === ".pypirc") {
    lineHits(
      text,
      "pypirc-password",
      (l) => {
        const m = /^\s*password\s*[:=]\s*(.*)$/.exec(l);
        return m !== null && literalValue(m[1]!);
      },
      hits,
    );
  } else if (base === ".pgpass") {
    lineHits(
      text,
      "pgpass-password",
      (l) => {
        if (l.startsWith("#")) return false;
        const fields = l.split(/(?<!\\):/);
        return fields.length >= 5 && fields.slice(4).join(":").length > 0;
      },
      hits,
    );
  }
}

/** A Google Cloud service-account key file: its private_key is the service account's credential. */
const GCP_SERVICE_ACCOUNT = /"type"\s{0,8}:\s{0,8}"service_account"/;

/** Every secret in one file's text; `path` chooses the format-specific detectors. */
export function findSecrets(text: string, path: string): SecretHit[] {
  const hits: SecretHit[] = [];
  byFileFormat(text, path, hits);
  if (TOKEN_PREFILTER.test(text)) {
    const lines = new Lines(text);
    const before = hits.length;
    privateKeys(text, lines, hits);
    if (GCP_SERVICE_ACCOUNT.test(text)) {
      for (let i = before; i < hits.length; i++) {
        if (hits[i]!.kind === "private-key")
          hits[i] = { kind: "gcp-service-account-key", line: hits[i]!.line };
      }
    }
    const visible = blankCertificates(text);
    const accessKeyLines = tokens(visible, lines, hits);
    awsSecrets(visible, lines, accessKeyLines, hits);
  }
  hits.sort((a, b) => a.line - b.line || compareText(a.kind, b.kind));
  return hits.slice(0, MAX_HITS_PER_FILE);
}
