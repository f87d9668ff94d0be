/**
 * OS detection. PLACEHOLDER until the full detector lands: reads /etc/os-release only.
 */
import type { OsDetector, OsInfo } from "./os.js";

export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
    }
    out[m[1]!] = value;
  }
  return out;
}

export const osReleaseDetector: OsDetector = {
  id: "os-release",
  version: "0",
  request: { paths: ["/etc/os-release", "/usr/lib/os-release"] },
  async detect(ctx): Promise<OsInfo | null> {
    for (const path of ["/etc/os-release", "/usr/lib/os-release"]) {
      if (!ctx.exists(path)) continue;
      const fields = parseOsRelease((await ctx.read(path)).toString("utf8"));
      if (!fields.ID) continue;
      return {
        id: fields.ID,
        versionId: fields.VERSION_ID ?? "",
        prettyName: fields.PRETTY_NAME ?? fields.ID,
        evidence: [path],
      };
    }
    return null;
  },
};
