/**
 * An image straight from a registry (`[REGISTRY/]REPO[:TAG][@DIGEST]`): the manifest or index by
 * tag or digest, the platform's manifest through resolveManifest, the config verified against its
 * digest, and the layers as lazily opened blob streams (verified by layers.ts as they are read).
 */
import { isShipshapeError, ShipshapeError } from "../../errors.js";
import { MAX_CONFIG_BYTES, parseImageConfig, parseManifestDocument } from "../manifest.js";
import type { Platform } from "../oci.js";
import { formatPlatform, platformMatches } from "../platform.js";
import { parseReference, referenceString, registryHostFor } from "../reference.js";
import { RegistryClient } from "../registry/client.js";
import { lookupCredentials, type RegistryLogin } from "../registry/credentials.js";
import type { SecretRedactor } from "../registry/redact.js";
import { type DocumentFetcher, resolveManifest } from "../resolve.js";
import type { BlobLayer, OpenedImage, OpenOptions } from "../source.js";

export async function openRegistryImage(reference: string, options: OpenOptions = {}): Promise<OpenedImage> {
  const ref = parseReference(reference);
  const registry = options.registry ?? {};
  const warnings: string[] = [];
  let login: RegistryLogin | undefined;
  if (registry.credentials) {
    login = {
      kind: "basic",
      username: registry.credentials.username,
      password: registry.credentials.password,
    };
  } else {
    const found = await lookupCredentials(
      ref.domain,
      ref.path,
      registry.authFiles ? { authFiles: registry.authFiles } : {},
    );
    login = found.login;
    warnings.push(...found.warnings);
  }
  const client = await RegistryClient.create({
    domain: ref.domain,
    host: registryHostFor(ref.domain),
    ...(login ? { login } : {}),
    ...(registry.insecure !== undefined ? { insecure: registry.insecure } : {}),
    ...(registry.caFiles ? { caFiles: registry.caFiles } : {}),
    ...(registry.retries !== undefined ? { retries: registry.retries } : {}),
    ...(registry.retryBaseDelayMs !== undefined ? { retryBaseDelayMs: registry.retryBaseDelayMs } : {}),
    ...(registry.timeoutMs !== undefined ? { timeoutMs: registry.timeoutMs } : {}),
    ...(registry.userAgent !== undefined ? { userAgent: registry.userAgent } : {}),
  });
  try {
    return await openWithClient(client, reference, ref, options, warnings);
  } catch (err) {
    client.close();
    throw scrubbed(err, client.redactor);
  }
}

async function openWithClient(
  client: RegistryClient,
  reference: string,
  ref: ReturnType<typeof parseReference>,
  options: OpenOptions,
  warnings: string[],
): Promise<OpenedImage> {
  const signal = options.signal;
  const name = referenceString(ref);
  const repository = ref.path;
  // A digest pins the content; any tag beside it is only a label.
  const wanted = ref.digest ?? ref.tag ?? "latest";
  const topWhat = `manifest of ${name}`;
  const top = await client.fetchManifest(repository, wanted, {
    what: topWhat,
    ...(signal ? { signal } : {}),
  });
  const document = parseManifestDocument(top.bytes, topWhat, top.mediaType);

  const sizes = new Map<string, number>([[top.digest, top.bytes.length]]);
  const fetchDocument: DocumentFetcher = async (descriptor, what, maxBytes) => {
    const fetched = await client.fetchManifest(repository, descriptor.digest, {
      what,
      maxBytes,
      expectedSize: descriptor.size,
      ...(signal ? { signal } : {}),
    });
    sizes.set(fetched.digest, fetched.bytes.length);
    return fetched.mediaType
      ? { bytes: fetched.bytes, mediaType: fetched.mediaType }
      : { bytes: fetched.bytes };
  };
  const resolved = await resolveManifest(
    fetchDocument,
    { document, digest: top.digest, mediaType: top.mediaType ?? null },
    { what: name, ...(options.platform ? { platform: options.platform } : {}) },
  );

  const configDescriptor = resolved.manifest.config;
  const configWhat = `config ${configDescriptor.digest} of ${name}`;
  const configBytes = await client.fetchBlob(
    repository,
    configDescriptor,
    MAX_CONFIG_BYTES,
    configWhat,
    signal,
  );
  const config = parseImageConfig(configBytes, configWhat);

  const platform = imagePlatform(config, resolved.indexPlatform);
  if (options.platform && document.kind === "manifest" && config.os && config.architecture) {
    // A single-platform image was not chosen by platform; make sure it is the one asked for.
    if (!platformMatches(options.platform, platform)) {
      throw new ShipshapeError(
        "not-found",
        `${name} is a single-platform image for ${formatPlatform(platform)}, not ${formatPlatform(options.platform)}`,
      );
    }
  }

  const diffIDs = config.rootfs.diff_ids;
  if (diffIDs.length !== resolved.manifest.layers.length) {
    warnings.push(
      `${name}: the config lists ${diffIDs.length} diff_ids for ${resolved.manifest.layers.length} layers`,
    );
  }
  let closed = false;
  const layers: BlobLayer[] = resolved.manifest.layers.map((descriptor, index) => {
    const what = `layer ${index} (${descriptor.digest}) of ${name}`;
    return {
      kind: "blob",
      index,
      mediaType: descriptor.mediaType,
      digest: descriptor.digest,
      size: descriptor.size,
      diffID: diffIDs[index] ?? null,
      location: `${ref.domain}/${repository}@${descriptor.digest}`,
      async open(openSignal?: AbortSignal) {
        if (closed)
          throw new ShipshapeError("usage", `${what}: the image was closed before the layer was read`);
        try {
          return await client.openBlob(repository, descriptor.digest, what, openSignal ?? signal);
        } catch (err) {
          throw scrubbed(err, client.redactor);
        }
      },
    };
  });

  return {
    reference,
    transport: "registry",
    names: [name],
    indexDigests: resolved.indexDigests,
    manifestDigest: resolved.manifestDigest,
    manifestMediaType: resolved.manifestMediaType,
    manifestSize: resolved.manifestDigest ? (sizes.get(resolved.manifestDigest) ?? null) : null,
    manifest: resolved.manifest,
    configDigest: configDescriptor.digest,
    config,
    platform,
    layers,
    warnings,
    async close() {
      closed = true;
      client.close();
    },
  };
}

/** The chosen image's platform: the config's, else what the index said about it. */
function imagePlatform(
  config: { os: string; architecture: string; variant?: string },
  fromIndex: Platform | undefined,
): Platform {
  if (config.os && config.architecture) {
    const out: Platform = { os: config.os, architecture: config.architecture };
    const variant =
      config.variant ??
      (fromIndex && platformMatches({ os: config.os, architecture: config.architecture }, fromIndex)
        ? fromIndex.variant
        : undefined);
    if (variant) out.variant = variant;
    return out;
  }
  return fromIndex ?? { os: config.os, architecture: config.architecture };
}

/** The last line of defence: no error leaves with a password or token in its message. */
function scrubbed(err: unknown, redactor: SecretRedactor): unknown {
  if (!isShipshapeError(err)) return err;
  const message = redactor.redact(err.message);
  return message === err.message ? err : new ShipshapeError(err.kind, message, { exitCode: err.exitCode });
}
