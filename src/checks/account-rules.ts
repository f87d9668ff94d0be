/**
 * Accounts (Dockle's DKL-LI-0001 and DKL-LI-0002): a password field left empty in /etc/shadow (or
 * BSD's /etc/master.passwd) lets anyone become that user with `su`; two accounts sharing a UID (or
 * groups sharing a GID) make file ownership and audit logs ambiguous. The files are parsed while
 * the layer streams and only the facts are kept: no password hash stays in memory or in the cache.
 */
import type { AnalysisValue, FileRequest } from "../image/file-request.js";
import type { FilesystemRule, RuleHit } from "./rule.js";

const SHADOW_FILES = ["/etc/shadow", "/etc/master.passwd"];
const PASSWD = "/etc/passwd";
const GROUP = "/etc/group";

/** `name:…` lines of a colon-separated account file, comments and blank lines skipped. */
function records(text: string): string[][] {
  return text
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l) => l.trim() !== "" && !l.startsWith("#") && !l.startsWith("+") && !l.startsWith("-"))
    .map((l) => l.split(":"));
}

/** Accounts whose password field is empty (no password at all: `su` asks for none). */
export function emptyPasswordAccounts(text: string): string[] {
  return records(text)
    .filter((f) => f.length >= 2 && f[0] !== "" && f[1] === "")
    .map((f) => f[0]!);
}

/** Names that share a numeric id (field 2 in passwd and group), as [id, names]. */
export function duplicateIds(text: string): [string, string[]][] {
  const byId = new Map<string, string[]>();
  for (const f of records(text)) {
    if (f.length < 3 || !/^\d+$/.test(f[2]!)) continue;
    byId.set(f[2]!, [...(byId.get(f[2]!) ?? []), f[0]!]);
  }
  return [...byId].filter(([, names]) => names.length > 1);
}

export const ACCOUNTS_REQUEST: FileRequest = {
  id: "check-accounts",
  version: "1",
  paths: [...SHADOW_FILES, PASSWD, GROUP],
  maxFileBytes: 16 * 1024 * 1024,
  analyze: (bytes, file): AnalysisValue => {
    const text = bytes.toString("utf8");
    if (SHADOW_FILES.includes(file.path)) return { empty: emptyPasswordAccounts(text) };
    return { duplicates: duplicateIds(text).map(([id, names]) => [id, names]) };
  },
};

function stringList(v: AnalysisValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function field(value: AnalysisValue | undefined, key: string): AnalysisValue | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? value[key] : undefined;
}

export const emptyPasswordRule: FilesystemRule = {
  id: "SS1012",
  scope: "filesystem",
  severity: "high",
  dockle: "DKL-LI-0001",
  title: "Account without a password",
  remediation: "Lock the account (passwd -l NAME, or put `!` or `*` in its password field) or remove it.",
  requests: [ACCOUNTS_REQUEST],
  test({ fs }) {
    const hits: RuleHit[] = [];
    for (const path of SHADOW_FILES) {
      for (const name of stringList(field(fs.analysis(ACCOUNTS_REQUEST.id, path), "empty"))) {
        hits.push({ title: `Account ${name} has an empty password in ${path}`, path });
      }
    }
    return hits;
  },
};

export const duplicateIdRule: FilesystemRule = {
  id: "SS1013",
  scope: "filesystem",
  severity: "medium",
  dockle: "DKL-LI-0002",
  title: "Accounts or groups share an ID",
  remediation: "Give every account its own UID and every group its own GID.",
  requests: [ACCOUNTS_REQUEST],
  test({ fs }) {
    const hits: RuleHit[] = [];
    for (const [path, what] of [
      [PASSWD, "UID"],
      [GROUP, "GID"],
    ] as const) {
      const duplicates = field(fs.analysis(ACCOUNTS_REQUEST.id, path), "duplicates");
      if (!Array.isArray(duplicates)) continue;
      for (const d of duplicates) {
        if (!Array.isArray(d) || typeof d[0] !== "string") continue;
        const names = stringList(d[1]);
        hits.push({ title: `${what} ${d[0]} is shared by ${names.join(", ")} in ${path}`, path });
      }
    }
    return hits;
  },
};
