/**
 * Parity with Dockle on Dockle's own test cases (goodwithtech/dockle
 * pkg/assessor/manifest/manifest_test.go @ a29679e1, encoded here as data):
 * - TestAssess: Dockle's test configs (dockle-configs/, see its README) must give the same set of
 *   Dockle codes from our config/history rules as Dockle's expected assessments;
 * - TestSensitiveVars, TestReducableApkAdd/AptGetUpdate/AptGetInstall, TestUseDistUpgrade and
 *   TestAddStatement: each case's command line as a history entry, our rule must fire exactly when
 *   Dockle's function returns true;
 * - DKL-DI-0006 on registry references (Dockle resolves the CLI name with containers/image: an
 *   untagged name means :latest).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { CatalogResult } from "../../src/catalog/catalog.js";
import { runImageRules } from "../../src/checks/run.js";
import type { ImageSourceFacts } from "../../src/image/inspect.js";
import { parseImageConfig } from "../../src/image/manifest.js";
import type { ImageConfig } from "../../src/image/oci.js";
import { repoPath } from "../helpers/shared.js";

const CATALOG: CatalogResult = { os: null, packages: [], folded: 0, warnings: [], incomplete: [] };
const NOW = new Date("2026-11-29T00:00:00Z");

/** An image read from a layout without a name (nothing for the tag rule), unless a transport is given. */
function source(reference: string, transport: ImageSourceFacts["transport"] = "oci"): ImageSourceFacts {
  return {
    reference,
    transport,
    names: [],
    manifestDigest: null,
    configDigest: null,
    platform: { os: "linux", architecture: "amd64" },
    created: null,
  };
}

function dockleConfig(name: string): ImageConfig {
  const bytes = readFileSync(repoPath("test", "checks", "dockle-configs", name));
  return parseImageConfig(bytes, name);
}

/** The Dockle codes our image rules report for a config, sorted (a code per finding). */
function dockleCodes(config: ImageConfig): string[] {
  const { findings } = runImageRules({ config, source: source("oci:/x"), catalog: CATALOG, now: NOW });
  return findings.flatMap((f) => (f.dockle ? [f.dockle] : [])).sort();
}

/** A config whose history is one base ADD (Dockle exempts the first ADD) and then `lines`. */
function historyConfig(...lines: string[]): ImageConfig {
  return {
    architecture: "amd64",
    os: "linux",
    config: { User: "app" },
    rootfs: { type: "layers", diff_ids: [] },
    history: [
      {
        created_by:
          "/bin/sh -c #(nop) ADD file:2e3a37883f56a4a278bec2931fc9f91fb9ebdaa9047540fe8fde419b84a1701b in / ",
      },
      ...lines.map((created_by) => ({ created_by })),
    ],
  } as ImageConfig;
}

function fires(rule: string, ...lines: string[]): boolean {
  const { findings } = runImageRules({
    config: historyConfig(...lines),
    source: source("oci:/x"),
    catalog: CATALOG,
    now: NOW,
  });
  return findings.some((f) => f.rule === rule);
}

/** Dockle's cmdSlices (one slice per `&&` segment) as the shell line a builder records. */
const line = (...segments: string[][]) => `/bin/sh -c ${segments.map((s) => s.join(" ")).join(" && ")}`;

describe("TestAssess: Dockle's configs give Dockle's assessments", () => {
  const cases: [string, string[]][] = [
    ["root_default.json", ["CIS-DI-0001", "CIS-DI-0006"]],
    ["apk_cache.json", ["DKL-DI-0004", "CIS-DI-0001", "CIS-DI-0006", "CIS-DI-0009"]],
    ["apt_update_upgrade.json", ["CIS-DI-0001", "DKL-DI-0005", "CIS-DI-0006"]],
    ["add_with_arg_statement.json", ["CIS-DI-0001", "CIS-DI-0006"]],
    ["multi_add.json", ["CIS-DI-0001", "CIS-DI-0006", "CIS-DI-0009", "CIS-DI-0009"]],
  ];
  for (const [file, expected] of cases) {
    it(file, () => {
      expect(dockleCodes(dockleConfig(file))).toEqual([...expected].sort());
    });
  }
});

