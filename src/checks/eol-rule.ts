/**
 * A base OS past its end of life gets no security fixes: every new vulnerability in it stays open.
 * The catalog's OS detection names the release; the vendors' published dates (catalog/eol.ts) decide
 * on the check's "today" (the same day the age rule uses, so `now` in tests moves both). A release
 * that is not in those tables is unknown and not reported.
 */
import { endOfLife } from "../catalog/eol.js";
import type { ImageRule } from "./rule.js";

export const endOfLifeRule: ImageRule = {
  id: "SS1024",
  scope: "image",
  severity: "high",
  title: "Base OS past its end of life",
  remediation:
    "Rebuild on a supported release of the distribution (or a minimal base that is maintained); an end-of-life release gets no security updates.",
  test({ catalog, now }) {
    const os = catalog.os;
    if (!os) return [];
    const status = endOfLife(os, now);
    if (status.eol !== true) return [];
    const since = status.eolDate ? ` on ${status.eolDate}` : "";
    return [{ title: `${os.prettyName || `${os.id} ${os.versionId}`} reached its end of life${since}` }];
  },
};
