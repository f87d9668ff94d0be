/**
 * The password file reader follows libpq (fe-connect.c passwordFromFile; the PostgreSQL manual's
 * "The Password File"); postgres-store.test.ts checks a real file against psql as well.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { lookupPgpass } from "../../src/postgres/pgpass.js";

const want = { host: "db.example", port: 5432, database: "vulns", user: "scanner" };

describe("lookupPgpass", () => {
  it("returns the first matching line's password", () => {
    const file = [
      "# a comment line: db.example:5432:vulns:scanner:commented",
      "",
      "other.example:5432:vulns:scanner:other-host",
      "db.example:5433:vulns:scanner:other-port",
      "db.example:5432:vulns:someone:other-user",
      "db.example:5432:vulns:scanner:right",
      "*:*:*:*:too-late",
    ].join("\n");
    expect(lookupPgpass(file, want)).toBe("right");
  });

  it("* matches any value; no line, no password", () => {
    expect(lookupPgpass("*:*:vulns:*:wild\n", want)).toBe("wild");
    expect(lookupPgpass("*:5432:*:scanner:p\n", want)).toBe("p");
    expect(lookupPgpass("db.example:*:other:*:x\n", want)).toBeUndefined();
    expect(lookupPgpass("", want)).toBeUndefined();
  });

  it("unescapes \\: and \\\\ in fields and in the password, which ends at the next unescaped colon", () => {
    const host = { ...want, user: "we:ird\\user" };
    expect(lookupPgpass("db.example:5432:vulns:we\\:ird\\\\user:pa\\:ss\\\\word:ignored\n", host)).toBe(
      "pa:ss\\word",
    );
    // libpq compares an unescaped colon like any other character while the value still expects one.
    expect(lookupPgpass("db.example:5432:vulns:we:ird\\\\user:x\n", host)).toBe("x");
    expect(lookupPgpass("db.example:5432:vulns:we:ird:x\n", host)).toBeUndefined();
  });

  it("matches Unix socket connections as localhost; tolerates CRLF; allows an empty password", () => {
    expect(lookupPgpass("localhost:5432:vulns:scanner:sock\r\n", { ...want, host: "/run/postgresql" })).toBe(
      "sock",
    );
    expect(lookupPgpass("localhost:5432:vulns:scanner:sock\n", want)).toBeUndefined();
    expect(lookupPgpass("db.example:5432:vulns:scanner:\n", want)).toBe("");
  });

  it("lines with too few fields or a trailing backslash match nothing", () => {
    expect(lookupPgpass("db.example:5432:vulns\n", want)).toBeUndefined();
    expect(lookupPgpass("db.example:5432:vulns:scanner\n", want)).toBeUndefined();
    expect(lookupPgpass("db.example:5432:vulns:scanner\\", want)).toBeUndefined();
  });

  it("any field and password written escaped reads back (fuzzed)", () => {
    const escaped = (s: string) => s.replace(/\\/g, "\\\\").replace(/:/g, "\\:");
    const field = fc
      .string({ maxLength: 12 })
      .filter((s) => !/[\n\r]/.test(s) && s !== "*" && !s.startsWith("/") && !s.startsWith("#"));
    fc.assert(
      fc.property(
        field,
        fc.integer({ min: 1, max: 65535 }),
        field,
        field,
        field,
        (host, port, database, user, password) => {
          const line = [host || "localhost", String(port), database, user].map(escaped).join(":");
          const text = `${line}:${escaped(password)}\n`;
          expect(lookupPgpass(text, { host: host || "localhost", port, database, user })).toBe(password);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("never throws on arbitrary text (fuzzed)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 10 }), (text, user) => {
        const got = lookupPgpass(text, { ...want, user });
        expect(got === undefined || typeof got === "string").toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
