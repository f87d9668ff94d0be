/**
 * `check --format sarif`: SARIF 2.1.0 in the same style as `scan --format sarif`: one run, driver
 * "shipshape", the hygiene rules and results of hygiene-sarif.ts (which scan's SARIF uses too), and
 * the image and the gate's outcome as the run's properties.
 */
import type { CheckJson } from "./check-json.js";
import { hygieneSarifResults, hygieneSarifRules } from "./hygiene-sarif.js";
import { renderSarifLog } from "./sarif-log.js";
import { imageIdentity } from "./sbom-identity.js";

export function renderCheckSarif(doc: CheckJson): string {
  const image = imageIdentity(doc.source);
  const rules = hygieneSarifRules(doc.findings);
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results = hygieneSarifResults(
    doc.findings,
    (id) => index.get(id),
    image.displayName,
    (f) => f.title,
  );
  return renderSarifLog({
    fullName: "shipshape container image scanner",
    rules,
    results,
    baseUris: { IMAGE_ROOT: `The root filesystem of ${image.displayName}` },
    properties: {
      image: image.displayName,
      reference: doc.source.reference,
      ...(doc.source.manifestDigest ? { manifestDigest: doc.source.manifestDigest } : {}),
      ...(doc.failOn ? { failOn: doc.failOn, passed: doc.passed } : {}),
    },
  });
}
