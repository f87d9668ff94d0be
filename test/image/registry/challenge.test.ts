import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findChallenge, parseChallenges } from "../../../src/image/registry/challenge.js";

const params = (header: string, scheme: string) => ({
  ...findChallenge(parseChallenges(header), scheme)?.params,
});

describe("parseChallenges", () => {
  it("reads Docker Hub's Bearer challenge", () => {
    const header =
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/debian:pull"';
    expect(parseChallenges(header)).toHaveLength(1);
    expect(params(header, "bearer")).toEqual({
      realm: "https://auth.docker.io/token",
      service: "registry.docker.io",
      scope: "repository:library/debian:pull",
    });
  });

  it("reads distribution's insufficient_scope challenge and the Basic realm of htpasswd", () => {
    const bearer =
      'Bearer realm="http://127.0.0.1:5001/token",service="svc",scope="repository:foo:pull",error="insufficient_scope"';
    expect(params(bearer, "bearer").error).toBe("insufficient_scope");
    expect(params('Basic realm="basic-realm"', "basic")).toEqual({ realm: "basic-realm" });
  });

  it("separates several challenges in one header and across header lines", () => {
    const list = parseChallenges(
      'Basic realm="a, b", Bearer realm="https://x/token", service=reg, Negotiate',
    );
    expect(list.map((c) => c.scheme)).toEqual(["basic", "bearer", "negotiate"]);
    expect(list[0]?.params.realm).toBe("a, b");
    expect(list[1]?.params).toEqual({ realm: "https://x/token", service: "reg" });
    const lines = parseChallenges(['Basic realm="r"', 'Bearer realm="https://t"']);
    expect(lines.map((c) => c.scheme)).toEqual(["basic", "bearer"]);
  });

  it("handles case, spaces around '=', escapes and token68", () => {
    const [c] = parseChallenges('BEARER Realm = "https://a/\\"q\\"" ,  SERVICE=svc');
    expect(c?.scheme).toBe("bearer");
    expect(c?.params).toEqual({ realm: 'https://a/"q"', service: "svc" });
    const [n] = parseChallenges("Negotiate YII4Bg==");
    expect(n?.token68).toBe("YII4Bg==");
    expect(Object.keys(n?.params ?? {})).toEqual([]);
  });

  it("keeps parameter names like __proto__ as plain data", () => {
    const [c] = parseChallenges('Bearer __proto__="x", constructor="y"');
    const proto = "__proto__";
    expect(c?.params[proto]).toBe("x");
    expect(c?.params.constructor).toBe("y");
    expect(Object.getPrototypeOf(c?.params)).toBeNull();
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it("returns nothing for empty or absent headers", () => {
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges("")).toEqual([]);
    expect(parseChallenges(" , ,")).toEqual([]);
  });

  const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9!#$%&'*+.^_`|~-]{0,11}$/);
  const value = fc.string({ maxLength: 40, unit: "grapheme-ascii" });
  const challenge = fc.record({
    scheme: token,
    params: fc.uniqueArray(fc.tuple(token, value), { maxLength: 5, selector: ([k]) => k.toLowerCase() }),
  });

  it("round-trips any well-formed challenge list (fuzz)", () => {
    fc.assert(
      fc.property(fc.array(challenge, { minLength: 1, maxLength: 4 }), (list) => {
        const quote = (v: string) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;
        const header = list
          .map((c) =>
            c.params.length
              ? `${c.scheme} ${c.params.map(([k, v]) => `${k}=${quote(v)}`).join(", ")}`
              : c.scheme,
          )
          .join(", ");
        const parsed = parseChallenges(header);
        expect(parsed.map((c) => c.scheme)).toEqual(list.map((c) => c.scheme.toLowerCase()));
        parsed.forEach((c, i) => {
          expect({ ...c.params }).toEqual(
            Object.fromEntries(list[i]!.params.map(([k, v]) => [k.toLowerCase(), v])),
          );
        });
      }),
      { numRuns: 300 },
    );
  });

  it("never throws and stays bounded on arbitrary text (fuzz)", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const parsed = parseChallenges(text);
        expect(parsed.length).toBeLessThanOrEqual(text.length);
        for (const c of parsed) {
          expect(c.scheme).toBe(c.scheme.toLowerCase());
          for (const v of Object.values(c.params)) expect(typeof v).toBe("string");
        }
      }),
      { numRuns: 400 },
    );
    const huge = `Bearer realm="${"a".repeat(1_000_000)}`;
    const started = Date.now();
    expect(parseChallenges(huge)[0]?.params.realm?.length).toBeLessThan(20_000);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
