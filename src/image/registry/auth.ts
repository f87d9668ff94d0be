/**
 * Authorization for one registry: Basic from a login, or Bearer tokens from the token server the
 * `WWW-Authenticate` challenge names (realm, service, scope), anonymous when there is no login,
 * with `refresh_token` grants for identity tokens. Tokens are cached per scope until shortly before
 * they expire. Secrets go into the redactor and never into a message.
 */
import * as v from "valibot";
import { ShipshapeError } from "../../errors.js";
import { readErrorCode, statusText } from "./api-errors.js";
import { type Challenge, findChallenge } from "./challenge.js";
import type { RegistryLogin } from "./credentials.js";
import type { SecretRedactor } from "./redact.js";
import { discardBody, type HttpTransport, readBody } from "./transport.js";

const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;
/** The distribution token spec's default lifetime when the server does not say. */
const DEFAULT_TOKEN_SECONDS = 60;

const tokenResponseSchema = v.looseObject({
  token: v.optional(v.string()),
  access_token: v.optional(v.string()),
  expires_in: v.optional(v.number()),
});

interface CachedToken {
  header: string;
  expiresAt: number;
}

export interface AuthorizationHeader {
  value: string;
  /** False when it came from the cache: a 401 then means "expired", worth one fresh try. */
  fresh: boolean;
}

export class RegistryAuthenticator {
  private challenge: Challenge | undefined;
  private readonly tokens = new Map<string, CachedToken>();
  private readonly pending = new Map<string, Promise<CachedToken>>();

  constructor(
    private readonly transport: HttpTransport,
    /** The registry's name in messages (`127.0.0.1:5000`, `docker.io`). */
    private readonly display: string,
    private readonly login: RegistryLogin | undefined,
    private readonly redactor: SecretRedactor,
    /** Is the registry itself spoken to over plain HTTP? Then an HTTP realm is no downgrade. */
    private readonly registryIsPlainHttp: () => boolean,
    private readonly now: () => number = Date.now,
  ) {
    if (login?.kind === "basic") redactor.addBasic(login.username, login.password);
    if (login?.kind === "identity-token") redactor.add(login.token);
  }

  get hasLogin(): boolean {
    return this.login !== undefined;
  }

  /** Remember how the registry asked to be authenticated (from /v2/ or any 401). Bearer wins. */
  learn(challenges: Challenge[]): boolean {
    const chosen = findChallenge(challenges, "bearer") ?? findChallenge(challenges, "basic");
    if (!chosen) return false;
    const changed =
      this.challenge?.scheme !== chosen.scheme ||
      this.challenge?.params.realm !== chosen.params.realm ||
      this.challenge?.params.service !== chosen.params.service;
    this.challenge = chosen;
    if (changed) this.tokens.clear();
    return true;
  }