describe("TestSensitiveVars (CIS-DI-0010 in the history → SS1029)", () => {
  const cases: [string, string, boolean][] = [
    ["basic", "/bin/sh -c #(nop) ENV PASS=ADMIN", true],
    ["empty value", "/bin/sh -c #(nop) ENV PASS=", false],
    ["mixed cases", "/bin/sh -c #(nop) ENV PasS=ADMIN", true],
    ["two vars", "/bin/sh -c #(nop) ENV abc=hello password=sensibledata", true],
    ["empty two value", "/bin/sh -c #(nop) ENV ABC=hello PASS= ", false],
    ["run command", `/bin/sh -c SECRET_API_KEY=63AF7AA15067C05616FDDD88A3A2E8F226F0BC06 echo "data"`, true],
    ["run false positive", `/bin/sh -c HELLO="PASS=\\"notThis\\"" echo "false positive"`, false],
    ["run command 2", `/bin/sh -c SECRET=myLittleSecret VAR2=VALUE2 VAR3=VALUE3 echo "Do something"`, true],
    ["secret with space", `/bin/sh -c SECRET="hello world"`, true],
    ["skip space key", `/bin/sh -c echo 'secret = foo;' > test.conf`, false],
  ];
  for (const [name, cmd, expected] of cases) {
    it(name, () => expect(fires("SS1029", cmd)).toBe(expected));
  }

  it("GPG_KEY is accepted as in Dockle; a public key id is not a secret", () => {
    expect(fires("SS1029", "/bin/sh -c #(nop) ENV GPG_KEY=B42F6819007F00F88E364FD4036A9C25BF357DD4")).toBe(
      false,
    );
  });
});

describe("TestReducableApkAdd (DKL-DI-0004 → SS1034)", () => {
  it("Reducable", () => expect(fires("SS1034", line(["apk", "add", "git"]))).toBe(true));
  it("UnReducable", () => expect(fires("SS1034", line(["apk", "add", "--no-cache", "git"]))).toBe(false));
  it("(ours) global options with values before the subcommand", () => {
    expect(
      fires(
        "SS1034",
        line(["apk", "-X", "https://dl-cdn.alpinelinux.org/alpine/edge/testing", "add", "git"]),
      ),
    ).toBe(true);
    expect(fires("SS1034", line(["apk", "--repository", "http://x/main", "add", "--no-cache", "git"]))).toBe(
      false,
    );
  });
});

describe("TestReducableAptGetUpdate (CIS-DI-0007 → SS1030)", () => {
  const cases: [string, string[][], boolean][] = [
    [
      "Reducable",
      [
        ["apt-get", "update"],
        ["apt-get", "purge"],
      ],
      true,
    ],
    [
      "NoUpdate",
      [
        ["apt-get", "install"],
        ["apt-get", "purge"],
      ],
      false,
    ],
    [
      "UnReducable",
      [
        ["apt-get", "update"],
        ["apt-get", "-y", "--no-install-recommends", "install"],
      ],
      false,
    ],
    [
      "UpdateAfterInstalled",
      [
        ["apt-get", "-y", "--no-install-recommends", "install"],
        ["apt-get", "update"],
      ],
      true,
    ],
    [
      "CheckAptCommand",
      [
        ["apt", "update"],
        ["apt", "-y", "--no-install-recommends", "install"],
      ],
      false,
    ],
  ];
  for (const [name, segments, expected] of cases) {
    it(name, () => expect(fires("SS1030", line(...segments))).toBe(expected));
  }
  it("LongInvalidCommand (docker-library golang alpine RUN: 'update' as a word, no apt)", () => {
    const golang =
      "/bin/sh -c set -eux; apk add --no-cache --virtual .fetch-deps gnupg; arch=$(apk --print-arch); url=; " +
      "case $arch in 'x86_64') export GOARCH='amd64' GOOS='linux';; *) echo >&2 error: unsupported architecture " +
      "'$arch' (likely packaging update needed); exit 1 ;; esac; apk del --no-network .fetch-deps; go version";
    expect(fires("SS1030", golang)).toBe(false);
  });
});

