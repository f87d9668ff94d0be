/**
 * File names that mark a credentials file when a COPY/ADD puts it into an image: the image checks'
 * list (Dockle's names and extensions, git/netrc/pgpass stores; src/checks/secret-rules.ts) plus the
 * package registries' and cloud tools' credential files and private-key formats. `.pem` counts
 * unless the name says it is a certificate (cert, ca, chain, bundle, pub).
 */
import { credentialFileReason } from "../../checks/secret-rules.js";

const NAMES = new Set([
  ".npmrc",
  ".pypirc",
  ".dockercfg",
  ".htpasswd",
  ".vault-token",
  "kubeconfig",
  "service-account.json",
  "secrets.yaml",
  "secrets.yml",
  "secrets.json",
  "terraform.tfvars",
]);
const EXTENSIONS = new Set([".key", ".p12", ".pfx", ".ppk", ".keystore", ".tfstate"]);
const CERTIFICATE_WORDS = /cert|(?:^|[-_.])ca(?:[-_.]|$)|chain|bundle|pub/i;
/** Directories whose whole content is credentials, copied whole (`COPY .aws /root/.aws`). */
const DIRECTORIES = /(?:^|\/)\.(?:ssh|aws|gnupg|kube|docker)$/;

/** Why a COPY/ADD source or destination looks like a secret, or null. */
export function secretFileReason(path: string): string | null {
  const clean = path.replace(/\/+$/, "");
  const base = clean.slice(clean.lastIndexOf("/") + 1);
  if (base === "" || base.includes("$")) return null;
  if (NAMES.has(base)) return `named ${base}`;
  const dot = base.lastIndexOf(".");
  const ext = dot > 0 ? base.slice(dot).toLowerCase() : "";
  if (EXTENSIONS.has(ext)) return `extension ${ext}`;
  if (ext === ".pem" && !CERTIFICATE_WORDS.test(base)) return "a .pem private key or credential";
  if (DIRECTORIES.test(clean)) return `the whole ${base} folder`;
  return credentialFileReason(clean);
}
