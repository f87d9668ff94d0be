/**
 * Test helpers for Red Hat data: import CSAF inputs into a real SQLite store, keep an importer's
 * records in memory, and write CSAF VEX documents shaped exactly like Red Hat's (product tree with
 * stream products carrying CPEs and components carrying purls, `default_component_of`
 * relationships, product_status, remediations, impact threats) for scenarios the real fixtures do
 * not cover.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redhatCsafImporter } from "../../../src/vulndb/feeds/redhat-csaf.js";
import type { RhelAffectedRecord } from "../../../src/vulndb/feeds/redhat-csaf-document.js";
import type { VulnerabilityRecord } from "../../../src/vulndb/records.js";
import { SqliteStore } from "../../../src/vulndb/sqlite-store.js";
import type { BuildSession } from "../../../src/vulndb/store.js";

export interface ImportedStore {
  store: SqliteStore;
  warnings: string[];
  records: number;
  dataDate: string | null;
  dispose(): Promise<void>;
}

export async function importRedHat(inputs: string[]): Promise<ImportedStore> {
  const dir = mkdtempSync(join(tmpdir(), "shipshape-rhel-"));
  const path = join(dir, "db.sqlite");
  const warnings: string[] = [];
  const session = await SqliteStore.open(path).beginBuild();
  let result: Awaited<ReturnType<typeof redhatCsafImporter.import>>;
  try {
    result = await redhatCsafImporter.import(inputs, session, {
      warn: (m) => warnings.push(m),
      now: new Date("2026-01-01T00:00:00Z"),
    });
    await session.commit();
  } catch (err) {
    await session.abort();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const store = SqliteStore.open(path);
  return {
    store,
    warnings,
    records: result.records,
    dataDate: result.dataDate,
    async dispose() {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A BuildSession that keeps what it is given, to look at an importer's records directly. */
export class RecordingSession implements BuildSession {
  readonly vulnerabilities: VulnerabilityRecord[] = [];
  readonly affected: RhelAffectedRecord[] = [];
  async putVulnerabilities(_source: string, records: VulnerabilityRecord[]): Promise<void> {
    this.vulnerabilities.push(...records);
  }
  async putAffected(records: RhelAffectedRecord[]): Promise<void> {
    this.affected.push(...records);
  }
  /** Red Hat's data has no KEV or EPSS rows: any would be a bug. */
  async putKev(source: string): Promise<void> {
    throw new Error(`unexpected KEV rows from ${source}`);
  }
  async putEpss(source: string): Promise<void> {
    throw new Error(`unexpected EPSS rows from ${source}`);
  }
  async setFeedState(): Promise<void> {}
  async copyFeedsFrom(): Promise<void> {}
  async commit(): Promise<void> {}
  async abort(): Promise<void> {}
}

export async function recordRedHat(
  inputs: string[],
): Promise<{ session: RecordingSession; warnings: string[] }> {
  const session = new RecordingSession();
  const warnings: string[] = [];
  await redhatCsafImporter.import(inputs, session, { warn: (m) => warnings.push(m), now: new Date() });
  return { session, warnings };
}

export interface VexStream {
  /** Product id, as Red Hat names streams ("BaseOS-8.10.0.Z.MAIN", "red_hat_enterprise_linux_9"). */
  id: string;
  name: string;
  cpe: string;
}

export interface VexComponent {
  stream: string;
  /** Component product id ("libuuid-0:2.32.1-46.el8_10.x86_64", "libuuid"). */
  id: string;
  purl: string;
  status: "fixed" | "known_affected" | "known_not_affected" | "under_investigation";
  remediation?: { category: string; details?: string; url?: string; date?: string };
  impact?: "Low" | "Moderate" | "Important" | "Critical";
}

export interface VexSpec {
  cve: string;
  title?: string;
  severity?: "Low" | "Moderate" | "Important" | "Critical";
  streams: VexStream[];
  components: VexComponent[];
}

/** A CSAF VEX document in Red Hat's layout. */
export function vexDocument(spec: VexSpec): object {
  const fullId = (c: VexComponent) => `${c.stream}:${c.id}`;
  const byStatus = (s: VexComponent["status"]) => spec.components.filter((c) => c.status === s).map(fullId);
  const remediations = new Map<
    string,
    { category: string; details?: string; url?: string; date?: string; product_ids: string[] }
  >();
  for (const c of spec.components) {
    if (!c.remediation) continue;
    const key = JSON.stringify(c.remediation);
    const r = remediations.get(key) ?? { ...c.remediation, product_ids: [] };
    r.product_ids.push(fullId(c));
    remediations.set(key, r);
  }
  const impacts = new Map<string, string[]>();
  for (const c of spec.components) {
    const impact = c.impact ?? spec.severity ?? "Moderate";
    impacts.set(impact, [...(impacts.get(impact) ?? []), fullId(c)]);
  }
  const uniqueComponents = [...new Map(spec.components.map((c) => [c.id, c])).values()];
  return {
    document: {
      aggregate_severity: {
        namespace: "https://access.redhat.com/security/updates/classification/",
        text: spec.severity ?? "Moderate",
      },
      category: "csaf_vex",
      csaf_version: "2.0",
      publisher: {
        category: "vendor",
        name: "Red Hat Product Security",
        namespace: "https://www.redhat.com",
      },
      references: [
        {
          category: "self",
          url: `https://access.redhat.com/security/data/csaf/v2/vex/${spec.cve.slice(4, 8)}/${spec.cve.toLowerCase()}.json`,
        },
      ],
      title: spec.title ?? `${spec.cve} test document`,
      tracking: {
        current_release_date: "2025-01-10T00:00:00+00:00",
        id: spec.cve,
        initial_release_date: "2024-12-01T00:00:00+00:00",
        status: "final",
        version: "1",
      },
    },
    product_tree: {
      branches: [
        {
          category: "vendor",
          name: "Red Hat",
          branches: [
            ...spec.streams.map((s) => ({
              category: "product_family",
              name: s.name,
              branches: [
                {
                  category: "product_name",
                  name: s.name,
                  product: { name: s.name, product_id: s.id, product_identification_helper: { cpe: s.cpe } },
                },
              ],
            })),
            ...uniqueComponents.map((c) => ({
              category: "product_version",
              name: c.id,
              product: { name: c.id, product_id: c.id, product_identification_helper: { purl: c.purl } },
            })),
          ],
        },
      ],
      relationships: spec.components.map((c) => ({
        category: "default_component_of",
        full_product_name: { name: `${c.id} as a component of ${c.stream}`, product_id: fullId(c) },
        product_reference: c.id,
        relates_to_product_reference: c.stream,
      })),
    },
    vulnerabilities: [
      {
        cve: spec.cve,
        title: spec.title ?? `${spec.cve} test`,
        notes: [
          { category: "description", text: `${spec.cve} description`, title: "Vulnerability description" },
        ],
        release_date: "2024-12-01T00:00:00+00:00",
        product_status: Object.fromEntries(
          (["fixed", "known_affected", "known_not_affected", "under_investigation"] as const)
            .map((s) => [s, byStatus(s)] as const)
            .filter(([, ids]) => ids.length > 0),
        ),
        remediations: [...remediations.values()],
        threats: [...impacts].map(([details, product_ids]) => ({ category: "impact", details, product_ids })),
      },
    ],
  };
}

export function writeJson(dir: string, name: string, value: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value, null, 2));
  return path;
}
