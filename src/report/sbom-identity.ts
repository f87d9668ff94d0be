/**
 * What the CycloneDX and SPDX writers share: the input they take, the image's identity (name,
 * version, `pkg:oci` purl), deterministic document ids, and the creation time.
 */
import { createHash } from "node:crypto";
import { basename } from "node:path";
import { PackageURL } from "packageurl-js";
import type { CatalogResult, IncompleteSource } from "../catalog/catalog.js";
import { type OsJson, osJson } from "../catalog/os.js";
import type { Package, PackageJson } from "../catalog/package.js";
import type { ImageSourceFacts } from "../image/inspect.js";
import {
  type ImageReference,
  isIdentifier,
  referenceName,
  tryParseNormalizedNamed,
} from "../image/reference.js";

/**
 * A package as the writers need it: the JSON contract's fields, plus — when the caller has the full
 * `Package` — who owns it, which cataloger found it and its cataloger facts.
 */
export type SbomPackage = PackageJson & Partial<Pick<Package, "ownedBy" | "foundBy" | "metadata">>;

/** What an SBOM describes: `SbomJson` (from catalogImage) fits, and so does `sbomSubject(source, result)`. */
export interface SbomSubject {
  source: ImageSourceFacts;
  os: OsJson | null;
  packages: readonly SbomPackage[];
  /** Databases that could not be read fully: the documents say so. */
  incomplete?: readonly IncompleteSource[];
}

export function sbomSubject(source: ImageSourceFacts, result: CatalogResult): SbomSubject {
  return {
    source,
    os: result.os ? osJson(result.os) : null,
    packages: result.packages,
    incomplete: result.incomplete,
  };
}

export interface SbomWriteOptions {
  /** The document's creation time; default SOURCE_DATE_EPOCH when set (reproducible builds), else now. */
  created?: Date;
}

/** SOURCE_DATE_EPOCH (seconds) when set and valid, else now; always whole seconds (SPDX wants no fraction). */
export function sbomTimestamp(options: SbomWriteOptions = {}, env = process.env): Date {
  if (options.created) return new Date(Math.floor(options.created.getTime() / 1000) * 1000);
  const epoch = env.SOURCE_DATE_EPOCH;
  if (epoch && /^\d{1,12}$/.test(epoch)) return new Date(Number(epoch) * 1000);
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

/** `2026-11-20T12:00:00Z`: the UTC form both SPDX 2.3 and CycloneDX accept. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Fixed namespace for shipshape's name-based (v5) UUIDs. */
const SHIPSHAPE_UUID_NAMESPACE = "6d1f0a4e-3c1b-4f5e-9a37-0c2b8e51d7a4";

/** RFC 9562 UUID version 5 (SHA-1, name-based) of `name` in shipshape's namespace. */
export function uuidV5(name: string, namespace = SHIPSHAPE_UUID_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(ns).update(name, "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A document id that is the same for the same image, tool version and package set, and differs
 * otherwise: two runs over one image give the same serial number / namespace (reproducible output),
 * a changed package list a new one.
 */
export function documentUuid(subject: SbomSubject, toolVersion: string, format: string): string {
  const h = createHash("sha256");
  h.update(`${format}\0${toolVersion}\0`);
  const s = subject.source;
  h.update(`${s.manifestDigest ?? ""}\0${s.configDigest ?? ""}\0${s.reference}\0`);
  for (const p of subject.packages)
    h.update(`${p.purl}\0${p.name}\0${p.version}\0${p.locations[0]?.path ?? ""}\n`);
  return uuidV5(h.digest("hex"));
}

export interface ImageIdentity {
  /** Short name: the repository's last path element, or the archive's file name. */
  name: string;
  /** The tag when known, else the manifest digest, else "" (unknown). */
  version: string;
  /** `domain/path` when the image came with a repository name. */
  repository?: string;
  tag?: string;
  /** The manifest digest (`sha256:…`) when known. */
  digest?: string;
  /** `pkg:oci/NAME@DIGEST?arch=…&repository_url=…&tag=…`, only when the digest is known. */
  purl?: string;
  /** What a person would call it: `docker.io/library/alpine:3.16`, `debian12-app:latest`. */
  displayName: string;
}

/** A name is a full reference when it has a repository part; OCI `ref.name` is often just a tag. */
function asReference(name: string): ImageReference | null {
  if (!name.includes("/") && !name.includes(":") && !name.includes("@")) return null;
  if (isIdentifier(name)) return null;
  const parsed = tryParseNormalizedNamed(name);
  return "domain" in parsed ? parsed : null;
}

const TRANSPORT_PREFIX = /^(docker-archive|oci-archive|oci|dir|docker):(\/\/)?/;

/** The file or directory name of a local source, without archive extensions or an `oci:DIR:TAG` tag. */
function localName(reference: string): { name: string; tag?: string } {
  let rest = reference.replace(TRANSPORT_PREFIX, "");
  let tag: string | undefined;
  if (reference.startsWith("oci:")) {
    const colon = rest.lastIndexOf(":");
    if (colon > rest.lastIndexOf("/")) {
      tag = rest.slice(colon + 1) || undefined;
      rest = rest.slice(0, colon);
    }
  }
  const base = basename(rest.replace(/\/+$/, "")).replace(
    /(\.oci|\.docker)?\.(tar|tar\.gz|tgz|tar\.zst)$/i,
    "",
  );
  return tag ? { name: base || "image", tag } : { name: base || "image" };
}

export function imageIdentity(source: ImageSourceFacts): ImageIdentity {
  const candidates = source.transport === "registry" ? [source.reference, ...source.names] : source.names;
  let ref: ImageReference | null = null;
  for (const n of candidates) {
    ref = asReference(n.replace(/^docker:\/\//, ""));
    if (ref) break;
  }
  const digest = source.manifestDigest ?? ref?.digest ?? undefined;
  let name: string;
  let repository: string | undefined;
  let tag: string | undefined;
  if (ref) {
    repository = referenceName(ref);
    name = ref.path.slice(ref.path.lastIndexOf("/") + 1);
    tag = ref.tag;
  } else {
    const local = localName(source.reference);
    name = local.name;
    // A bare OCI ref.name ("latest") is the tag.
    tag = local.tag ?? source.names.find((n) => /^[\w][\w.-]{0,127}$/.test(n));
  }
  const version = tag ?? digest ?? "";
  const base = repository ?? name;
  const displayName = tag ? `${base}:${tag}` : digest ? `${base}@${digest}` : base;
  const identity: ImageIdentity = { name, version, displayName };
  if (repository) identity.repository = repository;
  if (tag) identity.tag = tag;
  if (digest) {
    identity.digest = digest;
    const qualifiers: Record<string, string> = {};
    const arch = source.platform.architecture;
    if (arch && arch !== "unknown") qualifiers.arch = arch;
    if (repository) qualifiers.repository_url = repository;
    if (tag) qualifiers.tag = tag;
    try {
      identity.purl = new PackageURL("oci", undefined, name.toLowerCase(), digest, qualifiers).toString();
    } catch {
      // A name the purl grammar refuses: leave the image without a purl rather than fail the SBOM.
    }
  }
  return identity;
}
