/**
 * A feed importer turns one upstream format into database records. One file per feed in this folder;
 * each importer is a parser (pure, over bytes/streams, fuzzed) plus the mapping to records.
 * `db update` downloads a feed's `downloads` (a mirror may replace the base URL) and hands the files
 * to `import`; `db import DIR|FILE` finds the importer whose `detect` recognises a local path.
 */
import type { VulnerabilityRecord } from "../records.js";
import type { BuildSession } from "../store.js";

export interface FeedDownload {
  /** Local file name the download is stored as (inside the feed's work directory). */
  name: string;
  /** The public URL. A mirror base (`--mirror` / config) replaces `https://host/` by its own prefix. */
  url: string;
  /** Optional: the body is a gzip/zip/tar.gz that the importer unpacks itself. */
  compression?: "gzip" | "zip" | "tar.gz";
}

export interface FeedContext {
  warn(message: string): void;
  /** "today", injectable for tests (end-of-life, EPSS dates). */
  now: Date;
  /** Report progress in records, for a progress bar. */
  progress?(records: number): void;
  /**
   * What this feed wrote into the database the build replaces (db import and db update pass it; a
   * first build or `db import --replace` does not): for an importer whose inputs may be partial, e.g.
   * Debian's tracker JSON imported without the DSA/DLA lists reuses the advisories imported before.
   */
  previous?: PreviousFeedData;
}

export interface PreviousFeedData {
  /** The vulnerability records this feed wrote whose ids start with one of `prefixes`. */
  vulnerabilities(prefixes: string[]): Promise<VulnerabilityRecord[]>;
}

export interface FeedImportResult {
  /** Vulnerability + affected records written. */
  records: number;
  /** The data's own date (newest advisory, feed timestamp), when known. */
  dataDate: string | null;
}

export interface FeedImporter {
  /** Stable id, also the `source` of the records it writes: "debian-tracker", "alpine-secdb", "osv-go"… */
  id: string;
  title: string;
  downloads: FeedDownload[];
  /** Does this local file or directory hold this feed's data, in a layout this importer reads? */
  detect(path: string): Promise<boolean>;
  /** Read the given files/directories and write records into the build. */
  import(inputs: string[], session: BuildSession, ctx: FeedContext): Promise<FeedImportResult>;
  /**
   * Optional, for a feed whose downloads name further files (Red Hat: `archive_latest.txt` names the
   * archive, `changes.csv` the documents changed since): given the directory `db update` fetched the
   * downloads into, the further downloads (public URLs; a mirror rewrites them like the others). They
   * are fetched into the same directory and imported with the rest.
   */
  followUpDownloads?(dir: string): Promise<FeedDownload[]>;
}
