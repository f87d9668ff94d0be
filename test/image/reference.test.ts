/**
 * Every vector of distribution/reference's own table tests (reference_test.go, normalize_test.go,
 * regexp_test.go at commit 0965666a, extracted with their Go results into
 * ../shared/data/reference/reference-cases.json), run against our functions, plus the shipshape
 * entry points built on them.
 */
import { readFileSync } from "node:fs";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../src/errors.js";
import {
  anchoredDomainRegexp,
  anchoredIdentifierRegexp,
  anchoredNameRegexp,
  familiarMatch,
  familiarName,
  familiarString,
  findStringSubmatch,
  GO_ERROR_TEXT,
  ImageReferenceError,
  isDomainAndPort,
  isIdentifier,
  isNamed,
  matchName,
  matchReference,
  type ParseOptions,
  parse,
  parseAnyReference,
  parseDockerRef,
  parseNamed,
  parseNormalizedNamed,
  parseReference,
  pathMatch,
  ReferenceFailure,
  referenceName,
  referenceRegexp,
  referenceString,
  registryHostFor,
  repositoryName,
  tryPathMatch,
  withDefaultTag,
  withDigest,
  withName,
  withTag,
} from "../../src/image/reference.js";
import { dataPath } from "../helpers/shared.js";

const CaseSchema = v.object({
  id: v.string(),
  suite: v.string(),
  line: v.number(),
  input: v.nullish(v.string()),
  inputs: v.optional(v.array(v.string())),
  expect: v.record(v.string(), v.unknown()),
});
type Case = v.InferOutput<typeof CaseSchema>;

const DataSchema = v.object({
  source: v.object({ repo: v.string(), commit: v.string() }),
  counts: v.record(v.string(), v.number()),
  total: v.number(),
  cases: v.array(CaseSchema),
});

const data = v.parse(
  DataSchema,
  JSON.parse(readFileSync(dataPath("reference", "reference-cases.json"), "utf8")),
);

/**
 * The Go test binary these vectors come from imports only crypto/sha256, so go-digest reports sha512
 * as unsupported there (TestReferenceParse's "validname@sha512:…"). Every vector runs with that set.
 */
const GO_TEST_BINARY: ParseOptions = { digestAlgorithms: ["sha256"] };

/** Vectors we do not run, by id, with the reason. Kept empty; the count is asserted below. */
const NOT_APPLICABLE: ReadonlyMap<string, string> = new Map();

const ErrorExpect = v.object({ err: v.nullable(v.string()) });
const Valid = v.object({ valid: v.boolean() });
const DomainPath = v.object({ domain: v.string(), path: v.string() });

function input(c: Case): string {
  if (typeof c.input !== "string") throw new Error(`${c.id} has no input`);
  return c.input;
}

/** Runs `action` and checks it fails with the Go error `code` (and, for Go's error values, its text). */
function expectGoError(action: () => unknown, code: string): ImageReferenceError {
  let thrown: unknown;
  try {
    action();
  } catch (err) {
    thrown = err;
  }
  if (!(thrown instanceof ImageReferenceError)) {
    throw new Error(`expected an ImageReferenceError ${code}, got ${String(thrown)}`);
  }
  expect(thrown.code).toBe(code);
  if (code in GO_ERROR_TEXT) expect(thrown.goMessage).toBe(GO_ERROR_TEXT[code as keyof typeof GO_ERROR_TEXT]);
  expect(thrown).toBeInstanceOf(ShipshapeError);
  expect(thrown.kind).toBe("usage");
  return thrown;
}

/** Checks tag and digest: "" in a vector means the reference must not have one. */
function expectTagAndDigest(ref: { tag?: string; digest?: string }, tag: string, digest: string): void {
  expect(ref.tag).toBe(tag === "" ? undefined : tag);
  expect(ref.digest).toBe(digest === "" ? undefined : digest);
}

