/**
 * Parsers for the JSON documents of an image: index, manifest and config. Pure functions over bytes;
 * every failure is a ShipshapeError that names the document (`what`) and the problem.
 */
import * as v from "valibot";
import { ShipshapeError } from "../errors.js";
import { nullishList, nullishRecord, validate } from "../validate.js";
import { isDigest } from "./digest.js";
import { isIndexMediaType, isManifestMediaType, isSchema1MediaType, MediaType } from "./media-types.js";
import type { ImageConfig, ImageIndex, ImageManifest } from "./oci.js";

/** Registries cap manifests at 4 MiB; configs of real images stay far below 32 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

export const digestSchema = v.pipe(v.string(), v.check(isDigest, "not a sha256/sha512 digest"));
const strings = v.array(v.string());

const platformSchema = v.looseObject({
  os: v.string(),
  architecture: v.string(),
  variant: v.optional(v.string()),
  "os.version": v.optional(v.string()),
  "os.features": v.optional(strings),
});

const descriptorSchema = v.looseObject({
  mediaType: v.string(),
  digest: digestSchema,
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  urls: nullishList(v.string()),
  annotations: nullishRecord(v.string()),
  platform: v.optional(platformSchema),
  artifactType: v.optional(v.string()),
});

const indexSchema = v.looseObject({
  schemaVersion: v.literal(2),
  mediaType: v.optional(v.string()),
  artifactType: v.optional(v.string()),
  // Docker 25+ `docker save` of an untagged image writes `"manifests": null`.
  manifests: v.pipe(
    v.nullable(v.array(descriptorSchema)),
    v.transform((x) => x ?? []),
  ),
  subject: v.optional(descriptorSchema),
  annotations: nullishRecord(v.string()),
});

const manifestSchema = v.looseObject({
  schemaVersion: v.literal(2),
  mediaType: v.optional(v.string()),
  artifactType: v.optional(v.string()),
  config: descriptorSchema,
  layers: v.array(descriptorSchema),
  subject: v.optional(descriptorSchema),
  annotations: nullishRecord(v.string()),
});

const containerConfigSchema = v.looseObject({
  User: v.optional(v.string()),
  Env: nullishList(v.string()),
  Entrypoint: v.nullish(strings),
  Cmd: v.nullish(strings),
  WorkingDir: v.optional(v.string()),
  Labels: v.nullish(v.record(v.string(), v.string())),
  ExposedPorts: v.nullish(v.record(v.string(), v.unknown())),
  Volumes: v.nullish(v.record(v.string(), v.unknown())),
  StopSignal: v.optional(v.string()),
  Healthcheck: v.nullish(
    v.looseObject({
      Test: v.optional(strings),
      Interval: v.optional(v.number()),
      Timeout: v.optional(v.number()),
      Retries: v.optional(v.number()),
    }),
  ),
  Shell: v.nullish(strings),
  OnBuild: v.nullish(strings),
});

const historySchema = v.looseObject({
  created: v.optional(v.string()),
  created_by: v.optional(v.string()),
  author: v.optional(v.string()),
  comment: v.optional(v.string()),
  empty_layer: v.optional(v.boolean()),
});

const configSchema = v.looseObject({
  created: v.optional(v.string()),
  author: v.optional(v.string()),
  // Some builders (bazel, ko) leave these out; an empty string is "unknown".
  architecture: v.optional(v.string(), ""),
  os: v.optional(v.string(), ""),
  variant: v.optional(v.string()),
  "os.version": v.optional(v.string()),
  config: v.pipe(
    v.nullish(containerConfigSchema),
    v.transform((x) => x ?? undefined),
  ),
  rootfs: v.looseObject({
    type: v.string(),
    diff_ids: v.pipe(
      v.nullable(v.array(digestSchema)),
      v.transform((x) => x ?? []),
    ),
  }),
  history: nullishList(historySchema),
});

/** Decode bytes as JSON, with a one-line error naming the document. */
export function parseJsonDocument(bytes: Uint8Array, what: string, maxBytes = MAX_MANIFEST_BYTES): unknown {
  if (bytes.length > maxBytes) {
    throw new ShipshapeError("limit", `${what} is ${bytes.length} bytes, over the ${maxBytes}-byte limit`);
  }
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ShipshapeError("input", `${what} is not valid JSON: ${detail}`);
  }
}

export type ManifestDocument =
  | { kind: "index"; index: ImageIndex }
  | { kind: "manifest"; manifest: ImageManifest };

/**
 * Parse a manifest or an index. `mediaType` is what the transport said (registry Content-Type or
 * the descriptor); the document's own mediaType and shape decide when the transport did not say.
 */
export function parseManifestDocument(bytes: Uint8Array, what: string, mediaType?: string): ManifestDocument {
  const value = parseJsonDocument(bytes, what);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ShipshapeError("input", `${what} is not a JSON object`);
  }
  const doc = value as Record<string, unknown>;
  const declared = typeof doc.mediaType === "string" ? doc.mediaType : undefined;
  if (doc.schemaVersion === 1 || isSchema1MediaType(declared) || isSchema1MediaType(mediaType)) {
    throw new ShipshapeError(
      "input",
      `${what} is a Docker schema 1 manifest, which is deprecated and unsupported; re-push the image with a current client (schema 2 or OCI)`,
    );
  }
  const effective = declared ?? mediaType;
  if (isIndexMediaType(effective) || (effective === undefined && Array.isArray(doc.manifests))) {
    return { kind: "index", index: validate(indexSchema, doc, what) as ImageIndex };
  }
  if (isManifestMediaType(effective) || (effective === undefined && "config" in doc && "layers" in doc)) {
    return { kind: "manifest", manifest: validate(manifestSchema, doc, what) as ImageManifest };
  }
  if ("config" in doc && "layers" in doc) {
    // An artifact manifest with an unusual mediaType: still a manifest shape.
    return { kind: "manifest", manifest: validate(manifestSchema, doc, what) as ImageManifest };
  }
  throw new ShipshapeError(
    "input",
    `${what} has unsupported media type ${JSON.stringify(effective ?? "(none)")}; expected an OCI or Docker v2 manifest or index`,
  );
}

export function parseIndex(bytes: Uint8Array, what: string): ImageIndex {
  const doc = parseManifestDocument(bytes, what, MediaType.ociIndex);
  if (doc.kind !== "index") throw new ShipshapeError("input", `${what} is a manifest, not an index`);
  return doc.index;
}

export function parseImageConfig(bytes: Uint8Array, what: string): ImageConfig {
  const value = parseJsonDocument(bytes, what, MAX_CONFIG_BYTES);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new ShipshapeError("input", `${what} is not a JSON object`);
  }
  return validate(configSchema, value, what) as ImageConfig;
}
