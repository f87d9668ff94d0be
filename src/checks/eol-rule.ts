/**
 * A base OS past its end of life gets no security fixes: every new vulnerability in it stays open.
 * The catalog's OS detection decides (OsInfo.eol, from the vendors' published dates in
 * catalog/eol.ts, for "today"); a release that is not in those tables is unknown and not reported.
 */
import type { ImageRule } from "./rule.js";

export const endOfLifeRule: ImageRule = {
  id: "SS1024",
  scope: "image",
  severity: "high",
  title: "Base OS past its end of life",
  remediation:
    "Rebuild on a supported release of the distribution (or a minimal base that is maintained); an end-of-life release gets no security updates.",
  test({ catalog }) {
    const os = catalog.os;
    if (os?.eol !== true) return [];
    const since = os.eolDate ? ` on ${os.eolDate}` : "";
    return [{ title: `${os.prettyName || `${os.id} ${os.versionId}`} reached its end of life${since}` }];
  },
};
