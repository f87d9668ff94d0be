/**
 * Parsers for the JSON documents of an image: index, manifest and config. Pure functions over bytes;
 * every failure is a ShipshapeError that names the document (`what`) and the problem.
 */
import { z } from "zod";
import { ShipshapeError } from "../errors.js";
import { isDigest } from "./digest.js";
import { isIndexMediaType, isManifestMediaType, isSchema1MediaType, MediaType } from "./media-types.js";
import type { ImageConfig, ImageIndex, ImageManifest } from "./oci.js";

/** Registries cap manifests at 4 MiB; configs of real images stay far below 32 MiB. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const MAX_CONFIG_BYTES = 32 * 1024 * 1024;

const digestSchema = z.string().refine(isDigest, { message: "not a sha256/sha512 digest" });
const stringMap = z.record(z.string(), z.string());

const platformSchema = z.looseObject({
  os: z.string(),
  architecture: z.string(),
  variant: z.string().optional(),
  "os.version": z.string().optional(),
  "os.features": z.array(z.string()).optional(),
});

const descriptorSchema = z.looseObject({
  mediaType: z.string(),
  digest: digestSchema,
  size: z.number().int().nonnegative(),
  urls: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? undefined),
  annotations: stringMap.nullish().transform((v) => v ?? undefined),
  platform: platformSchema.optional(),
  artifactType: z.string().optional(),
});

const indexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  // Docker 25+ `docker save` of an untagged image writes `"manifests": null`.
  manifests: z
    .array(descriptorSchema)
    .nullable()
    .transform((v) => v ?? []),
  subject: descriptorSchema.optional(),
  annotations: stringMap.nullish().transform((v) => v ?? undefined),
});

const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: stringMap.nullish().transform((v) => v ?? undefined),
});

const nullableStrings = z.array(z.string()).nullish();
const containerConfigSchema = z.looseObject({
  User: z.string().optional(),
  Env: z
    .array(z.string())
    .nullish()
    .transform((v) => v ?? undefined),
  Entrypoint: nullableStrings,
  Cmd: nullableStrings,
  WorkingDir: z.string().optional(),
  Labels: z.record(z.string(), z.string()).nullish(),
  ExposedPorts: z.record(z.string(), z.unknown()).nullish(),
  Volumes: z.record(z.string(), z.unknown()).nullish(),
  StopSignal: z.string().optional(),
  Healthcheck: z
    .looseObject({
      Test: z.array(z.string()).optional(),
      Interval: z.number().optional(),
      Timeout: z.number().optional(),
      Retries: z.number().optional(),
    })
    .nullish(),
  Shell: nullableStrings,
  OnBuild: nullableStrings,
});

const historySchema = z.looseObject({
  created: z.string().optional(),
  created_by: z.string().optional(),
  author: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});

const configSchema = z.looseObject({
  created: z.string().optional(),
  author: z.string().optional(),
  // Some builders (bazel, ko) leave these out; an empty string is "unknown".
  architecture: z.string().default(""),
  os: z.string().default(""),
  variant: z.string().optional(),
  "os.version": z.string().optional(),
  config: containerConfigSchema.nullish().transform((v) => v ?? undefined),
  rootfs: z.looseObject({
    type: z.string(),
    diff_ids: z
      .array(digestSchema)
      .nullable()
      .transform((v) => v ?? []),
  }),
  history: z
    .array(historySchema)
    .nullish()
    .transform((v) => v ?? undefined),
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

function validate<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
  throw new ShipshapeError("input", `${what} is malformed${where}: ${issue?.message ?? "invalid"}`);
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
