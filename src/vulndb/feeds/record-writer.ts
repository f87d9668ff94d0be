/**
 * Buffers an importer's records and writes them to the build in batches: one transaction per few
 * hundred records keeps a whole-feed import to seconds without holding the feed in memory.
 */
import type { AffectedRecord, VulnerabilityRecord } from "../records.js";
import type { BuildSession } from "../store.js";

const BATCH = 500;

export class RecordWriter {
  private readonly session: BuildSession;
  private readonly source: string;
  private vulns: VulnerabilityRecord[] = [];
  private affected: AffectedRecord[] = [];
  /** Vulnerability + affected records written so far. */
  written = 0;
  /** The newest `modified`/`published` date seen, for the feed's data date. */
  newest: string | null = null;

  constructor(session: BuildSession, source: string) {
    this.session = session;
    this.source = source;
  }

  async add(vulnerability: VulnerabilityRecord, affected: AffectedRecord[]): Promise<void> {
    this.vulns.push(vulnerability);
    this.affected.push(...affected);
    const date = vulnerability.modified ?? vulnerability.published;
    if (date && (this.newest === null || date > this.newest)) this.newest = date;
    if (this.vulns.length >= BATCH || this.affected.length >= BATCH * 4) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.vulns.length > 0) await this.session.putVulnerabilities(this.source, this.vulns);
    if (this.affected.length > 0) await this.session.putAffected(this.affected);
    this.written += this.vulns.length + this.affected.length;
    this.vulns = [];
    this.affected = [];
  }
}
