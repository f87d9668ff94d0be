/**
 * Regenerates falco-semantics-oracle.json, the expected answers test/audit/falco-semantics.test.ts
 * compares shipshape with: Go's net/url, time and regexp (POSIX) for ka.uri.param, event times and
 * regex (go-oracle.go), and glibc's fnmatch, strcasestr and strcmp for glob/iglob, icontains and
 * string order (libc-oracle.c). The cases are a
 * curated list plus seeded random ones. Needs go and a C compiler; the test itself needs neither.
 *
 *   node test/audit/oracles/generate.mjs
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20261129);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const some = (n, f) => Array.from({ length: n }, f);

// --- ka.uri.param ---------------------------------------------------------------------------------
const pathParts = ["/api/v1/namespaces/default/pods/p/exec", "/x", "/a%20b", "/bad%zz", "/half%4", "/é", ""];
const keys = ["command", "container", "a", "b", "c d"];
const values = ["ls", "ls+-l", "sh%20-c", "%2B", "%zz", "x%", "é", "a=b", "", "1;2", "%C3%A9", "+"];
const queryCases = [
  { uri: "/exec?command=bash&command=sh", key: "command" },
  { uri: "/exec?command=ls+-l", key: "command" },
  { uri: "/exec?command=ls;rm", key: "command" },
  { uri: "/exec?a=1;b=2&command=x", key: "command" },
  { uri: "/exec?command=%zz", key: "command" },
  { uri: "/exec?other=%zz&command=x", key: "command" },
  { uri: "/ex%zzec?command=x", key: "command" },
  { uri: "/exec?command=x#frag", key: "command" },
  { uri: "/exec#frag?command=x", key: "command" },
  { uri: "/exec?command", key: "command" },
  { uri: "/exec?=x&command=y", key: "command" },
  { uri: "/exec?c+d=1", key: "c d" },
  { uri: "/exec?command=a\u0001b", key: "command" },
  { uri: "/exec", key: "command" },
  { uri: "/exec?", key: "command" },
  { uri: "/exec?&&command=z&&", key: "command" },
  ...some(200, () => {
    const pairs = some(1 + Math.floor(rand() * 3), () => {
      const k = pick(["command", "container", "a", "b", "c+d", "%63ommand"]);
      return rand() < 0.15 ? k : `${k}=${pick(values)}`;
    });
    const frag = rand() < 0.1 ? "#f" : "";
    return { uri: `${pick(pathParts)}?${pairs.join(pick(["&", "&", "&", "&&"]))}${frag}`, key: pick(keys) };
  }),
].map((c) => ({ kind: "query", ...c }));

// --- RFC 3339 times -------------------------------------------------------------------------------
const pad = (n, w) => String(n).padStart(w, "0");
const zones = ["Z", "z", "+00:00", "-05:30", "+23:59", "+01:00", "-00:00"];
const timeCases = [
  "2018-10-25T13:58:49.123456Z",
  "2018-10-25T13:58:49Z",
  "2024-02-29T00:00:00Z",
  "2023-02-29T00:00:00Z",
  "2023-04-31T00:00:00Z",
  "2023-12-31T23:59:60Z",
  "1970-01-01T00:00:00Z",
  "2018-10-25t13:58:49Z",
  "2018-10-25 13:58:49Z",
  "2018-10-25T13:58:49.Z",
  "2018-10-25T13:58:49.1234567890Z",
  "2018-10-25T13:58:49+0100",
  "0001-01-01T00:00:00Z",
  "2018-10-25T24:00:00Z",
  ...some(300, () => {
    const frac =
      rand() < 0.5 ? "" : `.${some(1 + Math.floor(rand() * 9), () => Math.floor(rand() * 10)).join("")}`;
    return `${pad(Math.floor(rand() * 3000), 4)}-${pad(Math.floor(rand() * 13), 2)}-${pad(1 + Math.floor(rand() * 31), 2)}T${pad(Math.floor(rand() * 24), 2)}:${pad(Math.floor(rand() * 60), 2)}:${pad(Math.floor(rand() * 60), 2)}${frac}${pick(zones)}`;
  }),
].map((text) => ({ kind: "time", text }));

// --- regex (RE2 POSIX) ----------------------------------------------------------------------------
const patterns = [
  "a.c",
  "\\d+",
  "[[:alpha:]]+",
  "[[:digit:]][[:upper:]]",
  "(?i)abc",
  "a(?=b)",
  "ab|cd",
  "[^]a]",
  "a{2,3}",
  ".*",
  "\\.",
  "x\\b",
  "\\pL",
  "a\\\\b",
  "(a|b)*c",
  "[]a]+",
  "system:.*",
  "kube-.*",
  "^abc$",
  "a+?",
  "[a-c]+",
  "\\w+",
  "(a)\\1",
  "[[:space:]]",
  "[[:foo:]]",
  "a]b",
  "\\Aabc",
];
const regexValues = [
  "abc",
  "a\nc",
  "ABC",
  "123",
  "]",
  "aa",
  "aaa",
  "a.c",
  "a\\b",
  "x",
  "system:node",
  "kube-proxy",
  "cd",
  " ",
  "a]b",
  "1A",
];
const regexCases = patterns.flatMap((pattern) =>
  regexValues.map((value) => ({ kind: "regex", pattern, value })),
);

// --- glob (fnmatch) --------------------------------------------------------------------------------
const globPatterns = [
  "a*",
  "a\\*",
  "*.log",
  "[!a]b",
  "[^a]b",
  "[]a]",
  "[!]a]",
  "[[:digit:]]x",
  "[a-c]",
  "[z-a]",
  "?",
  "a[",
  "A*",
  "*/log",
  "/var/*/log",
  "[a\\]]x",
  "*",
  "a?c",
  "\\a",
  "x[[:alpha:]]*",
  "[[:upper:]]*",
];
const globValues = [
  "a",
  "ab",
  "a*",
  "abc",
  "x.log",
  "/var/x/log",
  "bb",
  "]",
  "1x",
  "b",
  "z",
  "A",
  "Ab",
  "aBc",
  "a]x",
  "xYz",
  "",
  "a/c",
];
const globCases = globPatterns.flatMap((pattern) =>
  globValues.flatMap((value) => [0, 1].map((fold) => ({ kind: "glob", pattern, value, fold }))),
);

