/**
 * docs/checks.md against the code and Dockle's checkpoint list
 * (../shared/data/policy/dockle-checkpoints.json): every rule is documented with its own severity,
 * title, remediation and Dockle code, and every Dockle checkpoint is either mapped by a rule (whose
 * `dockle` field says so) or listed as not implemented, never both.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ALL_RULES } from "../../src/checks/all.js";
import { dataPath, repoPath } from "../helpers/shared.js";

interface DocumentedRule {
  id: string;
  title: string;
  kind: string;
  severity: string;
  dockle: string | null;
  remediation: string;
}

const doc = readFileSync(repoPath("docs", "checks.md"), "utf8");
const checkpoints = (
  JSON.parse(readFileSync(dataPath("policy", "dockle-checkpoints.json"), "utf8")) as {
    checkpoints: { code: string; title: string }[];
  }
).checkpoints;

function documentedRules(): DocumentedRule[] {
  const sections = doc.split(/^### /m).slice(1);
  return sections.map((s) => {
    const head = /^(SS\d{4}) — (.+)$/m.exec(s);
    const field = (name: string) => new RegExp(`^- ${name}: (.+)$`, "m").exec(s)?.[1] ?? "";
    const dockle = field("Dockle");
    return {
      id: head?.[1] ?? "",
      title: head?.[2] ?? "",
      kind: field("Kind"),
      severity: field("Severity").split(" ")[0]!,
      dockle: dockle === "—" ? null : dockle,
      remediation: field("Remediation"),
    };
  });
}

function notImplemented(): string[] {
  const section = doc.split("## Dockle checkpoints shipshape does not implement")[1]!.split(/^## /m)[0]!;
  return [...section.matchAll(/^\| ((?:CIS|DKL)-[A-Z]{2}-\d{4}) \|/gm)].map((m) => m[1]!);
}

describe("docs/checks.md", () => {
  it("documents every rule, in order, with the code's severity, title, kind, remediation and Dockle code", () => {
    expect(documentedRules()).toEqual(
      ALL_RULES.map((r) => ({
        id: r.id,
        title: r.title,
        kind: r.scope,
        severity: r.severity,
        dockle: r.dockle ?? null,
        remediation: r.remediation,
      })),
    );
  });

  it("rule ids are unique SS1xxx", () => {
    const ids = ALL_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^SS1\d{3}$/);
  });

  it("every Dockle checkpoint is mapped by a rule or listed as not implemented, never both", () => {
    const mapped = new Set(ALL_RULES.flatMap((r) => (r.dockle ? [r.dockle] : [])));
    const missing = new Set(notImplemented());
    expect(checkpoints.length).toBe(20);
    for (const { code } of checkpoints) {
      expect(mapped.has(code) || missing.has(code), `${code} is neither mapped nor listed`).toBe(true);
      expect(mapped.has(code) && missing.has(code), `${code} is both mapped and listed`).toBe(false);
      expect(doc).toContain(code);
    }
    // No rule claims a code Dockle does not have, and the list names only real checkpoints.
    const codes = new Set(checkpoints.map((c) => c.code));
    for (const code of [...mapped, ...missing]) expect(codes.has(code), code).toBe(true);
  });
});
