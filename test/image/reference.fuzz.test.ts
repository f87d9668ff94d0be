/**
 * Properties of reference parsing over generated input: nothing but an ImageReferenceError ever
 * escapes, accepted references survive a round trip, the linear scanners agree with the regular
 * expressions transcribed from Go's regexp.go, and hostile long inputs return at once.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  anchoredDigestRegexp,
  anchoredDomainRegexp,
  anchoredIdentifierRegexp,
  anchoredNameRegexp,
  anchoredTagRegexp,
  familiarMatch,
  familiarString,
  findStringSubmatch,
  ImageReferenceError,
  isDigestSyntax,
  isDomainAndPort,
  isIdentifier,
  isRemoteName,
  isTag,
  matchName,
  matchReference,
  parse,
  parseAnyReference,
  parseDockerRef,
  parseNamed,
  parseNormalizedNamed,
  parseReference,
  REFERENCE_PATTERN_SOURCES,
  referenceRegexp,
  referenceString,
  withDigest,
  withName,
  withTag,
} from "../../src/image/reference.js";

const RUNS = { numRuns: 300 };
const remoteNameRegexp = new RegExp(`^${REFERENCE_PATTERN_SOURCES.remoteName}$`);

/** Pieces that make the grammar's edge cases likely: separators, hosts, ports, digests, odd letters. */
const pieces = [
  "a",
  "b",
  "z",
  "0",
  "9",
  "f",
  "A",
  "Z",
  ".",
  "_",
  "__",
  "-",
  "--",
  "/",
  ":",
  "@",
  "[",
  "]",
  "::1",
  "%",
  "+",
  "~",
  " ",
  "\n",
  "localhost",
  "docker.io",
  "index.docker.io",
  "library",
  "example.com",
  "5000",
  "sha256",
  "sha512",
  "SHA256",
  ":latest",
  "f".repeat(32),
  "a".repeat(64),
  "é",
  "İ", // Go lower-cases it to "i", JavaScript to "i̇"
  "K", // KELVIN SIGN, lower-cases to ASCII "k"
  "\u{1F433}",
  "\uD800", // a lone surrogate
];
const grammarish = fc.array(fc.constantFrom(...pieces), { maxLength: 24 }).map((parts) => parts.join(""));
const anything = fc.oneof(grammarish, fc.string({ unit: "binary", maxLength: 120 }));

/** Generates references valid under the grammar, with every kind of domain. */
const alnum = fc.stringMatching(/^[a-z0-9]{1,6}$/);
const separator = fc.constantFrom(".", "_", "__", "-", "---");
const pathComponent = fc
  .tuple(alnum, fc.array(fc.tuple(separator, alnum), { maxLength: 3 }))
  .map(([head, rest]) => head + rest.map(([s, a]) => s + a).join(""));
const path = fc.array(pathComponent, { minLength: 1, maxLength: 4 }).map((parts) => parts.join("/"));
const hostLabel = fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,5}[a-zA-Z0-9])?$/);
const host = fc.oneof(
  fc.array(hostLabel, { minLength: 1, maxLength: 3 }).map((labels) => labels.join(".")),
  fc.constantFrom(
    "localhost",
    "docker.io",
    "index.docker.io",
    "127.0.0.1",
    "[::1]",
    "[2001:db8::1]",
    "LOCALDOMAIN",
  ),
);
const domain = fc.option(
  fc
    .tuple(host, fc.option(fc.integer({ min: 1, max: 65535 })))
    .map(([h, port]) => (port ? `${h}:${port}` : h)),
);
const tag = fc.stringMatching(/^[\w][\w.-]{0,20}$/);
const digest = fc.oneof(
  fc.stringMatching(/^[a-f0-9]{64}$/).map((hex) => `sha256:${hex}`),
  fc.stringMatching(/^[a-f0-9]{128}$/).map((hex) => `sha512:${hex}`),
);
const validReference = fc
  .tuple(domain, path, fc.option(tag), fc.option(digest))
  .map(([d, p, t, g]) => `${d ? `${d}/` : ""}${p}${t ? `:${t}` : ""}${g ? `@${g}` : ""}`);

/** Calls `action`; anything thrown other than an ImageReferenceError with a one-line message fails. */
function onlyReferenceErrors<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch (err) {
    if (!(err instanceof ImageReferenceError)) throw err;
    expect(err.kind).toBe("usage");
    expect(err.message).not.toMatch(/[\r\n]/);
    return undefined;
  }
}

function expectCode(action: () => unknown, code: string): void {
  let thrown: unknown;
  try {
    action();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ImageReferenceError);
  expect(thrown instanceof ImageReferenceError && thrown.code).toBe(code);
}

describe("reference parsing never throws anything but ImageReferenceError", () => {
  it("for arbitrary and grammar-shaped strings", () => {
    fc.assert(
      fc.property(anything, anything, (text, other) => {
        onlyReferenceErrors(() => parseReference(text));
        onlyReferenceErrors(() => parse(text));
        onlyReferenceErrors(() => parseNormalizedNamed(text));
        onlyReferenceErrors(() => parseNamed(text));
        onlyReferenceErrors(() => parseDockerRef(text));
        onlyReferenceErrors(() => withName(text));
        const any = onlyReferenceErrors(() => parseAnyReference(text));
        if (any) {
          onlyReferenceErrors(() => familiarMatch(other, any));
          const named = "path" in any ? any : undefined;
          if (named) {
            onlyReferenceErrors(() => withTag(named, other));
            onlyReferenceErrors(() => withDigest(named, other));
          }
        }
      }),
      RUNS,
    );
  });
});

