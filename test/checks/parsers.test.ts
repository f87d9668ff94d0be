/**
 * The small parsers under the rules, on the cases other tools test and fuzzed with fast-check:
 * account files (Dockle's user_test.go / group_test.go malformed and duplicate cases), the history
 * command splitter and the builders' wrapping, and the config facts (user, created, health check,
 * volumes, ports) the image rules judge.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CatalogResult } from "../../src/catalog/catalog.js";
import { duplicateIds, emptyPasswordAccounts } from "../../src/checks/account-rules.js";
import { createdDate } from "../../src/checks/age-rules.js";
import { isRootUser } from "../../src/checks/config-rules.js";
import { runImageRules } from "../../src/checks/run.js";
import { historyCommandText, programOf, splitCommands } from "../../src/checks/shell-words.js";
import type { ImageConfig } from "../../src/image/oci.js";

describe("account files", () => {
  it("Dockle's malformed passwd and group bodies parse without error and without duplicates", () => {
    // goodwithtech/dockle pkg/assessor/user/user_test.go and group/group_test.go (TestAssessMalformedLines)
    expect(
      duplicateIds(
        "root:x:0:0:root:/root:/bin/sh\n\n# a comment\ndaemon:x:1:1:daemon:/:/sbin/nologin\nbroken\nalsobroken:x\n",
      ),
    ).toEqual([]);
    expect(duplicateIds("root:x:0:\n\n# a comment\ndaemon:x:1:\nbroken\nalsobroken:x\n")).toEqual([]);
    expect(emptyPasswordAccounts("broken\n\n# x\nalsobroken:x\n")).toEqual([]);
  });

  it("Dockle's duplicate UID and GID cases", () => {
    // TestAssessDuplicateUID / TestAssessDuplicateGID
    expect(duplicateIds("root:x:0:0:root:/root:/bin/sh\ndup:x:0:0:dup:/:/bin/sh\n")).toEqual([
      ["0", ["root", "dup"]],
    ]);
    expect(duplicateIds("root:x:0:\ndup:x:0:\n")).toEqual([["0", ["root", "dup"]]]);
  });

  it("empty password fields, not locked ones; CRLF and NIS lines", () => {
    expect(
      emptyPasswordAccounts("root:*:1::::::\r\nguest::1::::::\r\nlocked:!:1::::::\n+::::::::\n"),
    ).toEqual(["guest"]);
  });

  it("fuzzed: never throws; names come from the text; a duplicate has at least two names", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 500, unit: fc.constantFrom(..."ab0:1:\n#+x".split("")) }),
        (text) => {
          const lines = text.split("\n");
          for (const name of emptyPasswordAccounts(text)) {
            expect(lines.some((l) => l === `${name}:` || l.startsWith(`${name}::`))).toBe(true);
          }
          for (const [id, names] of duplicateIds(text)) {
            expect(id).toMatch(/^\d+$/);
            expect(names.length).toBeGreaterThanOrEqual(2);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("history commands", () => {
  it("the builders' wrapping is removed", () => {
    const cases: [string, string][] = [
      ["/bin/sh -c apt-get update", "apt-get update"],
      ["RUN /bin/sh -c echo hi # buildkit", "echo hi # buildkit"],
      ["|2 A=1 B=2 /bin/sh -c make install", "make install"],
      ["/bin/bash -o pipefail -c curl -fsS x | sh", "curl -fsS x | sh"],
      ["sh -ec 'apt-get update'", "'apt-get update'"],
      ['/bin/sh -c #(nop)  CMD ["sh"]', '#(nop)  CMD ["sh"]'],
      ["apk add curl", "apk add curl"],
      ["/bin/sh", "/bin/sh"],
    ];
    for (const [line, command] of cases) expect(historyCommandText(line)).toBe(command);
  });

  it("commands and their programs, through sudo/env with option values", () => {
    const [first, second] = splitCommands(
      "sudo -u root apt-get install -y x && env -u HOME FOO=1 /usr/bin/pip install y",
    );
    expect(programOf(first!)).toEqual({
      program: "apt-get",
      args: ["install", "-y", "x"],
      wrappers: ["sudo"],
    });
    expect(programOf(second!)).toEqual({ program: "pip", args: ["install", "y"], wrappers: ["env"] });
    expect(splitCommands(`echo "a && b" 'c;d' e\\ f; ls`).map((c) => c.words)).toEqual([
      ["echo", "a && b", "c;d", "e f"],
      ["ls"],
    ]);
  });

  it("fuzzed: never throws; the command text is a suffix of the line; words of plain chains come back", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (line) => {
        expect(line.endsWith(historyCommandText(line))).toBe(true);
        for (const c of splitCommands(line)) expect(c.words.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
    const word = fc.string({
      minLength: 1,
      maxLength: 8,
      unit: fc.constantFrom(..."abcXYZ019-_./=".split("")),
    });
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 }),
        (commands) => {
          const line = `/bin/sh -c ${commands.map((c) => c.join(" ")).join(" && ")}`;
          expect(splitCommands(historyCommandText(line)).map((c) => c.words)).toEqual(commands);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("bounded: a 10 MB line is read up to the cap, quickly", () => {
    const start = performance.now();
    const commands = splitCommands("a=b ".repeat(2_500_000));
    expect(performance.now() - start).toBeLessThan(5000);
    expect(commands[0]!.words.length).toBe((256 * 1024) / 4);
    expect(historyCommandText(`|999 ${"A=1 ".repeat(2_500_000)}`).length).toBeLessThanOrEqual(256 * 1024);
  });
});

describe("config facts", () => {
  it("root user: unset, root, uid 0 with or without a group", () => {
    for (const u of [undefined, "", " ", "root", "root:root", "0", "0:0", "00"])
      expect(isRootUser(u), String(u)).toBe(true);
    for (const u of ["65532", "65532:65532", "app", "nobody:0", "1000"]) expect(isRootUser(u), u).toBe(false);
  });

  it("created: a date, a placeholder, missing, unreadable, in the future", () => {
    const now = new Date("2026-11-29T00:00:00Z");
    expect(createdDate("2026-11-20T12:00:00Z", now).kind).toBe("date");
    expect(createdDate("1970-01-01T00:00:00Z", now).kind).toBe("placeholder");
    expect(createdDate("0001-01-01T00:00:00Z", now).kind).toBe("placeholder");
    expect(createdDate(undefined, now).kind).toBe("missing");
    expect(createdDate("yesterday", now).kind).toBe("invalid");
    expect(createdDate("2026-12-05T00:00:00Z", now).kind).toBe("future");
    expect(createdDate("2026-11-29T06:00:00Z", now).kind).toBe("date"); // a clock a little ahead
  });

  it("SS1023, SS1026, SS1027, SS1025 on config variants", () => {
    const catalog: CatalogResult = { os: null, packages: [], folded: 0, warnings: [], incomplete: [] };
    const run = (config: Partial<ImageConfig>) =>
      runImageRules({
        config: {
          architecture: "amd64",
          os: "linux",
          rootfs: { type: "layers", diff_ids: [] },
          ...config,
        } as ImageConfig,
        source: {
          reference: "oci:/x",
          transport: "oci",
          names: [],
          manifestDigest: null,
          configDigest: null,
          platform: { os: "linux", architecture: "amd64" },
          created: null,
        },
        catalog,
        now: new Date("2026-11-29T00:00:00Z"),
      }).findings;
    const titles = (config: Partial<ImageConfig>, rule: string) =>
      run(config)
        .filter((f) => f.rule === rule)
        .map((f) => f.title);
    expect(titles({}, "SS1023")).toEqual(["The config has no creation date: the image's age is unknown"]);
    expect(titles({ created: "soon" }, "SS1023")[0]).toContain('"soon" cannot be read');
    expect(titles({ created: "2030-01-01T00:00:00Z" }, "SS1023")[0]).toContain("is in the future");
    expect(titles({ config: { Healthcheck: { Test: ["NONE"] } } }, "SS1026")).toEqual([
      "No health check: the HEALTHCHECK is disabled (NONE)",
    ]);
    expect(titles({ config: { Volumes: { "/proc/": {}, "/data": {} } } }, "SS1027")).toEqual([
      "The image declares VOLUME /proc/",
    ]);
    expect(
      titles({ config: { ExposedPorts: { "22": {}, "22/udp": {}, "2222/tcp": {} } } }, "SS1025"),
    ).toEqual(["The image exposes port 22 (SSH)"]);
  });
});
