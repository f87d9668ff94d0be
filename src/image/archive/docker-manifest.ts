/**
 * The `manifest.json` of a `docker save` archive: a list of images, each naming its config file,
 * its tags and its layer files in order. Docker writes `Config`/`RepoTags`/`Layers` (plus
 * `LayerSources` since 25), jib writes the same keys in lower case. Pure; every failure is a
 * ShipshapeError naming the document.
 */
import * as v from "valibot";
import { ShipshapeError } from "../../errors.js";
import { isDigest } from "../digest.js";
import { MAX_MANIFEST_BYTES, parseJsonDocument } from "../manifest.js";

export interface LayerSource {
  mediaType: string;
  size: number;
  digest: string;
  urls?: string[];
}

export interface DockerArchiveImage {
  /** Archive path of the config file. */
  config: string;
  /** Tags as written (`busybox:latest`, `docker.io/library/x:y`); empty when untagged. */
  repoTags: string[];
  /** Archive paths of the layer files, base first. */
  layers: string[];
  /** Docker 25+: descriptors of the layers keyed by digest. */
  layerSources: Record<string, LayerSource>;
}

const layerSourceSchema = v.looseObject({
  mediaType: v.string(),
  size: v.pipe(v.number(), v.integer(), v.minValue(0)),
  digest: v.pipe(v.string(), v.check(isDigest, "not a sha256/sha512 digest")),
  urls: v.nullish(v.array(v.string())),
});

const strings = v.array(v.string());

const entrySchema = v.looseObject({
  Config: v.optional(v.string()),
  config: v.optional(v.string()),
  RepoTags: v.nullish(strings),
  repoTags: v.nullish(strings),
  Layers: v.nullish(strings),
  layers: v.nullish(strings),
  LayerSources: v.nullish(v.record(v.string(), layerSourceSchema)),
});

export function parseDockerArchiveManifest(bytes: Uint8Array, what: string): DockerArchiveImage[] {
  const value = parseJsonDocument(bytes, what, MAX_MANIFEST_BYTES);
  if (!Array.isArray(value)) {
    throw new ShipshapeError(
      "input",
      `${what} is ${value === null ? "null" : `a JSON ${typeof value}`}, expected a list of images`,
    );
  }
  if (value.length === 0) throw new ShipshapeError("input", `${what} lists no images`);
  return value.map((raw, i) => {
    const result = v.safeParse(entrySchema, raw);
    if (!result.success) {
      const issue = result.issues[0];
      const path = issue ? v.getDotPath(issue) : null;
      const where = path ? `.${path}` : "";
      throw new ShipshapeError(
        "input",
        `${what} is malformed at [${i}]${where}: ${issue?.message ?? "invalid"}`,
      );
    }
    const e = result.output;
    const config = e.Config ?? e.config;
    if (config === undefined || config === "")
      throw new ShipshapeError("input", `${what} image [${i}] names no Config file`);
    const layers = e.Layers ?? e.layers;
    if (layers === undefined || layers === null)
      throw new ShipshapeError("input", `${what} image [${i}] has no Layers list`);
    const layerSources: Record<string, LayerSource> = {};
    for (const [key, source] of Object.entries(e.LayerSources ?? {})) {
      const entry: LayerSource = { mediaType: source.mediaType, size: source.size, digest: source.digest };
      if (source.urls) entry.urls = source.urls;
      layerSources[key] = entry;
    }
    return { config, repoTags: e.RepoTags ?? e.repoTags ?? [], layers, layerSources };
  });
}
