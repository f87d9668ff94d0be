/**
 * The store contract against the embedded SQLite store: one file per test in a temp directory.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describeStoreContract } from "./store-contract.js";

interface Db {
  prepare(sql: string): { run(...params: unknown[]): unknown };
  close(): void;
}
const Database = createRequire(import.meta.url)("better-sqlite3") as new (path: string) => Db;

describeStoreContract({
  name: "SQLite",
  openReaderAfterCommit: "old",
  async fresh() {
    const dir = await mkdtemp(join(tmpdir(), "shipshape-store-"));
    const db = join(dir, "db.sqlite");
    return {
      db,
      async setSchemaVersion(version) {
        const file = new Database(db);
        try {
          file.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(version);
        } finally {
          file.close();
        }
      },
      async leftovers() {
        return (await readdir(dir)).filter((name) => name !== "db.sqlite");
      },
      async cleanup() {
        await rm(dir, { recursive: true, force: true });
      },
    };
  },
});
