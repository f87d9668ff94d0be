/**
 * A `postgres://` database URL, read into what the PostgreSQL store connects with, and the one place
 * that turns PostgreSQL failures into one-line ShipshapeErrors. Credentials stay inside: `location`
 * and every message name host:port/database (and the user), never the password, and a URL we cannot
 * read is never echoed back (it may carry one).
 */
import { userInfo } from "node:os";
import { ShipshapeError } from "../errors.js";
import { pgpassPath } from "./pgpass.js";

export const DEFAULT_SCHEMA = "shipshape";

export interface PostgresTarget {
  host: string;
  port: number;
  database: string;
  user: string;
  /** From the URL or PGPASSWORD; otherwise the password file (`passfile`) is asked when the server wants one. */
  password: string | undefined;
  passfile: string;
  /** The live schema; builds go to `<schema>_build_<random>` and are renamed over it. */
  schema: string;
  sslmode: "disable" | "require" | "verify-ca" | "verify-full";
  sslrootcert: string | undefined;
  connectTimeoutSeconds: number;
  /** `postgres://host:port/database[?schema=…]`: no user, no password. */
  location: string;
  /** `host:port/database`, for messages. */
  display: string;
}

const PARAMS = new Set([
  "schema",
  "sslmode",
  "sslrootcert",
  "host",
  "port",
  "user",
  "dbname",
  "connect_timeout",
]);
const SSL_MODES = new Set(["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]);
const URL_SHAPE = "postgres://[user[:password]@]host[:port]/database[?schema=NAME]";

export function isPostgresUrl(text: string): boolean {
  return /^postgres(ql)?:/i.test(text);
}

/** Our tables go in a schema of their own that a commit replaces whole: never a shared or system one. */
export function checkSchemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,39}$/.test(schema) || schema === "public" || schema.startsWith("pg_")) {
    throw new ShipshapeError(
      "usage",
      `PostgreSQL schema "${schema.slice(0, 64)}" cannot hold the vulnerability database: use a dedicated schema name of lower-case letters, digits and _ (not public or pg_*), e.g. ?schema=${DEFAULT_SCHEMA}`,
    );
  }
  return schema;
}

function decode(part: string, what: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new ShipshapeError("usage", `the PostgreSQL URL's ${what} is not valid percent-encoding`);
  }
}

