/**
 * The OS of an SBOM without an operating-system entry, from its OS packages' purls: the `distro`
 * qualifier (`debian-12`, `alpine-3.16.2`, `rhel-8.8`, Syft's codename-only `bookworm`, apk's bare
 * `3.16.2`) and the purl namespace (`debian`, `alpine`, `redhat`).
 */
import type { OsInfo } from "../catalog/os.js";

/** Purl namespaces and distro prefixes that differ from os-release IDs. */
const ID_ALIASES: Record<string, string> = {
  redhat: "rhel",
  "red-hat": "rhel",
  suse: "sles",
  "cbl-mariner": "mariner",
};

export interface DistroClue {
  /** The purl namespace, e.g. `debian`. */
  namespace?: string;
  distro: string;
}

/** An os-release style ID for an OS name an SBOM gives (Trivy writes `redhat` for RHEL). */
export function osId(text: string): string {
  const id = text.toLowerCase();
  return ID_ALIASES[id] ?? id;
}

/** `debian-12` → {debian, 12}; `3.16.2` (+ namespace alpine) → {alpine, 3.16.2}; `bookworm` → codename. */
export function parseDistro(clue: DistroClue): { id: string; versionId: string; codename?: string } | null {
  const text = clue.distro.trim();
  if (!text || text.length > 128) return null;
  const versioned = /^([a-z][a-z0-9-]*?)-(\d[\w.~+-]*)$/i.exec(text);
  if (versioned) return { id: osId(versioned[1]!), versionId: versioned[2]! };
  if (!clue.namespace) return null;
  if (/^\d[\w.~+-]*$/.test(text)) return { id: osId(clue.namespace), versionId: text };
  if (/^[a-z]+$/i.test(text))
    return { id: osId(clue.namespace), versionId: "", codename: text.toLowerCase() };
  return null;
}

/** The distro most OS packages name, as an OsInfo; null when none names one. */
export function osFromDistroClues(clues: readonly DistroClue[], evidence: string): OsInfo | null {
  const counts = new Map<string, { n: number; parsed: NonNullable<ReturnType<typeof parseDistro>> }>();
  for (const clue of clues) {
    const parsed = parseDistro(clue);
    if (!parsed) continue;
    const key = `${parsed.id}\0${parsed.versionId}\0${parsed.codename ?? ""}`;
    const entry = counts.get(key);
    if (entry) entry.n++;
    else counts.set(key, { n: 1, parsed });
  }
  let best: { n: number; parsed: NonNullable<ReturnType<typeof parseDistro>> } | undefined;
  for (const entry of counts.values()) if (!best || entry.n > best.n) best = entry;
  if (!best) return null;
  const { id, versionId, codename } = best.parsed;
  const os: OsInfo = {
    id,
    versionId,
    prettyName: [id, versionId || codename].filter(Boolean).join(" "),
    evidence: [evidence],
  };
  if (codename) os.codename = codename;
  return os;
}