/** Go's checkRegexp: the whole input matches and the listed submatches are as given. */
function expectSubmatches(
  actual: readonly string[] | null,
  text: string,
  match: boolean,
  subs: string[] | null,
) {
  if (!match) {
    expect(actual).toBeNull();
    return;
  }
  expect(actual).not.toBeNull();
  expect(actual?.[0]).toBe(text);
  if (subs !== null) expect(actual?.slice(1, subs.length + 1)).toEqual(subs);
}

const runners: Record<string, (c: Case) => void> = {
  "reference_test.go:TestReferenceParse": (c) => {
    const e = v.parse(
      v.object({
        ...ErrorExpect.entries,
        repository: v.string(),
        domain: v.string(),
        tag: v.string(),
        digest: v.string(),
      }),
      c.expect,
    );
    if (e.err !== null) {
      expectGoError(() => parse(input(c), GO_TEST_BINARY), e.err);
      return;
    }
    const ref = parse(input(c), GO_TEST_BINARY);
    expect(referenceString(ref)).toBe(input(c));
    expect(referenceName(ref)).toBe(e.repository);
    expect(ref.domain).toBe(e.domain);
    expectTagAndDigest(ref, e.tag, e.digest);
  },
  "reference_test.go:TestWithNameFailure": (c) => {
    const e = v.parse(v.object({ err: v.string() }), c.expect);
    expectGoError(() => withName(input(c)), e.err);
  },
  "reference_test.go:TestDomainAndPath": (c) => {
    const e = v.parse(DomainPath, c.expect);
    const ref = withName(input(c));
    expect({ domain: ref.domain, path: ref.path }).toEqual(e);
  },
  "reference_test.go:TestSerialization": (c) => {
    const e = v.parse(
      v.object({
        ...ErrorExpect.entries,
        description: v.string(),
        name: v.string(),
        tag: v.string(),
        digest: v.string(),
      }),
      c.expect,
    );
    // As Go's test: a JSON document whose Field is unmarshalled with Parse and marshalled back.
    const document = JSON.stringify({ Description: e.description, Field: input(c) });
    const field = v.parse(
      v.object({ Description: v.string(), Field: v.string() }),
      JSON.parse(document),
    ).Field;
    if (e.err !== null) {
      expectGoError(() => parse(field, GO_TEST_BINARY), e.err);
      return;
    }
    const ref = parse(field, GO_TEST_BINARY);
    expect(referenceName(ref)).toBe(e.name);
    expectTagAndDigest(ref, e.tag, e.digest);
    expect(JSON.stringify({ Description: e.description, Field: referenceString(ref) })).toBe(document);
  },
  "reference_test.go:TestWithTag": (c) => {
    const e = v.parse(
      v.object({ name: v.string(), digest: v.nullable(v.string()), tag: v.string(), combined: v.string() }),
      c.expect,
    );
    let ref = withName(e.name);
    if (e.digest) ref = withDigest(ref, e.digest);
    expect(referenceString(withTag(ref, e.tag))).toBe(e.combined);
  },
  "reference_test.go:TestWithDigest": (c) => {
    const e = v.parse(
      v.object({ name: v.string(), digest: v.string(), tag: v.string(), combined: v.string() }),
      c.expect,
    );
    let ref = withName(e.name);
    if (e.tag !== "") ref = withTag(ref, e.tag);
    expect(referenceString(withDigest(ref, e.digest))).toBe(e.combined);
  },
  "reference_test.go:TestParseNamed": (c) => {
    const e = v.parse(v.object({ ...ErrorExpect.entries, domain: v.string(), path: v.string() }), c.expect);
    if (e.err !== null) {
      expectGoError(() => parseNamed(input(c), GO_TEST_BINARY), e.err);
      return;
    }
    const ref = parseNamed(input(c), GO_TEST_BINARY);
    expect({ domain: ref.domain, path: ref.path }).toEqual({ domain: e.domain, path: e.path });
  },
  "normalize_test.go:TestValidateReferenceName:validRepoNames": (c) => expectValidity(c),
  "normalize_test.go:TestValidateReferenceName:invalidRepoNames": (c) => expectValidity(c),
  "normalize_test.go:TestValidateRemoteName:validRepositoryNames": (c) => expectValidity(c),
  "normalize_test.go:TestValidateRemoteName:invalidRepositoryNames": (c) => expectValidity(c),
  "normalize_test.go:TestParseRepositoryInfo": (c) => {
    const e = v.parse(
      v.object({ familiar: v.string(), full: v.string(), domain: v.string(), path: v.string() }),
      c.expect,
    );
    const names = c.inputs ?? [];
    expect(names.length).toBeGreaterThanOrEqual(2);
    for (const name of names) {
      const ref = parseNormalizedNamed(name, GO_TEST_BINARY);
      expect(familiarName(ref)).toBe(e.familiar);
      expect(referenceString(ref)).toBe(e.full);
      expect(ref.domain).toBe(e.domain);
      expect(ref.path).toBe(e.path);
    }
  },
  "normalize_test.go:TestParseAnyReference": (c) => {
    const e = v.parse(v.object({ string: v.string(), bareDigest: v.optional(v.boolean()) }), c.expect);
    const ref = parseAnyReference(input(c), GO_TEST_BINARY);
    expect(referenceString(ref)).toBe(e.string);
    expect(isNamed(ref)).toBe(e.bareDigest !== true);
  },
  "normalize_test.go:TestNormalizedSplitHostname": (c) => {
    const e = v.parse(DomainPath, c.expect);
    const ref = parseNormalizedNamed(input(c), GO_TEST_BINARY);
    expect({ domain: ref.domain, path: ref.path }).toEqual(e);
  },
  "normalize_test.go:TestMatch": (c) => {
    const e = v.parse(
      v.object({ expected: v.boolean(), pattern: v.string(), reference: v.string() }),
      c.expect,
    );
    expect(familiarMatch(e.pattern, parseAnyReference(e.reference, GO_TEST_BINARY))).toBe(e.expected);
  },
  "normalize_test.go:TestParseDockerRef": (c) => {
    const e = v.parse(v.object({ expected: v.string(), name: v.string() }), c.expect);
    expect(referenceString(parseDockerRef(input(c), GO_TEST_BINARY))).toBe(e.expected);
  },
  "regexp_test.go:TestDomainRegexp": (c) => {
    const e = v.parse(v.object({ match: v.boolean() }), c.expect);
    expect(isDomainAndPort(input(c))).toBe(e.match);
    expect(anchoredDomainRegexp.test(input(c))).toBe(e.match);
  },
  "regexp_test.go:TestFullNameRegexp": (c) => {
    const e = v.parse(v.object({ match: v.boolean(), subs: v.nullable(v.array(v.string())) }), c.expect);
    const text = input(c);
    const scanned = matchName(text);
    expectSubmatches(scanned && [text, scanned.domain, scanned.path], text, e.match, e.subs);
    expectSubmatches(findStringSubmatch(anchoredNameRegexp, text), text, e.match, e.subs);
  },
  "regexp_test.go:TestReferenceRegexp": (c) => {
    const e = v.parse(v.object({ match: v.boolean(), subs: v.nullable(v.array(v.string())) }), c.expect);
    const text = input(c);
    const scanned = matchReference(text);
    expectSubmatches(scanned && [text, scanned.name, scanned.tag, scanned.digest], text, e.match, e.subs);
    expectSubmatches(findStringSubmatch(referenceRegexp, text), text, e.match, e.subs);
  },
  "regexp_test.go:TestIdentifierRegexp": (c) => {
    const e = v.parse(v.object({ match: v.boolean() }), c.expect);
    expect(isIdentifier(input(c))).toBe(e.match);
    expect(anchoredIdentifierRegexp.test(input(c))).toBe(e.match);
  },
};