describe("TestReducableAptGetInstall (DKL-DI-0005 → SS1035)", () => {
  const cases: [string, string[][], boolean][] = [
    [
      "Reducable",
      [
        ["apt-get", "-y", "install"],
        ["apt-get", "update"],
      ],
      true,
    ],
    [
      "OnlyUpdate",
      [
        ["apt-get", "update"],
        ["apt-get", "purge"],
      ],
      true,
    ],
    ["NoUpdateInstall", [["apt-get", "purge"]], false],
    [
      "UnReducable",
      [
        ["apt-get", "install"],
        ["rm", "-fR", "/var/lib/apt/lists/*"],
      ],
      false,
    ],
    [
      "UnReducable2",
      [
        ["apt-get", "install", "-y", "git"],
        ["rm", "-rf", "/var/lib/apt/lists"],
      ],
      false,
    ],
    [
      "UnReducable3",
      [
        ["apt-get", "install", "-y", "git"],
        ["rm", "-r", "/var/lib/apt/lists"],
      ],
      false,
    ],
  ];
  for (const [name, segments, expected] of cases) {
    it(name, () => expect(fires("SS1035", line(...segments))).toBe(expected));
  }
});

describe("TestUseDistUpgrade (DKL-DI-0003 → SS1033)", () => {
  const cases: [string, string[][], boolean][] = [
    ["UseUpgrade", [["apt-get", "upgrade"]], false],
    [
      "UseAptUpgrade",
      [
        ["apt", "upgrade"],
        ["addgroup", "--system", "--gid", "101", "nginx"],
      ],
      false,
    ],
    ["UseDistUpgrade", [["apt-get", "dist-upgrade"]], true],
    ["UseAptDistUpgrade", [["apt", "dist-upgrade"]], true],
    ["NoAptDistUpgrade", [["somecommand", "dist-upgrade", "pip", "setuptools"]], false],
  ];
  for (const [name, segments, expected] of cases) {
    it(name, () => expect(fires("SS1033", line(...segments))).toBe(expected));
  }
});

describe("TestAddStatement (CIS-DI-0009 → SS1031)", () => {
  it("UseADD", () =>
    expect(
      fires(
        "SS1031",
        "/bin/sh -c #(nop) ADD file:2e3a37883f56a4a278bec2931fc9f91fb9ebdaa9047540fe8fde419b84a1701b in /cmd",
      ),
    ).toBe(true));
  it("NotADD", () =>
    expect(fires("SS1031", line(["set", "-x"], ["addgroup", "--system", "--gid", "101", "nginx"]))).toBe(
      false,
    ));
  it("UseADDR", () => expect(fires("SS1031", "/bin/sh -c RETHINKDB_CLUSTER_IP_ADDR")).toBe(false));
  it("the base's own rootfs ADD alone is exempt", () => expect(fires("SS1031")).toBe(false));
});

describe("DKL-DI-0006 on the name given (registry references)", () => {
  const tagFindings = (reference: string) =>
    runImageRules({
      config: historyConfig(),
      source: source(reference, "registry"),
      catalog: CATALOG,
      now: NOW,
    }).findings.filter((f) => f.rule === "SS1021");
  const cases: [string, boolean][] = [
    ["alpine", true],
    ["alpine:latest", true],
    ["docker.io/library/alpine:latest", true],
    ["localhost:5000/team/app", true],
    ["docker://alpine", true],
    ["alpine:3.9", false],
    ["localhost:5000/team/app:1.2", false],
    ["alpine@sha256:769fddc7cc2f0a1c35abb2f91432e8beecf83916c421420e6a6da9f8975464b6", false],
  ];
  for (const [reference, flagged] of cases) {
    it(`${reference} ${flagged ? "is" : "is not"} flagged`, () => {
      expect(tagFindings(reference).length).toBe(flagged ? 1 : 0);
      if (flagged) expect(tagFindings(reference)[0]!.dockle).toBe("DKL-DI-0006");
    });
  }
});

describe("the tag rule on archive names (RepoTags, OCI ref.name)", () => {
  const tagTitles = (names: string[]) =>
    runImageRules({
      config: historyConfig(),
      source: { ...source("docker-archive:/x.tar", "docker-archive"), names },
      catalog: CATALOG,
      now: NOW,
    })
      .findings.filter((f) => f.rule === "SS1021")
      .map((f) => f.title);
  it("a repository without a tag means :latest", () => {
    expect(tagTitles(["docker.io/library/app"])).toEqual([
      "The image has no tag (docker.io/library/app means :latest)",
    ]);
  });
  it("a bare ref.name is a tag", () => {
    expect(tagTitles(["latest"])).toEqual(["The image is tagged latest (latest)"]);
    expect(tagTitles(["3.4"])).toEqual([]);
  });
  it("one good name among several is enough; no names, nothing to judge", () => {
    expect(tagTitles(["app:latest", "app:1.2.3"])).toEqual([]);
    expect(tagTitles([])).toEqual([]);
  });
});
