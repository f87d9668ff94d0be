/**
 * Secrets stored in the image's layers: by content (secret-patterns.ts, read through the analyzer
 * of secret-scan.ts) and by file name (Dockle's CIS-DI-0010 list of credential files). Every layer
 * counts — a file deleted in a later layer is still in the image — and each finding names the layer
 * that holds the file. Titles name the kinds of secret and their lines, never their values.
 */
import type { ImageFilesystem } from "../image/filesystem.js";
import type { LayerEntry } from "../image/layer-entry.js";
import { layerPresence, presenceNote } from "./layer-presence.js";
import type { FilesystemRule, RuleHit } from "./rule.js";
import { SECRET_KINDS, type SecretHit } from "./secret-patterns.js";
import { SECRETS_REQUEST, secretHitsOf } from "./secret-scan.js";
import { type CheckSeverity, checkSeverityRank } from "./severity.js";

/** Regular files of every layer, with their entry index. */
function* layerFiles(fs: ImageFilesystem): Generator<{ layer: number; index: number; entry: LayerEntry }> {
  for (const l of fs.layers) {
    for (let i = 0; i < l.entries.length; i++) {
      const entry = l.entries[i]!;
      if (entry.kind === "file") yield { layer: l.index, index: i, entry };
    }
  }
}

function describeHits(hits: SecretHit[]): string {
  const byKind = new Map<string, number[]>();
  for (const h of hits) {
    const base =
      h.kind === "private-key" && h.detail
        ? `${h.detail} ${SECRET_KINDS[h.kind].label}`
        : SECRET_KINDS[h.kind].label;
    const label = h.placeholder ? `${base} (a documentation EXAMPLE value)` : base;
    const lines = byKind.get(label) ?? [];
    if (!lines.includes(h.line)) lines.push(h.line);
    byKind.set(label, lines);
  }
  return [...byKind]
    .map(
      ([label, lines]) =>
        `${label} (line${lines.length > 1 ? "s" : ""} ${lines.slice(0, 5).join(", ")}${lines.length > 5 ? ", …" : ""})`,
    )
    .join(", ");
}

export const secretFileRule: FilesystemRule = {
  id: "SS1010",
  scope: "filesystem",
  severity: "critical",
  dockle: "CIS-DI-0010",
  title: "Secret stored in a layer",
  remediation:
    "Revoke and rotate the secret now: anyone who can pull the image can read it, even when a later layer deletes the file. Pass secrets at run time (orchestrator secrets, mounted files) or at build time with build secrets (RUN --mount=type=secret), never COPY them, and rebuild the image.",
  requests: [SECRETS_REQUEST],
  test({ fs }) {
    const hits: RuleHit[] = [];
    for (const { layer, index, entry } of layerFiles(fs)) {
      const values = fs.layers[layer]!.analyses.get(index);
      const found = secretHitsOf(values?.[SECRETS_REQUEST.id]);
      if (found.length === 0) continue;
      // Documentation placeholders (AKIA…EXAMPLE) are worth a line, not an alarm (secret-patterns.ts).
      const severity = found
        .map((h): CheckSeverity => (h.placeholder ? "info" : SECRET_KINDS[h.kind].severity))
        .reduce((a, b) => (checkSeverityRank(b) > checkSeverityRank(a) ? b : a));
      const note = presenceNote(layerPresence(fs, layer, index, entry.path));
      hits.push({
        title: `${describeHits(found)} in ${entry.path} (layer ${layer}${note})`,
        path: entry.path,
        layer,
        severity,
      });
    }
    return hits;
  },
};

// Dockle's suspicious file names and extensions (dockle-checkpoints.json, CIS-DI-0010), plus the
// credential stores of git, netrc and PostgreSQL. `.env.*` counts except templates.
const CREDENTIAL_FILE_NAMES = new Set([
  "credentials.json",
  "credential.json",
  "credentials",
  "credential",
  "password.txt",
  "id_rsa",
  "id_dsa",
  "id_ecdsa",
  "id_ed25519",
  "id_ecdsa_sk",
  "id_ed25519_sk",
  "secret_token.rb",
  "carrierwave.rb",
  "omniauth.rb",
  "settings.py",
  "database.yml",
  "credentials.xml",
  ".env",
  ".git-credentials",
  ".netrc",
  ".pgpass",
]);
const CREDENTIAL_EXTENSIONS = new Set([
  ".secret",
  ".ovpn",
  ".private_key",
  ".cscfg",
  ".rdp",
  ".mdf",
  ".sdf",
  ".bek",
  ".tpm",
  ".fve",
  ".jks",
  ".psafe3",
  ".agilekeychain",
  ".keychain",
  ".pcap",
  ".gnucache",
]);
const ENV_TEMPLATE = /^\.env\.(?:example|sample|template|dist|defaults?|tpl)$/i;

/**
 * Installed libraries' trees: there `omniauth.rb`, `carrierwave.rb`, `settings.py` or `database.yml`
 * are the libraries' own source and samples, not an application's credentials (the name list is meant
 * for application folders). Secrets in their content are still looked for (SS1010).
 */
const LIBRARY_TREE =
  /\/(?:site-packages|dist-packages|node_modules|gems|vendor)\/|^\/usr\/(?:local\/)?lib\/(?:python[0-9.]*|ruby|node_modules|jvm)\/|^\/usr\/share\/|^\/usr\/lib\/go[^/]*\//;

/** Why a file's name marks it as a credentials file, or null. */
export function credentialFileReason(path: string): string | null {
  if (LIBRARY_TREE.test(path)) return null;
  const base = path.slice(path.lastIndexOf("/") + 1);
  if (CREDENTIAL_FILE_NAMES.has(base)) return `named ${base}`;
  if (base.startsWith(".env.") && !ENV_TEMPLATE.test(base)) return `named ${base}, a .env file`;
  const dot = base.lastIndexOf(".");
  if (dot > 0 && CREDENTIAL_EXTENSIONS.has(base.slice(dot).toLowerCase()))
    return `extension ${base.slice(dot)}`;
  return null;
}

export const credentialFileRule: FilesystemRule = {
  id: "SS1011",
  scope: "filesystem",
  severity: "medium",
  dockle: "CIS-DI-0010",
  title: "Credentials file in a layer",
  remediation:
    "Do not COPY credential files (.env, SSH keys, cloud credentials, keystores) into an image; keep them out of the build context with .dockerignore and provide them at run time. Deleting them in a later layer does not remove them from the image.",
  test({ fs }) {
    const hits: RuleHit[] = [];
    for (const { layer, index, entry } of layerFiles(fs)) {
      const reason = credentialFileReason(entry.path);
      if (!reason) continue;
      const note = presenceNote(layerPresence(fs, layer, index, entry.path));
      hits.push({
        title: `Credentials file ${entry.path} (${reason}; layer ${layer}${note})`,
        path: entry.path,
        layer,
      });
    }
    return hits;
  },
};
