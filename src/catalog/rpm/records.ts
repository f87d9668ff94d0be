/**
 * What every rpm database parser returns: the packages whose headers could be read, and the problems
 * met on the way (a database with problems is reported as incomplete, never dropped). The collector
 * bounds the work a hostile database can cause: the header bytes parsed may not exceed a budget tied
 * to the file's size, and only the first problems are kept verbatim.
 */
import { describeError } from "../../errors.js";
import { parseRpmHeader, type RpmHeader } from "./header.js";

export type RpmBackend = "sqlite" | "bdb" | "ndb" | "manifest";

/** One installed package as the database records it (JSON-safe: it may live in the layer cache). */
export type RpmPackageRecord = Omit<RpmHeader, "problems">;

/** A type alias (not an interface) so that it is a JSON value the layer cache can keep. */
export type RpmDatabaseResult = {
  backend: RpmBackend;
  packages: RpmPackageRecord[];
  /** Empty when the whole database was read. */
  problems: string[];
};

/** Problems kept word for word; the rest are counted. */
const MAX_PROBLEMS = 20;

export class HeaderCollector {
  readonly packages: RpmPackageRecord[] = [];
  private readonly problems: string[] = [];
  private dropped = 0;
  private budget: number;

  /** `budgetBytes`: how many header bytes may be parsed in total (a hostile file may not multiply work). */
  constructor(
    private readonly backend: RpmBackend,
    budgetBytes: number,
  ) {
    this.budget = budgetBytes;
  }

  /** Whether the budget allows parsing `bytes` more header bytes. */
  affords(bytes: number): boolean {
    return bytes <= this.budget;
  }

  /** Parse one header blob found at `where`; a header that cannot be read becomes a problem. */
  add(blob: Uint8Array, where: string): void {
    if (!this.affords(blob.length)) {
      this.problem(`${where}: stopped, more header bytes than the database holds (corrupt or hostile)`);
      this.budget = -1;
      return;
    }
    this.budget -= blob.length;
    let header: RpmHeader;
    try {
      header = parseRpmHeader(blob);
    } catch (err) {
      this.problem(`${where}: ${describeError(err)}`);
      return;
    }
    const { problems, ...record } = header;
    for (const p of problems) this.problem(`${where} (${record.name}): ${p}`);
    this.packages.push(record);
  }

  /** Whether the budget is spent (callers stop walking the database). */
  get exhausted(): boolean {
    return this.budget < 0;
  }

  problem(message: string): void {
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(message);
    else this.dropped++;
  }

  result(): RpmDatabaseResult {
    const problems = [...this.problems];
    if (this.dropped > 0) problems.push(`… and ${this.dropped} more problems`);
    return { backend: this.backend, packages: this.packages, problems };
  }
}

/** Budget for a database of `size` bytes: every header once, with room for format overhead. */
export function headerBudget(size: number): number {
  return size + 1024 * 1024;
}
