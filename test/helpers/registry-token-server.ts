/**
 * A small token server for Debian's docker-registry in `auth.token` mode: it issues real RS256 JWTs
 * with an `x5c` header, signed by a key whose self-signed certificate is the registry's
 * rootcertbundle, so the registry verifies them exactly as it verifies Docker Hub's.
 * Users authenticate with Basic (GET) or with a refresh token (POST, OAuth2 grant); anonymous
 * callers get `pull` on repositories under `public/` and nothing else.
 */
import { execFile } from "node:child_process";
import { randomUUID, sign } from "node:crypto";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface TokenRequest {
  method: string;
  scopes: string[];
  /** Who the server took the caller for: a user name, "anonymous", or "rejected". */
  principal: string;
  hadAuthorization: boolean;
}

export interface TestTokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** The PEM bundle the registry trusts (rootcertbundle). */
  certFile: string;
  requests: TokenRequest[];
  /** Every token issued, to check that none leaks into a message. */
  issued: string[];
  /** Which JSON field carries the token: the spec allows `token`, `access_token` or both. */
  tokenField: "token" | "access_token" | "both";
  expiresIn: number;
  /** Answer the next N requests with this status (e.g. 500), before any credential check. */
  failNext: { status: number; count: number } | undefined;
  stop(): Promise<void>;
}

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

export async function startTokenServer(options: {
  dir: string;
  users: Record<string, string>;
  /** Refresh tokens (identity tokens) and the user each stands for. */
  refreshTokens?: Record<string, string>;
}): Promise<TestTokenServer> {
  const keyFile = join(options.dir, "token-signer.key");
  const certFile = join(options.dir, "token-signer.crt");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyFile,
    "-out",
    certFile,
    "-days",
    "2",
    "-subj",
    "/CN=shipshape-test-token-signer",
  ]);
  const key = await readFile(keyFile, "utf8");
  const certDer = pemToDer(await readFile(certFile, "utf8"));
  const service = "shipshape-test-registry";
  const issuer = "shipshape-test-issuer";

  const state: Omit<TestTokenServer, "realm" | "stop"> = {
    service,
    issuer,
    certFile,
    requests: [],
    issued: [],
    tokenField: "token",
    expiresIn: 300,
    failNext: undefined,
  };

  const issue = (subject: string, scopes: string[], anonymous: boolean): string => {
    const access = scopes.flatMap((scope) => {
      const [type, name, actions] = splitScope(scope);
      if (type !== "repository" || !name) return [];
      const granted = anonymous
        ? name.startsWith("public/")
          ? actions.filter((a) => a === "pull")
          : []
        : actions;
      return [{ type, name, actions: granted }];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: "RS256", typ: "JWT", x5c: [certDer.toString("base64")] };
    const claims = {
      iss: issuer,
      sub: subject,
      aud: service,
      exp: now + 600,
      nbf: now - 60,
      iat: now,
      jti: randomUUID(),
      access,
    };
    const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
    const signature = sign("sha256", Buffer.from(signingInput), key);
    const token = `${signingInput}.${base64url(signature)}`;
    state.issued.push(token);
    return token;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const scopes =
        req.method === "POST"
          ? (form.get("scope") ?? "").split(" ").filter(Boolean)
          : url.searchParams.getAll("scope");
      const record: TokenRequest = {
        method: req.method ?? "",
        scopes,
        principal: "anonymous",
        hadAuthorization: req.headers.authorization !== undefined,
      };
      state.requests.push(record);
      if (state.failNext && state.failNext.count > 0) {
        state.failNext.count--;
        res
          .writeHead(state.failNext.status, { "content-type": "application/json" })
          .end('{"details":"injected"}');
        return;
      }
      let subject: string | undefined;
      if (req.method === "POST") {
        const user = options.refreshTokens?.[form.get("refresh_token") ?? ""];
        if (form.get("grant_type") !== "refresh_token" || !user) {
          record.principal = "rejected";
          res
            .writeHead(401, { "content-type": "application/json" })
            .end('{"details":"invalid refresh token"}');
          return;
        }
        subject = user;
      } else if (req.headers.authorization) {
        const match = /^Basic (.+)$/.exec(req.headers.authorization);
        const decoded = match ? Buffer.from(match[1]!, "base64").toString("utf8") : "";
        const colon = decoded.indexOf(":");
        const user = decoded.slice(0, colon);
        if (colon < 0 || options.users[user] !== decoded.slice(colon + 1)) {
          record.principal = "rejected";
          res.writeHead(401, { "content-type": "application/json" }).end('{"details":"wrong credentials"}');
          return;
        }
        subject = user;
      }
      record.principal = subject ?? "anonymous";
      const token = issue(subject ?? "", scopes, subject === undefined);
      const body: Record<string, unknown> = {
        expires_in: state.expiresIn,
        issued_at: new Date().toISOString(),
      };
      if (state.tokenField !== "access_token") body.token = token;
      if (state.tokenField !== "token") body.access_token = token;
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const result = state as TestTokenServer;
  result.realm = `http://127.0.0.1:${port}/token`;
  result.stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return result;
}

/** `repository:name:pull,push` → ["repository", "name", ["pull","push"]]; names may hold ":" (ports). */
function splitScope(scope: string): [string, string, string[]] {
  const first = scope.indexOf(":");
  const last = scope.lastIndexOf(":");
  if (first < 0 || last <= first) return [scope, "", []];
  return [
    scope.slice(0, first),
    scope.slice(first + 1, last),
    scope
      .slice(last + 1)
      .split(",")
      .filter(Boolean),
  ];
}

function pemToDer(pem: string): Buffer {
  const body = pem.replace(/-----(BEGIN|END) CERTIFICATE-----/g, "").replace(/\s+/g, "");
  return Buffer.from(body, "base64");
}
