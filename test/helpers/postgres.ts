/**
 * A real, throwaway PostgreSQL server for tests: Debian's PostgreSQL binaries (initdb, pg_ctl) with a
 * temp data directory, listening on 127.0.0.1 with a free port and a socket in that directory. As
 * root (initdb refuses root) it runs as the `postgres` OS user via runuser, in a directory that user
 * owns. Local connections are trusted, except one role (`passwordUser`) that must give its password
 * over TCP (SCRAM), for credential tests. stop() stops the server and removes every file.
 * Missing binaries fail loudly: these tests are never skipped.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { chmod, chown, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";
import { freePort } from "./registry.js";

const run = promisify(execFile);

export interface TestPostgres {
  host: "127.0.0.1";
  port: number;
  /** `postgres://postgres@127.0.0.1:PORT/postgres` (trust: no password). */
  url: string;
  /** A role that must authenticate with its password over TCP. */
  passwordUser: { user: string; password: string };
  /** Run SQL as the superuser on a database (default "postgres"). */
  query<R extends object = Record<string, unknown>>(
    sql: string,
    params?: unknown[],
    database?: string,
  ): Promise<R[]>;
  /** A fresh database (owned by passwordUser, so both roles can use it); returns its trust URL. */
  createDatabase(name: string): Promise<string>;
  /** The bin directory the server runs from (psql lives there too). */
  binDir: string;
  stop(): Promise<void>;
}

/** Debian installs server binaries off PATH, in /usr/lib/postgresql/<major>/bin; prefer 15, else the newest. */
export function findPostgresBinDir(): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root)
    ? readdirSync(root)
        .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, "bin", "initdb")))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const chosen = majors.includes("15") ? "15" : majors[0];
  if (chosen) return join(root, chosen, "bin");
  for (const dir of (process.env.PATH ?? "").split(":")) {
    if (dir && existsSync(join(dir, "initdb")) && existsSync(join(dir, "pg_ctl"))) return dir;
  }
  throw new Error(
    "PostgreSQL server binaries (initdb, pg_ctl) not found in /usr/lib/postgresql/*/bin or PATH: install the Debian package postgresql (.ci/run does)",
  );
}

async function idOf(user: string): Promise<{ uid: number; gid: number }> {
  try {
    const uid = Number((await run("id", ["-u", user])).stdout.trim());
    const gid = Number((await run("id", ["-g", user])).stdout.trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `tests run as root, and initdb refuses root: the OS user "${user}" (from the postgresql package) is missing`,
    );
  }
}

export async function startPostgres(): Promise<TestPostgres> {
  const binDir = findPostgresBinDir();
  const asRoot = process.getuid?.() === 0;
  // The server user must reach the directory: tmpdir() may sit under root's private home.
  const base = asRoot ? "/tmp" : tmpdir();
  const dir = await mkdtemp(join(base, "shipshape-pg-"));
  const dataDir = join(dir, "data");
  const logFile = join(dir, "server.log");
  const owner = asRoot ? await idOf("postgres") : undefined;
  const asServerUser = (file: string, args: string[]) =>
    asRoot
      ? run("runuser", ["-u", "postgres", "--", join(binDir, file), ...args])
      : run(join(binDir, file), args);
  let started = false;
  const stopServer = async () => {
    if (!started) return;
    started = false;
    await asServerUser("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]).catch(() => {});
  };
  try {
    if (owner) await chown(dir, owner.uid, owner.gid);
    await chmod(dir, 0o700);
    await asServerUser("initdb", [
      "-D",
      dataDir,
      "--auth=trust",
      "-U",
      "postgres",
      "-E",
      "UTF8",
      "--no-sync",
    ]).catch((err: { stderr?: string }) => {
      throw new Error(`initdb failed: ${err.stderr?.trim() ?? String(err)}`);
    });
    const passwordUser = { user: "shipshape_pw", password: "s3cret-Pa55:word@x" };
    // First matching line wins: the password role must authenticate over TCP; everyone else is trusted.
    const hba = join(dataDir, "pg_hba.conf");
    const rules = await readFile(hba, "utf8");
    await writeFile(
      hba,
      `host all ${passwordUser.user} 127.0.0.1/32 scram-sha-256\nhost all ${passwordUser.user} ::1/128 scram-sha-256\n${rules}`,
    );
    let port = 0;
    let lastError = "";
    // A free port can be taken between our probe and the server's bind: try a few.
    for (let attempt = 0; attempt < 3 && !started; attempt++) {
      port = await freePort();
      try {
        await asServerUser("pg_ctl", [
          "-D",
          dataDir,
          "-l",
          logFile,
          "-o",
          `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
          "-w",
          "-t",
          "30",
          "start",
        ]);
        started = true;
      } catch (err) {
        const log = await readFile(logFile, "utf8").catch(() => "");
        lastError = `${(err as { stderr?: string }).stderr?.trim() ?? String(err)} ${log.trim().split("\n").slice(-5).join(" | ")}`;
      }
    }
    if (!started) throw new Error(`PostgreSQL did not start: ${lastError}`);
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const query = async <R extends object>(sql: string, params: unknown[] = [], database = "postgres") => {
      const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database });
      await client.connect();
      try {
        return (await client.query<R>(sql, params)).rows;
      } finally {
        await client.end();
      }
    };
    await query(`CREATE ROLE ${passwordUser.user} LOGIN PASSWORD '${passwordUser.password}'`);
    return {
      host: "127.0.0.1",
      port,
      url,
      passwordUser,
      query,
      binDir,
      async createDatabase(name: string) {
        await query(`CREATE DATABASE "${name}" OWNER ${passwordUser.user}`);
        return `postgres://postgres@127.0.0.1:${port}/${name}`;
      },
      async stop() {
        await stopServer();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await stopServer();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
