/**
 * The `pg` connection settings for a parsed postgres:// target, shared by every PostgreSQL store
 * (the vulnerability database, the audit store): TLS as libpq's sslmode means it, and the password
 * asked for only when the server wants one — from the URL / PGPASSWORD, else the password file.
 */
import { readFile } from "node:fs/promises";
import type { ConnectionOptions } from "node:tls";
import type { ClientConfig } from "pg";
import { readPgpass } from "./pgpass.js";
import type { PostgresTarget } from "./url.js";

export async function postgresClientConfig(
  target: PostgresTarget,
  applicationName: string,
): Promise<ClientConfig> {
  let ssl: boolean | ConnectionOptions = false;
  if (target.sslmode !== "disable") {
    const ca = target.sslrootcert ? await readFile(target.sslrootcert, "utf8") : undefined;
    ssl = {
      // require: encrypt only (libpq's meaning); verify-ca: trust the CA, not the name; verify-full: both.
      rejectUnauthorized: target.sslmode !== "require",
      ...(ca ? { ca } : {}),
      ...(target.sslmode === "verify-ca" ? { checkServerIdentity: () => undefined } : {}),
    };
  }
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    database: target.database,
    password: (async () =>
      target.password ??
      (await readPgpass(target.passfile, {
        host: target.host,
        port: target.port,
        database: target.database,
        user: target.user,
      }))) as () => Promise<string>,
    ssl,
    connectionTimeoutMillis: target.connectTimeoutSeconds * 1000,
    application_name: applicationName,
  };
}
