/** The fixture images and the manifest digest their expected/NAME.image.json gives (independent of our reader). */
import { readdirSync, readFileSync } from "node:fs";
import { fixturePath } from "../helpers/shared.js";

export function fixtureImages(): string[] {
  return readdirSync(fixturePath("images"))
    .filter((f) => f.endsWith(".oci.tar"))
    .map((f) => f.replace(/\.oci\.tar$/, ""))
    .sort();
}

export function fixtureReference(name: string): string {
  return `oci-archive:${fixturePath("images", `${name}.oci.tar`)}`;
}

/** multiarch has one manifest per platform: the one read here is linux/amd64 (the host's). */
export function expectedManifestDigest(name: string): string {
  const expected = JSON.parse(readFileSync(fixturePath("expected", `${name}.image.json`), "utf8")) as {
    manifest?: { digest: string };
    platforms?: Record<string, { manifest: { digest: string } }>;
  };
  const manifest = expected.manifest ?? expected.platforms?.["linux/amd64"]?.manifest;
  if (!manifest) throw new Error(`expected/${name}.image.json names no manifest digest`);
  return manifest.digest;
}