/** TestValidateReferenceName / TestValidateRemoteName: whether ParseNormalizedNamed accepts the name. */
function expectValidity(c: Case): void {
  const { valid } = v.parse(Valid, c.expect);
  if (valid) {
    expect(parseNormalizedNamed(input(c), GO_TEST_BINARY).path.length).toBeGreaterThan(0);
  } else {
    expect(() => parseNormalizedNamed(input(c), GO_TEST_BINARY)).toThrow(ImageReferenceError);
  }
}

function casesOf(suite: string): Case[] {
  return data.cases.filter((c) => c.suite === suite && !NOT_APPLICABLE.has(c.id));
}

function title(c: Case): string {
  const group = c.id.replace(/#\d+$/, "");
  const shown = c.input ?? (c.inputs ? c.inputs.join(" | ") : JSON.stringify(c.expect));
  const short = shown.length > 80 ? `${shown.slice(0, 60)}…(${shown.length} chars)` : shown;
  return `${group} ${JSON.stringify(short)} [${c.id}]`;
}

describe("distribution/reference vectors", () => {
  it("runs every vector of every suite, with no exclusions", () => {
    expect(data.source.repo).toBe("distribution/reference");
    expect(data.source.commit.startsWith("0965666a")).toBe(true);
    expect(data.cases).toHaveLength(319);
    expect(data.total).toBe(319);
    expect(NOT_APPLICABLE.size).toBe(0);
    expect(new Set(data.cases.map((c) => c.id)).size).toBe(data.cases.length);
    expect(Object.keys(runners).sort()).toEqual(Object.keys(data.counts).sort());
    for (const [suite, count] of Object.entries(data.counts)) {
      expect(data.cases.filter((c) => c.suite === suite)).toHaveLength(count);
    }
    const run = Object.keys(runners).reduce((sum, suite) => sum + casesOf(suite).length, 0);
    expect(run + NOT_APPLICABLE.size).toBe(data.total);
  });

  for (const [suite, runner] of Object.entries(runners)) {
    describe(suite, () => {
      it.each(casesOf(suite).map((c) => [title(c), c] as const))("%s", (_title, c) => runner(c));
    });
  }
});

describe("digest algorithms", () => {
  const sha512 = `validname@sha512:${"f".repeat(128)}`;

  it("accepts sha512 when it is available, as in docker or containerd, which link crypto/sha512", () => {
    expect(parse(sha512).digest).toBe(`sha512:${"f".repeat(128)}`);
    expectGoError(() => parse(sha512, GO_TEST_BINARY), "digest.ErrDigestUnsupported");
  });

  it("checks the hex length of the algorithm, then that the hex is lower-case", () => {
    expectGoError(() => parse(`a@sha512:${"f".repeat(64)}`), "digest.ErrDigestInvalidLength");
    expectGoError(() => parse(`a@sha256:${"F".repeat(64)}`), "digest.ErrDigestInvalidFormat");
    // An unknown upper-case algorithm fails go-digest's syntax before it can be "unsupported".
    expectGoError(() => parse(`a@SHA256:${"f".repeat(64)}`), "digest.ErrDigestInvalidFormat");
  });
});

describe("grammar limits", () => {
  it("takes tags of up to 128 characters, as the grammar's [\\w][\\w.-]{0,127}", () => {
    const longest = `a${"-".repeat(127)}`;
    expect(parse(`app:${longest}`).tag).toBe(longest);
    expect(referenceRegexp.test(`app:${longest}`)).toBe(true);
    expectGoError(() => parse(`app:${longest}x`), "ErrReferenceInvalidFormat");
    expect(referenceRegexp.test(`app:${longest}x`)).toBe(false);
  });

  it("matches path.Match's greedy placement of chunks, not full backtracking", () => {
    // Go places "[^a]" on "c" and then cannot cross "/" with the second star.
    expect(pathMatch("*[^a]*b", "c/b")).toBe(false);
    expect(pathMatch("*[^a]b", "c/b")).toBe(true);
  });
});

describe("parseReference (the shipshape contract)", () => {
  const repositoryInfo = data.cases.filter((c) => c.suite === "normalize_test.go:TestParseRepositoryInfo");

  it("normalises every name of TestParseRepositoryInfo like ParseNormalizedNamed", () => {
    expect(repositoryInfo.length).toBeGreaterThan(0);
    for (const c of repositoryInfo) {
      const e = v.parse(v.object({ familiar: v.string(), full: v.string() }), c.expect);
      for (const name of c.inputs ?? []) {
        const ref = parseReference(name);
        expect(ref).toStrictEqual(parseNormalizedNamed(name));
        expect(repositoryName(ref)).toBe(e.full);
        expect(familiarName(ref)).toBe(e.familiar);
        expect(familiarString(ref)).toBe(e.familiar);
      }
    }
  });

  it("keeps the tag as written and returns plain {domain, path, tag?, digest?} objects", () => {
    const ref = parseReference("ubuntu:22.04");
    expect(ref).toStrictEqual({ domain: "docker.io", path: "library/ubuntu", tag: "22.04" });
    expect(referenceString(ref)).toBe("docker.io/library/ubuntu:22.04");
    expect(familiarString(ref)).toBe("ubuntu:22.04");
    expect(familiarName(ref)).toBe("ubuntu");
    expect(repositoryName(ref)).toBe("docker.io/library/ubuntu");
    expect(parseReference("ubuntu")).toStrictEqual({ domain: "docker.io", path: "library/ubuntu" });
  });

  it("tells hosts with ports from tags, and accepts localhost and bracketed IPv6 hosts", () => {
    expect(parseReference("localhost:5000/app:1.0")).toStrictEqual({
      domain: "localhost:5000",
      path: "app",
      tag: "1.0",
    });
    expect(parseReference("localhost/app")).toStrictEqual({ domain: "localhost", path: "app" });
    expect(parseReference("[::1]:5000/app")).toStrictEqual({ domain: "[::1]:5000", path: "app" });
    expect(parseReference("index.docker.io/app")).toStrictEqual({ domain: "docker.io", path: "library/app" });
    // Without a "/" Go never reads a host: "localhost:5000" is the official image "localhost" at tag 5000.
    expect(parseReference("localhost:5000")).toStrictEqual({
      domain: "docker.io",
      path: "library/localhost",
      tag: "5000",
    });
  });

  it("throws a one-line usage error naming the input and Go's error text", () => {
    const cases: [string, string][] = [
      ["Ubuntu", "ErrNameNotLowercase"],
      ["Foo_bar.com/app", "ErrNameContainsUppercase"],
      [`a/${"b".repeat(300)}`, "ErrNameTooLong"],
      ["ubuntu:bad~tag", "ErrReferenceInvalidFormat"],
      ["da304e823d8ca2b9d863a3c897baeb852ba21ea9a9f1414736394ae7fcaf9821", "ErrNameIsIdentifier"],
      ["bad\nname", "ErrReferenceInvalidFormat"],
    ];
    for (const [text, code] of cases) {
      const err = expectGoError(() => parseReference(text), code);
      expect(err.exitCode).toBe(2);
      expect(err.message).toContain(JSON.stringify(text).slice(0, 100));
      expect(err.message).toContain(err.goMessage.slice(0, 60));
      expect(err.message).not.toContain("\n");
    }
  });

  it("rejects a first element that Go reads as a path because it is not a valid host", () => {
    // Go: "foo_bar.com" is no domain (TestFullNameRegexp), so the whole name is a domain-less path.
    expect(parseNormalizedNamed("foo_bar.com/app")).toStrictEqual({ domain: "", path: "foo_bar.com/app" });
    const err = expectGoError(() => parseReference("foo_bar.com/app"), "ErrNameNoDomain");
    expect(err.message).toContain('"foo_bar.com"');
  });

  it("withDefaultTag adds latest only to a bare name and lets a digest win over a tag", () => {
    for (const c of data.cases.filter((x) => x.suite === "normalize_test.go:TestParseDockerRef")) {
      const e = v.parse(v.object({ expected: v.string() }), c.expect);
      expect(referenceString(withDefaultTag(parseReference(input(c))))).toBe(e.expected);
    }
  });

  it("contacts registry-1.docker.io for docker.io and every other registry at its own host", () => {
    expect(registryHostFor("docker.io")).toBe("registry-1.docker.io");
    expect(registryHostFor("quay.io")).toBe("quay.io");
    expect(registryHostFor("localhost:5000")).toBe("localhost:5000");
    expect(registryHostFor("[::1]:5000")).toBe("[::1]:5000");
  });
});

describe("pathMatch (Go's path.Match, which FamiliarMatch uses)", () => {
  // The table of Go's src/path/match_test.go: pattern, name, match, ErrBadPattern.
  const goMatchTests: [string, string, boolean, boolean][] = [
    ["abc", "abc", true, false],
    ["*", "abc", true, false],
    ["*c", "abc", true, false],
    ["a*", "a", true, false],
    ["a*", "abc", true, false],
    ["a*", "ab/c", false, false],
    ["a*/b", "abc/b", true, false],
    ["a*/b", "a/c/b", false, false],
    ["a*b*c*d*e*/f", "axbxcxdxe/f", true, false],
    ["a*b*c*d*e*/f", "axbxcxdxexxx/f", true, false],
    ["a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false, false],
    ["a*b*c*d*e*/f", "axbxcxdxexxx/fff", false, false],
    ["a*b?c*x", "abxbbxdbxebxczzx", true, false],
    ["a*b?c*x", "abxbbxdbxebxczzy", false, false],
    ["ab[c]", "abc", true, false],
    ["ab[b-d]", "abc", true, false],
    ["ab[e-g]", "abc", false, false],
    ["ab[^c]", "abc", false, false],
    ["ab[^b-d]", "abc", false, false],
    ["ab[^e-g]", "abc", true, false],
    ["a\\*b", "a*b", true, false],
    ["a\\*b", "ab", false, false],
    ["a?b", "a☺b", true, false],
    ["a[^a]b", "a☺b", true, false],
    ["a???b", "a☺b", false, false],
    ["a[^a][^a][^a]b", "a☺b", false, false],
    ["[a-ζ]*", "α", true, false],
    ["*[a-ζ]", "A", false, false],
    ["a?b", "a/b", false, false],
    ["a*b", "a/b", false, false],
    ["[\\]a]", "]", true, false],
    ["[\\-]", "-", true, false],
    ["[x\\-]", "x", true, false],
    ["[x\\-]", "-", true, false],
    ["[x\\-]", "z", false, false],
    ["[\\-x]", "x", true, false],
    ["[\\-x]", "-", true, false],
    ["[\\-x]", "a", false, false],
    ["[]a]", "]", false, true],
    ["[-]", "-", false, true],
    ["[x-]", "x", false, true],
    ["[x-]", "-", false, true],
    ["[x-]", "z", false, true],
    ["[-x]", "x", false, true],
    ["[-x]", "-", false, true],
    ["[-x]", "a", false, true],
    ["\\", "a", false, true],
    ["[a-b-c]", "a", false, true],
    ["[", "a", false, true],
    ["[^", "a", false, true],
    ["[^bc", "a", false, true],
    ["a[", "a", false, true],
    ["a[", "ab", false, true],
    ["a[", "x", false, true],
    ["a/b[", "x", false, true],
    ["*x", "xxx", true, false],
  ];

  it.each(goMatchTests)("Match(%j, %j) = %s (bad pattern: %s)", (pattern, name, match, bad) => {
    const result = tryPathMatch(pattern, name);
    if (bad) {
      expect(result).toBeInstanceOf(ReferenceFailure);
      expectGoError(() => pathMatch(pattern, name), "path.ErrBadPattern");
    } else {
      expect(result).toBe(match);
    }
  });

  it("rejects a bad pattern in familiarMatch instead of answering false", () => {
    expectGoError(() => familiarMatch("docker.io/[", parseAnyReference("ubuntu")), "path.ErrBadPattern");
  });
});
