/**
 * The tag rule (Dockle's DKL-DI-0006) on images read from a real registry (Debian's docker-registry
 * on 127.0.0.1, filled by skopeo from the alpine-apk fixture): the name as given decides — no tag
 * means :latest, `latest` is flagged, a version tag or a digest is not — while the filesystem
 * findings are the same for every name of the same image.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CheckResult, checkImage } from "../../src/checks/run.js";
import { startRegistry, type TestRegistry } from "../helpers/registry.js";

let registry: TestRegistry;
const options = () => ({ registry: { insecure: [registry.host], authFiles: [] as string[] } });
const tagTitles = (r: CheckResult) => r.findings.filter((f) => f.rule === "SS1021").map((f) => f.title);
const withoutTag = (r: CheckResult) => r.findings.filter((f) => f.rule !== "SS1021");

beforeAll(async () => {
  registry = await startRegistry();
  await Promise.all([
    registry.push("alpine-apk", "team/app:3.4"),
    registry.push("alpine-apk", "team/app:latest"),
  ]);
});
afterAll(async () => {
  await registry?.stop();
});

describe("check on registry references", () => {
  it("no tag, latest, a version tag, a digest", async () => {
    const repo = `${registry.host}/team/app`;
    const bare = await checkImage(repo, options());
    expect(tagTitles(bare)).toEqual([`The image has no tag (${repo} means :latest)`]);
    const latest = await checkImage(`${repo}:latest`, options());
    expect(tagTitles(latest)).toEqual([`The image is tagged latest (${repo}:latest)`]);
    const version = await checkImage(`${repo}:3.4`, options());
    expect(tagTitles(version)).toEqual([]);
    const digest = version.source.manifestDigest!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const pinned = await checkImage(`${repo}@${digest}`, options());
    expect(tagTitles(pinned)).toEqual([]);
    for (const r of [latest, version, pinned]) expect(withoutTag(r)).toEqual(withoutTag(bare));
    expect(withoutTag(bare).map((f) => f.rule)).toContain("SS1002"); // busybox applets, as from the archive
  });
});
