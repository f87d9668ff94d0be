/**
 * The SS and DL findings on real Containerfiles, worked out from their text:
 *  - ../shared/fixtures/build/debian12-app/Containerfile, the careless image the scanner fixtures are
 *    built from (its comments say what it does wrong);
 *  - test/fixtures/dockerfiles/multistage-{careless,clean}.Dockerfile, a multi-stage build done wrong
 *    and done right.
 * Each expected finding carries the reason it must be there; ShellCheck is off here (its findings
 * are tested with the real binary in shellcheck.test.ts).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { lintDockerfile } from "../../src/dockerfile/lint.js";
import { fixturePath, repoPath } from "../helpers/shared.js";

type Expected = readonly [line: number, rule: string, why: string];

async function findingsOf(path: string): Promise<[number, string][]> {
  const found = await lintDockerfile(readFileSync(path, "utf8"), {}, { shellcheck: false });
  return found.map((f) => [f.line, f.rule]);
}

function sorted(list: readonly (readonly [number, string])[]): [number, string][] {
  return list
    .map(([l, r]): [number, string] => [l, r])
    .sort((a, b) => a[0] - b[0] || a[1].localeCompare(b[1]));
}

describe("debian12-app's Containerfile", () => {
  const expected: Expected[] = [
    [6, "SS2006", "no USER anywhere: the image runs as root (the fixture README: User root (unset))"],
    [13, "DL3008", "apt-get install curl wget netcat-openbsd strace without versions"],
    [13, "SS2002", "the final (only) stage installs with apt-get and never removes apt"],
    [13, "SS2004", "curl is a network client"],
    [13, "SS2004", "wget is a network client"],
    [13, "SS2004", "netcat-openbsd provides nc"],
    [13, "SS2005", "strace is a debugger"],
    [17, "DL3008", "python3 … unpinned"],
    [23, "DL3008", "node-* unpinned"],
    [28, "DL3008", "lib*-java unpinned"],
    [33, "DL3008", "gosu fzf unpinned"],
    [41, "SS2008", "COPY id_rsa: a private key file"],
    [42, "DL3064", "ENV DB_PASSWORD: hadolint's sensitive-name rule"],
    [42, "SS2007", "ENV DB_PASSWORD=hunter2: a literal value under a secret's name"],
    [49, "DL3059", "RUN rm /usr/bin/wget follows RUN cp … (one command each, only comments between)"],
    [52, "DL3059", "RUN rm /root/.env.backup follows RUN rm /usr/bin/wget"],
  ];
  // Not expected: SS2001 (the base is ${BASE}, an oci-archive: path — no image shipshape can judge),
  // DL3006 (a variable), DL3009 (each RUN removes /var/lib/apt/lists), DL3015 (--no-install-
  // recommends everywhere), DL3025 (CMD is JSON), SS2010 (no ADD), SS2011 (one stage).
  it("gets exactly the findings its text calls for", async () => {
    const path = fixturePath("build", "debian12-app", "Containerfile");
    expect(sorted(await findingsOf(path))).toEqual(sorted(expected.map(([l, r]) => [l, r])));
  });
});

describe("a multi-stage build done wrong", () => {
  const expected: Expected[] = [
    [4, "DL3064", "ARG GITHUB_TOKEN: hadolint's sensitive-name rule"],
    [4, "SS2007", "ARG GITHUB_TOKEN with a (made-up) ghp_ token as its default"],
    [9, "SS2001", "the final stage (runtime) is FROM debian:12"],
    [10, "DL3008", "apt-get install without versions"],
    [10, "SS2002", "apt-get install in the final stage, apt kept"],
    [10, "SS2003", "bash installed in the final stage"],
    [10, "SS2005", "tcpdump installed in the final stage"],
    [13, "SS2011", "COPY --from=build /usr/local/go: the Go toolchain"],
    [15, "SS2010", "ADD https://… without --checksum"],
    [16, "SS2008", "COPY server.key"],
    [17, "DL3066", "USER app: a name, not a numeric id"],
  ];
  // Not expected: SS2001/SS2002 for the golang build stage (not the final one), SS2011 for
  // /out/app (the build's output), SS2006 (USER app is set), DL3002 (not root).
  it("gets exactly the findings its text calls for", async () => {
    const path = repoPath("test", "fixtures", "dockerfiles", "multistage-careless.Dockerfile");
    expect(sorted(await findingsOf(path))).toEqual(sorted(expected.map(([l, r]) => [l, r])));
  });

  it("with --target build, the build stage is the final one", async () => {
    const text = readFileSync(
      repoPath("test", "fixtures", "dockerfiles", "multistage-careless.Dockerfile"),
      "utf8",
    );
    const found = await lintDockerfile(text, {}, { shellcheck: false, target: "build" });
    const ss = found.filter((f) => f.rule.startsWith("SS")).map((f) => [f.line, f.rule]);
    // golang:1.22-bookworm is a full image; it has no USER; its base ships apt. The secret, ADD and
    // COPY rules judge every stage (a secret in a build stage is still in its layers and the cache).
    expect(sorted(ss as [number, string][])).toEqual(
      sorted([
        [3, "SS2001"],
        [3, "SS2002"],
        [3, "SS2006"],
        [4, "SS2007"],
        [15, "SS2010"],
        [16, "SS2008"],
      ]),
    );
  });
});

describe("the same build done right", () => {
  it("has no findings", async () => {
    const path = repoPath("test", "fixtures", "dockerfiles", "multistage-clean.Dockerfile");
    expect(await findingsOf(path)).toEqual([]);
  });
});