describe("messages stay on one line when Go's text quotes the input", () => {
  // Found by the fuzz test above (seed -1800031767): the lowercase rule's "repository name (…)"
  // carried the input's carriage return into the message.
  it.each(["\rA", "x\nY:1", "a\u2028B", "A\u007f"])("%j", (text) => {
    const message = (() => {
      try {
        parseReference(text);
      } catch (err) {
        return (err as Error).message;
      }
      return "";
    })();
    expect(message).toMatch(/must be lowercase/);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what is checked
    expect(message).not.toMatch(/[\u0000-\u001f\u007f\u2028\u2029]/);
  });
});

describe("round trips", () => {
  it("parseReference(referenceString(parseReference(x))) is parseReference(x)", () => {
    fc.assert(
      fc.property(fc.oneof(validReference, grammarish), (text) => {
        const ref = onlyReferenceErrors(() => parseReference(text));
        if (ref === undefined) return;
        expect(parseReference(referenceString(ref))).toStrictEqual(ref);
        // The familiar form is what Docker prints; the full form is a fixed point.
        expect(referenceString(parseReference(referenceString(ref)))).toBe(referenceString(ref));
      }),
      RUNS,
    );
  });

  it("generated valid references parse, and parse without normalisation gives the text back", () => {
    fc.assert(
      fc.property(validReference, (text) => {
        const ref = parse(text);
        expect(referenceString(ref)).toBe(text);
        // Normalised, it may still fail: "a.b_c/d" reads as an invalid host (ErrNameNoDomain).
        const normalised = onlyReferenceErrors(() => parseReference(text));
        if (normalised) expect(parseReference(referenceString(normalised))).toStrictEqual(normalised);
      }),
      RUNS,
    );
  });

  it("familiarString of a Docker Hub official image drops docker.io/library/", () => {
    fc.assert(
      fc.property(pathComponent, fc.option(tag), (name, t) => {
        const text = `docker.io/library/${name}${t ? `:${t}` : ""}`;
        expect(familiarString(parseReference(text))).toBe(`${name}${t ? `:${t}` : ""}`);
      }),
      RUNS,
    );
  });
});

describe("the linear scanners agree with the regular expressions of Go's regexp.go", () => {
  const inputs = fc.oneof(grammarish, validReference, fc.stringMatching(referenceRegexp));

  it("on reference, name, domain, remote name, tag, digest and identifier", () => {
    fc.assert(
      fc.property(inputs, (text) => {
        const reference = matchReference(text);
        expect(reference && [text, reference.name, reference.tag, reference.digest]).toEqual(
          findStringSubmatch(referenceRegexp, text),
        );
        const name = matchName(text);
        expect(name && [text, name.domain, name.path]).toEqual(findStringSubmatch(anchoredNameRegexp, text));
        expect(isDomainAndPort(text)).toBe(anchoredDomainRegexp.test(text));
        expect(isRemoteName(text)).toBe(remoteNameRegexp.test(text));
        expect(isTag(text)).toBe(anchoredTagRegexp.test(text));
        expect(isDigestSyntax(text)).toBe(anchoredDigestRegexp.test(text));
        expect(isIdentifier(text)).toBe(anchoredIdentifierRegexp.test(text));
        // Each part of a matched reference must pass its own check.
        if (reference?.tag) expect(isTag(reference.tag)).toBe(true);
        if (reference?.digest) expect(isDigestSyntax(reference.digest)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

describe("hostile long inputs", () => {
  const n = 10_000;
  const hostile = [
    "a/".repeat(n),
    `${"a/".repeat(n)}!`,
    `${"a.".repeat(n)}!`,
    `${"a-".repeat(n)}a!`,
    `a${"-".repeat(n)}!`,
    `${"a_".repeat(n)}a/!`,
    `${"a".repeat(n)}!`,
    `${"a".repeat(n)}.com/app`,
    `a@sha256:${"f".repeat(n)}!`,
    `a@sha256:${"f".repeat(n)}`,
    `a@${"a.".repeat(n)}b:${"f".repeat(64)}`,
    `[${":".repeat(n)}]:1/a`,
    `a:${"b".repeat(n)}`,
    "A".repeat(n),
    `${"/".repeat(n)}`,
    `${"a:".repeat(n)}`,
    `${"a@".repeat(n)}`,
  ];

  it("return within milliseconds (10k characters)", () => {
    const parsers = [parse, parseReference, parseNormalizedNamed, parseDockerRef, parseAnyReference];
    const started = performance.now();
    for (const text of hostile) {
      for (const parser of parsers) onlyReferenceErrors(() => parser(text));
      onlyReferenceErrors(() =>
        familiarMatch(`${"*a".repeat(50)}b`, parseAnyReference(`${"a".repeat(n)}.com/a`)),
      );
    }
    // Linear scanning takes well under a millisecond per input; anything exponential never returns.
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it("do not overflow the stack at ten megabytes, where V8's backtracking regexps throw RangeError", () => {
    const huge = `${"a/".repeat(5_000_000)}a`;
    expect(matchName(huge)?.domain).toBe("a");
    expectCode(() => parse(huge), "ErrNameTooLong");
    expectCode(() => parse(`${huge}!`), "ErrReferenceInvalidFormat");
    expectCode(
      () => parseReference(`${"a.".repeat(5_000_000)}a/b@sha256:${"f".repeat(63)}`),
      "digest.ErrDigestInvalidLength",
    );
  });

  it("accept a long valid domain, as Go does (only the path has a length limit)", () => {
    const longHost = `${"a".repeat(n)}.com`;
    expect(parseReference(`${longHost}/app:1`).domain).toBe(longHost);
  });
});
