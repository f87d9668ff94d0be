/**
 * Where `db update` fetches each feed from. By default a feed's public URL; a mirror (`--mirror URL`,
 * env SHIPSHAPE_DB_MIRROR) replaces every URL's scheme and host by its own prefix and keeps the path,
 * so a mirror only has to copy the public files to the same paths. A small JSON config can give
 * individual feeds their own base (`{"mirror": "...", "feeds": {"alpine-secdb": "https://..."}}`).
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { describeError, ShipshapeError } from "../errors.js";
import { validate } from "../validate.js";

export interface MirrorSettings {
  /** Base URL for every feed (`https://mirror.example/vuln`). */
  base?: string;
  /** Per-feed base URLs, by feed id; they win over `base`. */
  feeds?: Record<string, string>;
}

/** Check a base URL given by a user: http(s), no query or fragment (they could not be kept). */
export function parseMirrorBase(text: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw new ShipshapeError(
      "usage",
      `${what} ${JSON.stringify(text)} is not a URL (expected http(s)://host[:port][/path])`,
    );
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ShipshapeError("usage", `${what} ${text} must be an http:// or https:// URL`);
  }
  if (url.search || url.hash) {
    throw new ShipshapeError("usage", `${what} ${text} must not have a query or fragment`);
  }
  if (url.username || url.password) {
    throw new ShipshapeError("usage", `${what} must not carry credentials in the URL`);
  }
  return url;
}

/**
 * The URL to fetch: the public `url` with its scheme+host(+port) replaced by `base`, whose own path
 * (if any) is a prefix: `https://secdb.alpinelinux.org/v3.19/main.json` with base
 * `http://127.0.0.1:8080/mirror` → `http://127.0.0.1:8080/mirror/v3.19/main.json`.
 */
export function rewriteUrl(url: string, base: URL | null): URL {
  const original = new URL(url);
  if (!base) return original;
  const prefix = base.pathname.replace(/\/+$/, "");
  const rewritten = new URL(base.origin);
  rewritten.pathname = `${prefix}${original.pathname}`;
  rewritten.search = original.search;
  return rewritten;
}

/** The base URL for one feed under these settings (per-feed first, then the global mirror). */
export function baseFor(feedId: string, settings: MirrorSettings | undefined): URL | null {
  const text = settings?.feeds?.[feedId] ?? settings?.base;
  if (text === undefined || text === "") return null;
  const what = settings?.feeds?.[feedId] !== undefined ? `mirror for feed ${feedId}` : "mirror";
  return parseMirrorBase(text, what);
}

const MirrorConfigSchema = v.strictObject({
  mirror: v.optional(v.string()),
  feeds: v.optional(v.record(v.string(), v.string())),
});

/** Read a mirror config file (JSON): `{"mirror"?: URL, "feeds"?: {feedId: URL}}`. */
export function loadMirrorConfig(path: string): MirrorSettings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ShipshapeError("usage", `cannot read mirror config ${path}: ${describeError(err)}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ShipshapeError("usage", `mirror config ${path} is not valid JSON: ${describeError(err)}`);
  }
  const config = validate(MirrorConfigSchema, json, `mirror config ${path}`);
  const settings: MirrorSettings = {};
  if (config.mirror !== undefined) {
    parseMirrorBase(config.mirror, `mirror in ${path}`);
    settings.base = config.mirror;
  }
  if (config.feeds !== undefined) {
    for (const [feed, base] of Object.entries(config.feeds)) parseMirrorBase(base, `feed ${feed} in ${path}`);
    settings.feeds = config.feeds;
  }
  return settings;
}