export function parsePostgresUrl(
  text: string,
  options: { schema?: string; env?: NodeJS.ProcessEnv } = {},
): PostgresTarget {
  const env = options.env ?? process.env;
  let url: URL;
  try {
    if (!/^postgres(ql)?:\/\//i.test(text)) throw new Error("no postgres:// prefix");
    url = new URL(text);
  } catch {
    // Not echoed: the text may hold a password.
    throw new ShipshapeError(
      "usage",
      `the PostgreSQL database URL is not a valid URL (expected ${URL_SHAPE})`,
    );
  }
  for (const key of url.searchParams.keys()) {
    if (!PARAMS.has(key)) {
      throw new ShipshapeError(
        "usage",
        `the PostgreSQL URL has an unknown parameter "${key.slice(0, 40)}" (known: ${[...PARAMS].join(", ")})`,
      );
    }
  }
  const param = (key: string) => url.searchParams.get(key) || undefined;
  const host =
    decode(url.hostname, "host").replace(/^\[(.*)\]$/, "$1") || param("host") || env.PGHOST || "localhost";
  const portText = url.port || param("port") || env.PGPORT || "5432";
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
    throw new ShipshapeError(
      "usage",
      `the PostgreSQL URL's port "${portText.slice(0, 10)}" is not a port number`,
    );
  }
  const user =
    decode(url.username, "user name") ||
    param("user") ||
    env.PGUSER ||
    env.USER ||
    safeUserName() ||
    "postgres";
  const database =
    decode(url.pathname.replace(/^\//, ""), "database name") || param("dbname") || env.PGDATABASE || user;
  const password = url.password ? decode(url.password, "password") : env.PGPASSWORD || undefined;
  const schema = checkSchemaName(param("schema") ?? options.schema ?? DEFAULT_SCHEMA);
  const mode = param("sslmode") ?? env.PGSSLMODE ?? "disable";
  if (!SSL_MODES.has(mode)) {
    throw new ShipshapeError(
      "usage",
      `the PostgreSQL URL's sslmode "${mode.slice(0, 20)}" is not one of ${[...SSL_MODES].join(", ")}`,
    );
  }
  // pg cannot fall back from TLS to plain text: allow/prefer connect in plain text, as they may.
  const sslmode = mode === "allow" || mode === "prefer" ? "disable" : (mode as PostgresTarget["sslmode"]);
  const timeoutText = param("connect_timeout") ?? env.PGCONNECT_TIMEOUT ?? "10";
  const connectTimeoutSeconds = Number(timeoutText);
  if (!Number.isInteger(connectTimeoutSeconds) || connectTimeoutSeconds < 0) {
    throw new ShipshapeError(
      "usage",
      `the PostgreSQL URL's connect_timeout must be a whole number of seconds`,
    );
  }
  const hostPart = host.includes(":") ? `[${host}]` : host.startsWith("/") ? encodeURIComponent(host) : host;
  const display = `${hostPart}:${port}/${database}`;
  const location = `postgres://${hostPart}:${port}/${encodeURIComponent(database)}${schema === DEFAULT_SCHEMA ? "" : `?schema=${schema}`}`;
  return {
    host,
    port,
    database,
    user,
    password,
    passfile: pgpassPath(env),
    schema,
    sslmode,
    sslrootcert: param("sslrootcert") ?? env.PGSSLROOTCERT,
    connectTimeoutSeconds,
    location,
    display,
  };
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}

/** SQLSTATE classes: 08 connection exception, 57P admin shutdown / cannot connect now, 53 resources. */
function isConnectionFailure(code: string): boolean {
  return code.startsWith("08") || code.startsWith("57P") || code === "53300";
}

const SOCKET_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ENOENT", // a Unix socket path that does not exist
]);

function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) {
    // Node tries every address of a name; each attempt's error says more than the empty aggregate.
    return [...new Set(err.errors.map(messageOf))].join("; ");
  }
  if (err instanceof Error) return err.message || (err as NodeJS.ErrnoException).code || err.name;
  return String(err);
}

function codeOf(err: unknown): string {
  if (err instanceof AggregateError) return codeOf(err.errors[0]);
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : "";
}

/**
 * One line for any failure talking to PostgreSQL: unreachable server → "network", rejected
 * credentials → "auth", missing database → "not-found", anything else the server said → "input".
 */
export function postgresError(err: unknown, target: PostgresTarget, doing: string): ShipshapeError {
  if (err instanceof ShipshapeError) return err;
  const code = codeOf(err);
  let message = messageOf(err).replace(/\s+/g, " ").trim();
  if (target.password && target.password.length >= 3) message = message.split(target.password).join("***");
  const where = `PostgreSQL at ${target.display}`;
  const options = { cause: err };
  if (/password must be a string|no password supplied/i.test(message)) {
    message = "the server wants a password and none was given";
  }
  if (
    code === "28P01" ||
    code === "28000" ||
    code === "42501" ||
    /the server wants a password|SASL/i.test(message)
  ) {
    return new ShipshapeError(
      "auth",
      `${where} refused user "${target.user}" while ${doing} (${message}); give the password in the URL, PGPASSWORD or ~/.pgpass, and check the role's privileges`,
      options,
    );
  }
  if (code === "3D000") {
    return new ShipshapeError(
      "not-found",
      `PostgreSQL at ${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port} has no database "${target.database}"; create it (createdb) or fix --db / SHIPSHAPE_DB`,
      options,
    );
  }
  if (
    SOCKET_CODES.has(code) ||
    isConnectionFailure(code) ||
    /timeout|terminated|Connection ended|connect/i.test(message)
  ) {
    return new ShipshapeError(
      "network",
      `${where} cannot be reached while ${doing} (${message}); check --db / SHIPSHAPE_DB and that the server is running`,
      options,
    );
  }
  return new ShipshapeError(
    "input",
    `${where} failed while ${doing} (${message}${code ? `, SQLSTATE ${code}` : ""})`,
    options,
  );
}