  /** The Authorization header for a request in `scope`, or undefined when none is needed or possible. */
  async authorization(scope: string, signal?: AbortSignal): Promise<AuthorizationHeader | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === "basic") {
      if (this.login?.kind !== "basic") return undefined;
      const encoded = Buffer.from(`${this.login.username}:${this.login.password}`, "utf8").toString("base64");
      return { value: `Basic ${encoded}`, fresh: true };
    }
    const key = `${challenge.params.realm ?? ""}\n${challenge.params.service ?? ""}\n${scope}`;
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt > this.now()) return { value: cached.header, fresh: false };
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.fetchToken(challenge, scope, signal).finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    const token = await pending;
    this.tokens.set(key, token);
    return { value: token.header, fresh: true };
  }

  /** Forget the cached token for a scope (the registry rejected it). */
  invalidate(scope: string): void {
    for (const key of this.tokens.keys()) if (key.endsWith(`\n${scope}`)) this.tokens.delete(key);
  }

  /** The error for a registry that still answers 401/403 to our best authorization. */
  refusal(
    repository: string,
    status: number,
    code: string | undefined,
    challenges: Challenge[],
  ): ShipshapeError {
    const what = statusText(status, code ?? (status === 401 ? "UNAUTHORIZED" : "DENIED"));
    if (status === 403) {
      return new ShipshapeError(
        "auth",
        `registry ${this.display} denied access to repository ${repository} (${what})`,
      );
    }
    if (this.login) {
      return new ShipshapeError(
        "auth",
        `registry ${this.display} refused credentials for repository ${repository} (${what})`,
      );
    }
    const bearer = findChallenge(challenges, "bearer");
    const maybeMissing =
      bearer?.params.error === "insufficient_scope" ? ", or the repository does not exist" : "";
    return new ShipshapeError(
      "auth",
      `registry ${this.display} requires credentials for repository ${repository}${maybeMissing} (${what}); log in with docker/podman login or pass --username and --password-stdin`,
    );
  }

  private async fetchToken(challenge: Challenge, scope: string, signal?: AbortSignal): Promise<CachedToken> {
    const realmText = challenge.params.realm;
    let realm: URL;
    try {
      if (!realmText) throw new Error("no realm");
      realm = new URL(realmText);
      if (realm.protocol !== "https:" && realm.protocol !== "http:") throw new Error("scheme");
    } catch {
      throw new ShipshapeError(
        "network",
        `registry ${this.display} sent a Bearer challenge without a usable realm URL`,
      );
    }
    const server = realm.host;
    if (realm.protocol === "http:" && !this.registryIsPlainHttp() && !this.transport.isInsecure(realm.host)) {
      throw new ShipshapeError(
        "auth",
        `registry ${this.display} names a plain-HTTP token server ${server}; refusing to use it (add that host to --insecure to allow it)`,
      );
    }
    const service = challenge.params.service;
    const headers: Record<string, string> = { accept: "application/json" };
    let body: string | undefined;
    let method: "GET" | "POST" = "GET";
    const url = new URL(realm);
    if (this.login?.kind === "identity-token") {
      // OAuth2 refresh-token grant, as docker does with an identity token.
      method = "POST";
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: this.login.token,
        client_id: "shipshape",
        scope,
      });
      if (service) form.set("service", service);
      body = form.toString();
      headers["content-type"] = "application/x-www-form-urlencoded";
    } else {
      if (service) url.searchParams.set("service", service);
      url.searchParams.append("scope", scope);
      url.searchParams.set("client_id", "shipshape");
      if (this.login?.kind === "basic") {
        url.searchParams.set("account", this.login.username);
        const encoded = Buffer.from(`${this.login.username}:${this.login.password}`, "utf8").toString(
          "base64",
        );
        headers.authorization = `Basic ${encoded}`;
      }
    }
    const what = `a token for ${scope} from ${server}`;
    const res = await this.transport.send({
      method,
      url,
      headers,
      ...(body ? { body } : {}),
      ...(signal ? { signal } : {}),
      what,
    });
    if (res.status === 401 || res.status === 403) {
      const code = await readErrorCode(res.body);
      const status = statusText(res.status, code);
      throw new ShipshapeError(
        "auth",
        this.login
          ? `token server ${server} refused credentials for registry ${this.display} (${status})`
          : `token server ${server} refused an anonymous token for registry ${this.display} (${status}); log in with docker/podman login or pass --username and --password-stdin`,
      );
    }
    if (res.status < 200 || res.status > 299) {
      discardBody(res.body);
      const retried = res.attempts > 1 ? ` after ${res.attempts} attempts` : "";
      throw new ShipshapeError(
        "network",
        `token server ${server} answered ${res.status} for registry ${this.display}${retried}`,
      );
    }
    const bytes = await readBody(
      res.body,
      MAX_TOKEN_RESPONSE_BYTES,
      () =>
        new ShipshapeError(
          "limit",
          `token server ${server} answered more than ${MAX_TOKEN_RESPONSE_BYTES} bytes`,
        ),
      server,
    );
    let parsed: v.InferOutput<typeof tokenResponseSchema>;
    try {
      const result = v.safeParse(tokenResponseSchema, JSON.parse(bytes.toString("utf8")));
      if (!result.success) throw new Error("shape");
      parsed = result.output;
    } catch {
      throw new ShipshapeError(
        "network",
        `token server ${server} answered something other than a token (not the JSON of the token spec)`,
      );
    }
    const token = parsed.token || parsed.access_token;
    if (!token) throw new ShipshapeError("network", `token server ${server} answered without a token`);
    this.redactor.add(token);
    const lifetime =
      (parsed.expires_in && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_SECONDS) * 1000;
    // Measured from our clock, not issued_at: immune to clock skew between us and the token server.
    const margin = Math.min(10_000, lifetime / 10);
    return { header: `Bearer ${token}`, expiresAt: this.now() + lifetime - margin };
  }
}