// --- icontains (strcasestr) and string order (strcmp) ----------------------------------------------
const words = [
  "alice",
  "ALICE",
  "Ali",
  "li",
  "LI",
  "é",
  "É",
  "ÉCOLE",
  "école",
  "\u{1F600}",
  "\uFFFD",
  "z",
  "",
  "a b",
  "system:node",
];
const icontainsCases = words.flatMap((pattern) =>
  pattern === "" ? [] : words.map((value) => ({ op: 2, pattern, value })),
);
const orderCases = words.flatMap((pattern) => words.map((value) => ({ op: 3, pattern, value })));

const work = mkdtempSync(join(tmpdir(), "shipshape-oracle-"));
try {
  const goOut = execFileSync("go", ["run", join(here, "go-oracle.go")], {
    input: JSON.stringify([...queryCases, ...timeCases, ...regexCases]),
    encoding: "utf8",
    env: { ...process.env, GOCACHE: join(work, "gocache"), GOFLAGS: "-mod=mod" },
    maxBuffer: 64 * 2 ** 20,
  });
  const goCases = JSON.parse(goOut);
  const bin = join(work, "libc-oracle");
  execFileSync("cc", ["-O2", "-o", bin, join(here, "libc-oracle.c")]);
  const libcCases = [...globCases.map((c) => ({ ...c, op: c.fold })), ...icontainsCases, ...orderCases];
  const answers = execFileSync(bin, {
    input: `${libcCases.map((c) => `${c.op}\t${c.pattern}\t${c.value}`).join("\n")}\n`,
    encoding: "utf8",
  })
    .trim()
    .split("\n");
  if (answers.length !== libcCases.length || answers.includes("?"))
    throw new Error("libc oracle: bad answers");
  const glob = globCases.map((c, i) => ({ ...c, want: answers[i] === "1" }));
  const icontains = icontainsCases.map((c, i) => ({
    pattern: c.pattern,
    value: c.value,
    want: answers[globCases.length + i] === "1",
  }));
  const order = orderCases.map((c, i) => ({
    value: c.value,
    than: c.pattern,
    want: Number(answers[globCases.length + icontainsCases.length + i]),
  }));
  const byKind = (k) => goCases.filter((c) => c.kind === k).map(({ kind, ...rest }) => rest);
  const out = {
    generated: "node test/audit/oracles/generate.mjs",
    tools: {
      go: execFileSync("go", ["version"], { encoding: "utf8" }).trim(),
      libc: execFileSync("ldd", ["--version"], { encoding: "utf8" }).split("\n")[0],
    },
    query: byKind("query"),
    time: byKind("time"),
    regex: byKind("regex"),
    glob: glob.map(({ kind, op, ...rest }) => rest),
    icontains,
    order,
  };
  writeFileSync(join(here, "falco-semantics-oracle.json"), `${JSON.stringify(out, null, 2)}\n`);
  console.log(
    `wrote ${out.query.length} query, ${out.time.length} time, ${out.regex.length} regex, ${out.glob.length} glob, ${icontains.length} icontains, ${order.length} order cases`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
