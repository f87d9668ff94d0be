/**
 * Credentials in the image config (Dockle's CIS-DI-0010): `Env` entries and history lines (`ENV
 * X=…`, `ARG`s that BuildKit records as `|1 X=…`, `RUN X=… cmd`). Anyone who pulls the image can read
 * both with `docker inspect` / `docker history`.
 *
 * A variable counts when its name contains one of Dockle's words (PASS, PASSWD, PASSWORD, SECRET,
 * KEY, ACCESS, TOKEN, case-insensitive; `GPG_KEY`/`GPG_KEYS` accepted) and its value is a literal.
 * Beyond Dockle, to keep the signal clean: names of public or indirect things are accepted (GPG/PGP,
 * PUBLIC, KEYRING, KEYSERVER, `…_KEY_ID`, `…_FILE`, `…_PATH`, `…_DIR`), and so are values that
 * cannot be secrets (empty, `$VAR` references, paths, true/false/yes/no/on/off/0/1). Any value the
 * file secret detectors recognise (an AWS key, a GitHub token…) counts whatever its name.
 * Titles name the variable, never its value.
 */
import type { ImageContext, ImageRule, RuleHit } from "./rule.js";
import { findSecrets, SECRET_KINDS } from "./secret-patterns.js";
import { assignmentOf, splitCommands } from "./shell-words.js";

const DOCKLE_WORDS = /PASS|PASSWD|PASSWORD|SECRET|KEY|ACCESS|TOKEN/i;
const DOCKLE_ACCEPTED = new Set(["GPG_KEY", "GPG_KEYS"]);
const ACCEPTED_NAME = /GPG|PGP|PUBLIC|KEYRING|KEYSERVER|_KEY_ID$|_FILE$|_PATH$|_DIR$/i;
const NOT_A_SECRET_VALUE =
  /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|[./~]\/.*|\/.*|true|false|yes|no|on|off|[01]|none|null)?$/i;

export function isSensitiveName(name: string): boolean {
  return DOCKLE_WORDS.test(name) && !DOCKLE_ACCEPTED.has(name) && !ACCEPTED_NAME.test(name);
}

/** Whether `NAME=value` looks like a credential; the reason, or null. */
export function credentialAssignment(name: string, value: string): string | null {
  const tokens = findSecrets(value, "").filter((t) => !t.placeholder);
  if (tokens.length > 0) return SECRET_KINDS[tokens[0]!.kind].label;
  if (isSensitiveName(name) && !NOT_A_SECRET_VALUE.test(value.trim()))
    return "a literal value under a secret's name";
  return null;
}

export const envSecretRule: ImageRule = {
  id: "SS1028",
  scope: "image",
  severity: "high",
  dockle: "CIS-DI-0010",
  title: "Credential in the config's environment",
  remediation:
    "Do not bake credentials into ENV: anyone who pulls the image reads them with docker inspect. Inject them at run time (orchestrator secrets, env from a secret store) and rotate the exposed one.",
  test({ config }: ImageContext) {
    const hits: RuleHit[] = [];
    for (const entry of config.config?.Env ?? []) {
      const eq = entry.indexOf("=");
      if (eq <= 0) continue;
      const name = entry.slice(0, eq);
      const reason = credentialAssignment(name, entry.slice(eq + 1));
      if (reason) hits.push({ title: `Environment variable ${name} holds ${reason}` });
    }
    return hits;
  },
};

export const historySecretRule: ImageRule = {
  id: "SS1029",
  scope: "image",
  severity: "high",
  dockle: "CIS-DI-0010",
  title: "Credential in the image history",
  remediation:
    "Build arguments, ENV values and RUN command lines are recorded in the image history (docker history). Use build secrets (RUN --mount=type=secret) instead, rebuild, and rotate the exposed credential.",
  test({ config }: ImageContext) {
    const hits: RuleHit[] = [];
    (config.history ?? []).forEach((h, index) => {
      const text = h.created_by ?? "";
      if (text === "") return;
      const names = new Set<string>();
      for (const command of splitCommands(text)) {
        for (const word of command.words) {
          const a = assignmentOf(word);
          if (a && a.value !== "" && isSensitiveName(a.name) && !NOT_A_SECRET_VALUE.test(a.value.trim())) {
            names.add(a.name);
          }
        }
      }
      const kinds = new Set(
        findSecrets(text, "")
          .filter((s) => !s.placeholder)
          .map((s) => SECRET_KINDS[s.kind].label),
      );
      if (names.size === 0 && kinds.size === 0) return;
      const what = [...[...names].map((n) => `sets ${n}`), ...[...kinds].map((k) => `contains a ${k}`)].join(
        ", ",
      );
      hits.push({ title: `History entry ${index} ${what}` });
    });
    return hits;
  },
};
