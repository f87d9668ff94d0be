/**
 * The condition semantics settled from Falco's own source, each against an independent oracle or
 * the source it comes from:
 * - ka.uri.param, event times, regex: Go's net/url, time.Parse(RFC3339Nano) and regexp (POSIX),
 *   the k8saudit plugin's language and RE2's POSIX syntax (oracles/go-oracle.go);
 * - glob/iglob, icontains, string order: glibc's fnmatch, strcasestr, strcmp, which libsinsp's
 *   filter_compare.cpp calls (oracles/libc-oracle.c).
 * The answers are in oracles/falco-semantics-oracle.json (regenerate: node test/audit/oracles/generate.mjs).
 * - operators per field type: libsinsp filter_compare.cpp flt_is_comparable (refused at load);
 * - list fields: sinsp_filtercheck.cpp compare_rhs (in = all, intersects = any), a list with no
 *   values is "not extracted" (plugin extraction returns false when res_len is 0), tostring "(a,b)";
 * - pmatch: libsinsp prefix_search.h path_prefix_map (components, empty ones dropped).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compileRulesTexts } from "../../src/audit/rules/engine.js";
import { parseRfc3339Nanos } from "../../src/audit/rules/event-context.js";
import { globMatcher } from "../../src/audit/rules/glob.js";
import { pathPrefixMatcher } from "../../src/audit/rules/path-prefix.js";
import { compileFalcoRegex } from "../../src/audit/rules/regex-re2.js";
import { uriQueryParam } from "../../src/audit/rules/uri-query.js";
import { ShipshapeError } from "../../src/errors.js";
import { madeUpEvent as ev } from "../helpers/audit-events.js";
import { repoPath } from "../helpers/shared.js";

interface Oracle {
  query: { uri: string; key: string; want: string | null }[];
  time: { text: string; want: string | null }[];
  regex: { pattern: string; value: string; want: boolean | "refused" }[];
  glob: { pattern: string; value: string; fold: 0 | 1; want: boolean }[];
  icontains: { pattern: string; value: string; want: boolean }[];
  order: { value: string; than: string; want: -1 | 0 | 1 }[];
}
const oracle = JSON.parse(
  readFileSync(repoPath("test", "audit", "oracles", "falco-semantics-oracle.json"), "utf8"),
) as Oracle;

function engineFor(condition: string, output = "x") {
  const yaml = `- rule: R\n  desc: d\n  condition: ${JSON.stringify(condition)}\n  output: ${JSON.stringify(output)}\n  priority: WARNING\n  source: k8s_audit\n`;
  return compileRulesTexts([{ name: "r.yaml", text: yaml }]);
}

const fires = (condition: string, raw: Record<string, unknown>) =>
  engineFor(condition).evaluate(ev(raw)).length === 1;

function loadError(condition: string): string {
  try {
    engineFor(condition);
  } catch (err) {
    expect(err).toBeInstanceOf(ShipshapeError);
    return (err as Error).message;
  }
  throw new Error(`${condition} loaded`);
}

describe("against Go (the k8saudit plugin's language)", () => {
  it(`ka.uri.param: url.Parse + url.ParseQuery, first value (${oracle.query.length} URIs)`, () => {
    const wrong = oracle.query.filter((c) => (uriQueryParam(c.uri, c.key) ?? null) !== c.want);
    expect(wrong).toEqual([]);
    // The cases include both outcomes of each rule, so the table can tell a wrong implementation.
    expect(oracle.query.some((c) => c.want === null && c.uri.includes(";"))).toBe(true);
    expect(oracle.query.some((c) => c.want === "ls -l")).toBe(true);
  });

  it("ka.uri.param in a rule: the field is unavailable when the query does not parse", () => {
    const engine = engineFor("ka.verb=get", "cmd=%ka.uri.param[command]");
    const out = (uri: string) => engine.evaluate(ev({ requestURI: uri }))[0]?.output;
    expect(out("/exec?command=ls+-l&command=sh")).toBe("cmd=ls -l");
    expect(out("/exec?command=ls;rm")).toBe("cmd=<NA>");
    expect(out("/exec?x=%zz&command=ls")).toBe("cmd=<NA>");
    expect(fires("ka.uri.param[command]=ls", { requestURI: "/exec?command=ls;x" })).toBe(false);
    expect(fires("not ka.uri.param[command]=ls", { requestURI: "/exec?command=ls;x" })).toBe(true);
  });

  it(`event time: time.Parse(RFC3339Nano) (${oracle.time.length} timestamps)`, () => {
    const want = (w: string | null) => {
      if (w === null) return undefined;
      const [s, ns] = w.split(".") as [string, string];
      return BigInt(s) * 1_000_000_000n + BigInt(ns);
    };
    const wrong = oracle.time.filter((c) => parseRfc3339Nanos(c.text) !== want(c.want));
    expect(wrong).toEqual([]);
    expect(oracle.time.filter((c) => c.want === null).length).toBeGreaterThan(10);
  });

  it(`regex: RE2 POSIX syntax, whole-value match (${oracle.regex.length} pattern/value pairs)`, () => {
    const ours = (pattern: string, value: string): boolean | "refused" => {
      let re: RegExp;
      try {
        re = compileFalcoRegex(pattern);
      } catch {
        return "refused";
      }
      return re.test(value);
    };
    const wrong = oracle.regex.filter((c) => ours(c.pattern, c.value) !== c.want);
    expect(wrong).toEqual([]);
    expect(new Set(oracle.regex.map((c) => c.want))).toEqual(new Set([true, false, "refused"]));
  });

  it("regex in a rule: a pattern RE2 refuses is a load error naming file:line", () => {
    expect(loadError("ka.user.name regex 'a\\\\d'")).toMatch(/^r\.yaml:3: .*RE2 \(POSIX mode\)/);
    expect(loadError("ka.user.name regex '(?i)admin'")).toMatch(/not POSIX/);
    expect(fires("ka.user.name regex 'system:[[:alpha:]]+'", { user: { username: "system:node" } })).toBe(
      true,
    );
    // "." stops at a newline in RE2.
    expect(fires("ka.user.name regex 'a.c'", { user: { username: "a\nc" } })).toBe(false);
  });
});

describe("against the C library (what libsinsp's string filters call)", () => {
  it(`glob / iglob: fnmatch(pattern, value, 0 / FNM_CASEFOLD) (${oracle.glob.length} cases)`, () => {
    const wrong = oracle.glob.filter((c) => globMatcher(c.pattern, c.fold === 1)(c.value) !== c.want);
    expect(wrong).toEqual([]);
  });

  it(`icontains: strcasestr, ASCII folding only (${oracle.icontains.length} pairs, through the engine)`, () => {
    const wrong = oracle.icontains.filter(
      (c) =>
        fires(`ka.user.name icontains ${JSON.stringify(c.pattern)}`, { user: { username: c.value } }) !==
        c.want,
    );
    expect(wrong).toEqual([]);
    // é/É do not fold in the C locale; JavaScript's toLowerCase would fold them.
    expect(oracle.icontains.find((c) => c.pattern === "É" && c.value === "école")?.want).toBe(false);
  });

  it(`< <= > >=: strcmp order, i.e. UTF-8 bytes (${oracle.order.length} pairs, through the engine)`, () => {
    const wrong: string[] = [];
    for (const c of oracle.order) {
      const raw = { user: { username: c.value } };
      const than = JSON.stringify(c.than);
      const got = [
        fires(`ka.user.name < ${than}`, raw),
        fires(`ka.user.name <= ${than}`, raw),
        fires(`ka.user.name > ${than}`, raw),
        fires(`ka.user.name >= ${than}`, raw),
      ];
      const want = [c.want < 0, c.want <= 0, c.want > 0, c.want >= 0];
      if (got.join() !== want.join()) wrong.push(`${JSON.stringify(c)}: ${got.join()}`);
    }
    expect(wrong).toEqual([]);
    // The pair where UTF-16 order and byte order disagree is in the table.
    expect(oracle.order.find((c) => c.value === "\u{1F600}" && c.than === "\uFFFD")?.want).toBe(1);
  });
});

describe("operators per field type (libsinsp flt_is_comparable, refused at load as Falco does)", () => {
  it("a list field takes exists, in and intersects; =, !=, contains … are refused", () => {
    for (const op of ["= a", "!= a", "contains a", "startswith a", "glob 'a*'", "regex a"]) {
      expect(loadError(`ka.user.groups ${op}`)).toMatch(
        /^r\.yaml:3: rule "R": ka\.user\.groups .*a list field takes only exists, in and intersects in Falco/,
      );
    }
    expect(loadError("ka.req.pod.containers.image[0] = nginx")).toMatch(/a list field/);
    const groups = { user: { groups: ["a", "b"] } };
    expect(fires("ka.user.groups in (a, b, c)", groups)).toBe(true);
    expect(fires("ka.user.groups in (a)", groups)).toBe(false);
    expect(fires("ka.user.groups intersects (b)", groups)).toBe(true);
    expect(fires("ka.user.groups exists", groups)).toBe(true);
  });

  it("the event time (uint64) takes comparisons, in and intersects, not string operators", () => {
    expect(loadError("jevt.rawtime contains 1")).toMatch(/not supported for numeric fields/);
    expect(loadError("jevt.rawtime startswith 1")).toMatch(/not supported for numeric fields/);
    expect(fires("jevt.rawtime > 1700000000000000000", {})).toBe(true);
    expect(fires("jevt.rawtime in (1704164645123456789)", {})).toBe(true);
  });

  it("bcontains and bstartswith are for byte buffers: refused on the (string) ka.* fields", () => {
    expect(loadError("ka.user.name bcontains 6c69")).toMatch(/byte buffers/);
    expect(loadError("ka.user.name bstartswith 616c")).toMatch(/byte buffers/);
  });

  it("pmatch on a list field is shipshape's extension: every value must match", () => {
    const pod = (images: string[]) => ({
      requestObject: { spec: { containers: images.map((image) => ({ image })) } },
    });
    const cond = "ka.req.pod.containers.image pmatch (registry.k8s.io, quay.io/openshift)";
    expect(fires(cond, pod(["registry.k8s.io/pause:3.9", "quay.io/openshift/x:1"]))).toBe(true);
    expect(fires(cond, pod(["registry.k8s.io/pause:3.9", "docker.io/nginx"]))).toBe(false);
    expect(fires(cond, pod([]))).toBe(false);
  });
});

describe("list fields: values, absence and output", () => {
  it("a list with no values is not extracted: exists, in, intersects false; <NA> in outputs", () => {
    const none = { user: { username: "u", groups: [] } };
    expect(fires("ka.user.groups exists", none)).toBe(false);
    expect(fires("ka.user.groups in (a)", none)).toBe(false);
    expect(fires("ka.user.groups intersects (a)", none)).toBe(false);
    expect(fires("not ka.user.groups in (a)", none)).toBe(true);
    const engine = engineFor("ka.verb=get", "g=%ka.user.groups n=%ka.user.name");
    expect(engine.evaluate(ev(none))[0]?.output).toBe("g=<NA> n=u");
    expect(engine.evaluate(ev({ user: { groups: ["a", "b"] } }))[0]?.output).toBe("g=(a,b) n=<NA>");
  });

  it("a list prints at most 1023 bytes (libsinsp copies it into a 1024-byte buffer)", () => {
    const groups = Array.from({ length: 300 }, (_, i) => `group-${i}`);
    const full = `(${groups.join(",")})`;
    const engine = engineFor("ka.verb=get", "%ka.user.groups");
    const out = engine.evaluate(ev({ user: { groups } }))[0]!.output;
    expect(Buffer.byteLength(out)).toBe(1023);
    expect(full.startsWith(out)).toBe(true);
    expect(engine.evaluate(ev({ user: { groups: groups.slice(0, 3) } }))[0]!.output).toBe(
      "(group-0,group-1,group-2)",
    );
  });
});

describe("pmatch: libsinsp path_prefix_search", () => {
  it("components are compared, empty ones dropped; a listed path matches itself and below", () => {
    const m = pathPrefixMatcher(["/etc", "/var/lib/"]);
    expect(["/etc", "/etc/passwd", "//etc//x", "etc", "/var/lib", "/var/lib/dpkg"].map(m)).toEqual([
      true,
      true,
      true,
      true,
      true,
      true,
    ]);
    expect(["/etcx", "/et", "/var", "/var/libx", "", "/"].map(m)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
    ]);
    expect(["", "/", "a", "/x/y"].map(pathPrefixMatcher(["/"]))).toEqual([true, true, true, true]);
  });

  it("a component with glob characters matches with fnmatch (newer libsinsp)", () => {
    const m = pathPrefixMatcher(["/var/*/log"]);
    expect(["/var/x/log", "/var/x/log/y", "/var/x/logs", "/var/log"].map(m)).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });
});

describe("output fields", () => {
  it("%evt.time and %jevt.time print as libsinsp's ts_to_string: HH:MM:SS.nnnnnnnnn, local time", () => {
    const saved = process.env.TZ;
    try {
      // India has no daylight saving time: +05:30 whatever the current date.
      process.env.TZ = "Asia/Kolkata";
      const engine = engineFor("ka.verb=get", "at %evt.time / %jevt.time");
      const e = { ...ev({}), time: "2018-10-25T13:58:49.123456Z" };
      expect(engine.evaluate(e)[0]?.output).toBe("at 19:28:49.123456000 / 19:28:49.123456000");
      process.env.TZ = "UTC";
      expect(engine.evaluate(e)[0]?.output).toBe("at 13:58:49.123456000 / 13:58:49.123456000");
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
