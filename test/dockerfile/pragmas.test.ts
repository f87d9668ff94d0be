/**
 * Inline pragmas, with hadolint's own PragmaSpec cases (hadolint/hadolint test/Hadolint/PragmaSpec.hs
 * @ 45afba85) as data, plus the same behaviour for shipshape's SS codes and `disable-ignore-pragma`.
 */
import { describe, expect, it } from "vitest";
import { analyzeDockerfile, lintDockerfile } from "../../src/dockerfile/lint.js";
import {
  parseGlobalIgnorePragma,
  parseIgnorePragma,
  parseShellPragma,
} from "../../src/dockerfile/pragmas.js";

const CASES: { name: string; lines: string[]; code: string; catches: boolean }[] = [
  {
    name: "ignores single rule",
    lines: ["FROM ubuntu", "# hadolint ignore=DL3002", "USER root"],
    code: "DL3002",
    catches: false,
  },
  {
    name: "ignores only the given rule",
    lines: ["FROM scratch", "# hadolint ignore=DL3001", "USER root"],
    code: "DL3002",
    catches: true,
  },
  {
    name: "ignores only the given rule, when multiple passed",
    lines: ["FROM scratch", "# hadolint ignore=DL3001,DL3002", "USER root"],
    code: "DL3002",
    catches: false,
  },
  {
    name: "ignores the rule only if directly above the instruction",
    lines: ["# hadolint ignore=DL3001,DL3002", "FROM ubuntu", "USER root"],
    code: "DL3002",
    catches: true,
  },
  {
    name: "won't ignore the rule if passed invalid rule names",
    lines: ["FROM scratch", "# hadolint ignore=crazy,DL3002", "USER root"],
    code: "DL3002",
    catches: true,
  },
  {
    name: "ignores multiple rules correctly, even with some extra whitespace (DL3023)",
    lines: ["FROM node as foo", "# hadolint ignore=DL3023, DL3021", "COPY --from=foo bar baz ."],
    code: "DL3023",
    catches: false,
  },
  {
    name: "ignores multiple rules correctly, even with some extra whitespace (DL3021)",
    lines: ["FROM node as foo", "# hadolint ignore=DL3023, DL3021", "COPY --from=foo bar baz ."],
    code: "DL3021",
    catches: false,
  },
  {
    name: "global: ignores single rule",
    lines: ["# hadolint global ignore=DL3002", "FROM ubuntu", "USER root"],
    code: "DL3002",
    catches: false,
  },
  {
    name: "global: ignores multiple rules with extra whitespace (DL3023)",
    lines: ["# hadolint global ignore = DL3023 , DL3021", "FROM node as foo", "COPY --from=foo bar baz ."],
    code: "DL3023",
    catches: false,
  },
  {
    name: "global: ignores multiple rules with extra whitespace (DL3021)",
    lines: ["# hadolint global ignore = DL3023 , DL3021", "FROM node as foo", "COPY --from=foo bar baz ."],
    code: "DL3021",
    catches: false,
  },
  // The same grammar for shipshape's codes.
  {
    name: "SS code ignored on the next instruction",
    lines: ["FROM debian:12", "# hadolint ignore=SS2004", "RUN apt-get install -y curl"],
    code: "SS2004",
    catches: false,
  },
  {
    name: "SS code ignored globally",
    lines: ["# hadolint global ignore=SS2001", "FROM debian:12"],
    code: "SS2001",
    catches: false,
  },
  {
    name: "SS code not ignored two lines down",
    lines: ["FROM debian:12", "# hadolint ignore=SS2004", "USER 1", "RUN apt-get install -y curl"],
    code: "SS2004",
    catches: true,
  },
];

describe("inline pragmas (hadolint's PragmaSpec)", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const found = (await analyzeDockerfile(`${c.lines.join("\n")}\n`)).filter((f) => f.rule === c.code);
    expect(found.length > 0).toBe(c.catches);
  });

  it("disable-ignore-pragma turns them off", async () => {
    const text = "FROM ubuntu\n# hadolint ignore=DL3002\nUSER root\n";
    const found = await lintDockerfile(text, { "disable-ignore-pragma": true }, { shellcheck: false });
    expect(found.some((f) => f.rule === "DL3002")).toBe(true);
  });
});

describe("pragma grammar", () => {
  it.each([
    [" hadolint ignore=DL3008", ["DL3008"]],
    ["hadolint ignore = DL3008 , SC2086 # why", ["DL3008", "SC2086"]],
    ["\thadolint\tignore=SS2004", ["SS2004"]],
    [" hadolint ignore=DL3008 trailing", null],
    [" hadolint ignore=", null],
    [" hadolint global ignore=DL3008", null],
    [" hadolintignore=DL3008", null],
  ])("ignore %j → %j", (text, codes) => {
    expect(parseIgnorePragma(text)).toEqual(codes);
  });
  it("global and shell", () => {
    expect(parseGlobalIgnorePragma(" hadolint global ignore=DL3003,SS2001")).toEqual(["DL3003", "SS2001"]);
    expect(parseShellPragma(" hadolint shell=bash")).toBe("bash");
    expect(parseShellPragma(" hadolint shell=/bin/zsh # why")).toBe("/bin/zsh");
    expect(parseShellPragma(" hadolint shell=")).toBeNull();
  });
});
