import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ConditionNode,
  ConditionSyntaxError,
  parseCondition,
} from "../../src/audit/rules/condition-parser.js";
import { compileRulesTexts } from "../../src/audit/rules/engine.js";
import { ShipshapeError } from "../../src/errors.js";
import { madeUpEvent as ev } from "../helpers/audit-events.js";

const rule = (name: string, condition: string, extra = "") =>
  `- rule: ${name}\n  desc: d\n  condition: ${condition}\n  output: "${name} user=%ka.user.name"\n  priority: WARNING\n  source: k8s_audit\n${extra}`;

function fired(yamlText: string | string[], raw: Record<string, unknown>): string[] {
  const files = (Array.isArray(yamlText) ? yamlText : [yamlText]).map((text, i) => ({
    name: `f${i}.yaml`,
    text,
  }));
  return compileRulesTexts(files)
    .evaluate(ev(raw))
    .map((a) => a.rule);
}

describe("operators", () => {
  const cases: [string, Record<string, unknown>, boolean][] = [
    ["ka.verb=get", {}, true],
    ["ka.verb == get", {}, true],
    ["ka.verb!=get", {}, false],
    ["ka.target.namespace!=kube-system", {}, false], // missing field: every comparison is false
    ["not ka.target.namespace=kube-system", {}, true],
    ["ka.uri startswith /x", {}, true],
    ["ka.uri endswith x", {}, true],
    ['ka.user.name contains "li"', { user: { username: "alice" } }, true],
    ['ka.user.name icontains "LI"', { user: { username: "alice" } }, true],
    ["ka.user.name glob 'a*e'", { user: { username: "alice" } }, true],
    ["ka.user.name glob 'a?e'", { user: { username: "alice" } }, false],
    ["ka.user.name iglob 'A*'", { user: { username: "alice" } }, true],
    ["ka.user.name regex 'al.ce'", { user: { username: "alice" } }, true],
    ["ka.uri pmatch (/x, /y)", {}, true],
    ["ka.uri pmatch (/xy)", {}, false],
    ["ka.response.code < 300", { responseStatus: { code: 201 } }, true],
    ["ka.response.code >= 300", { responseStatus: { code: 201 } }, false],
    ["jevt.rawtime > 0", {}, true],
    ["jevt.rawtime=0", {}, false],
    ["jevt.rawtime exists", {}, true],
    ["ka.user.groups in (a, b)", { user: { groups: ["a", "b"] } }, true],
    ["ka.user.groups in (a)", { user: { groups: ["a", "b"] } }, false], // in on a list: every value
    ["ka.user.groups intersects (b, c)", { user: { groups: ["a", "b"] } }, true],
    ["ka.user.groups intersects ()", { user: { groups: ["a"] } }, false],
    ["ka.user.groups exists", { user: { groups: [] } }, false],
    ["ka.target.subresource exists", { objectRef: { subresource: "exec" } }, true],
    ["jevt.value[/objectRef/name] = 'a b'", { objectRef: { name: "a b" } }, true],
    ["jevt.value[/a~1b/0] = x", { "a/b": ["x"] }, true],
    ["jevt.value[/spec] = '{\"x\":1}'", { spec: { x: 1 } }, true],
    ["ka.uri.param[command]=bash", { requestURI: "/exec?command=bash&command=sh" }, true],
    ["(ka.verb=get or ka.verb=list) and not (ka.uri=/y)", {}, true],
    [
      "ka.req.pod.containers.image[1] in (b)",
      { requestObject: { spec: { containers: [{ image: "a" }, { image: "b" }] } } },
      true,
    ],
  ];
  for (const [condition, raw, want] of cases) {
    it(`${condition} → ${want}`, () => {
      const yaml = rule("R", JSON.stringify(condition));
      expect(fired(yaml, raw)).toEqual(want ? ["R"] : []);
    });
  }
});

describe("rules files", () => {
  it("lists expand inside lists and conditions; macros may be defined after use", () => {
    const yaml = [
      rule("R", "ka.user.name in (outer) and m"),
      "- list: inner\n  items: [bob]\n",
      "- list: outer\n  items: [alice, inner]\n",
      "- macro: m\n  condition: ka.verb=get\n",
    ].join("\n");
    expect(fired(yaml, { user: { username: "bob" } })).toEqual(["R"]);
    expect(fired(yaml, { user: { username: "eve" } })).toEqual([]);
  });

  it("append: true and override: append/replace, in file order", () => {
    const base = [
      "- list: users\n  items: [alice]\n",
      "- macro: m\n  condition: ka.verb=get\n",
      rule("R", "ka.user.name in (users) and m"),
    ].join("\n");
    const appendList = "- list: users\n  items: [bob]\n  append: true\n";
    const replaceList = "- list: users\n  items: [carol]\n  override:\n    items: replace\n";
    const appendMacro = "- macro: m\n  condition: and ka.uri=/y\n  override:\n    condition: append\n";
    const bob = { user: { username: "bob" } };
    expect(fired([base], bob)).toEqual([]);
    expect(fired([base, appendList], bob)).toEqual(["R"]);
    expect(fired([base, appendList, replaceList], bob)).toEqual([]);
    expect(fired([base, appendList, replaceList], { user: { username: "carol" } })).toEqual(["R"]);
    expect(fired([base, appendList, appendMacro], bob)).toEqual([]);
    const disable = "- rule: R\n  enabled: false\n";
    expect(fired([base, appendList, disable], bob)).toEqual([]);
    const appendRule = "- rule: R\n  condition: and ka.uri=/nope\n  append: true\n";
    expect(fired([base, appendList, appendRule], bob)).toEqual([]);
    const replaceOutput =
      '- rule: R\n  output: "changed %ka.verb"\n  priority: ERROR\n  override:\n    output: replace\n    priority: replace\n';
    const engine = compileRulesTexts(
      [base, appendList, replaceOutput].map((text, i) => ({ name: `f${i}`, text })),
    );
    expect(engine.evaluate(ev(bob))).toMatchObject([{ rule: "R", priority: "Error", output: "changed get" }]);
  });

  it("exceptions compile into `and not (…)`: tuple form, single-field form, appended values", () => {
    const yaml = rule(
      "R",
      "ka.verb=get",
      [
        "  exceptions:",
        "    - name: known",
        "      fields: [ka.user.name, ka.target.namespace]",
        "      comps: [=, in]",
        "      values:",
        "        - [alice, [ns1, ns2]]",
        "    - name: bots",
        "      fields: ka.user.name",
        "      values: [robot]",
        "",
      ].join("\n"),
    );
    const at = (user: string, ns?: string) => ({
      user: { username: user },
      ...(ns ? { objectRef: { namespace: ns } } : {}),
    });
    expect(fired(yaml, at("alice", "ns2"))).toEqual([]);
    expect(fired(yaml, at("alice", "ns3"))).toEqual(["R"]);
    expect(fired(yaml, at("robot"))).toEqual([]);
    const more =
      "- rule: R\n  exceptions:\n    - name: bots\n      values: [droid]\n  override:\n    exceptions: append\n";
    expect(fired([yaml, more], at("droid"))).toEqual([]);
    expect(fired([yaml], at("droid"))).toEqual(["R"]);
  });

  it("rules of other sources are skipped with a note; required versions are accepted", () => {
    const yaml = [
      "- required_engine_version: 15",
      "- required_plugin_versions:\n    - name: k8saudit\n      version: 0.18.0",
      "- macro: spawned_process\n  condition: evt.type = execve",
      "- rule: Shell\n  desc: d\n  condition: spawned_process and proc.name=bash\n  output: x\n  priority: NOTICE",
      rule("K", "ka.verb=get"),
    ].join("\n");
    const engine = compileRulesTexts([{ name: "f.yaml", text: yaml }]);
    expect(engine.rules.map((r) => r.name)).toEqual(["K"]);
    expect(engine.notes).toEqual(['skipped 1 rule(s) whose source is not k8s_audit: "Shell"']);
  });

  const bad: [string, string, RegExp][] = [
    ["unknown macro", rule("R", "kevt and ka.verb=get"), /^f0\.yaml:3: rule "R": undefined macro kevt$/],
    ["bad syntax", rule("R", "ka.verb in (get"), /^f0\.yaml:3: rule "R": condition: expected "," or "\)"/],
    [
      "unknown field",
      rule("R", "proc.name=bash"),
      /^f0\.yaml:3: rule "R": unknown field proc\.name for source k8s_audit$/,
    ],
    [
      "bad priority",
      rule("R", "ka.verb=get").replace("WARNING", "LOUD"),
      /^f0\.yaml:1: rule "R": unknown priority "LOUD"$/,
    ],
    [
      "append to nothing",
      "- list: x\n  items: [a]\n  append: true\n",
      /^f0\.yaml:1: list "x": cannot append a list that is not defined yet$/,
    ],
    ["not YAML", "- rule: [\n", /^f0\.yaml:\d+: not valid YAML/],
    ["not a list", "rule: x\n", /^f0\.yaml:1: a rules file must be a YAML list/],
    ["newer engine", "- required_engine_version: 0.99.0\n", /needs Falco engine version 0\.99\.0/],
    [
      "bad macro used by a rule",
      `- macro: m\n  condition: ka.verb =\n${rule("R", "m")}`,
      /^f0\.yaml:2: macro "m" \(used by rule "R"\): expected a value/,
    ],
  ];
  for (const [what, yaml, message] of bad) {
    it(`error with file:line: ${what}`, () => {
      let caught: unknown;
      try {
        compileRulesTexts([{ name: "f0.yaml", text: yaml }]);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ShipshapeError);
      expect((caught as Error).message).toMatch(message);
    });
  }

  it("skip-if-unknown-filter skips the rule with a note instead of failing", () => {
    const engine = compileRulesTexts([
      { name: "f", text: rule("R", "proc.name=x", "  skip-if-unknown-filter: true\n") },
    ]);
    expect(engine.rules).toEqual([]);
    expect(engine.notes[0]).toMatch(/skip-if-unknown-filter/);
  });
});

/** Prints an AST back in the filter language (quoting every value), for round trips. */
function print(node: ConditionNode): string {
  const q = (t: string) => `"${t.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
  const f = (n: { field: string; arg?: string }) => (n.arg === undefined ? n.field : `${n.field}[${n.arg}]`);
  switch (node.kind) {
    case "and":
    case "or":
      return `(${node.items.map(print).join(` ${node.kind} `)})`;
    case "not":
      return `not ${print(node.item)}`;
    case "macro":
      return node.name;
    case "exists":
      return `${f(node)} exists`;
    case "binary":
      return `${f(node)} ${node.op} ${q(node.value.text)}`;
    case "list":
      return `${f(node)} ${node.op} (${node.values.map((v) => q(v.text)).join(", ")})`;
  }
}

function strip(node: ConditionNode): unknown {
  return JSON.parse(JSON.stringify(node, (k, v) => (k === "offset" || k === "quoted" ? undefined : v)));
}

describe("condition parser fuzz", () => {
  const ident = fc
    .stringMatching(/^[a-z][a-z0-9_]{0,8}$/)
    .filter((s) => !["and", "or", "not", "in", "exists"].includes(s));
  const field = fc.constantFrom("ka.verb", "ka.user.name", "ka.req.pod.containers.image", "jevt.value");
  const value = fc.string({ maxLength: 12 });
  const leaf: fc.Arbitrary<ConditionNode> = fc.oneof(
    ident.map((name) => ({ kind: "macro", name, offset: 0 }) as ConditionNode),
    fc
      .tuple(field, fc.constantFrom("=", "!=", "contains", "startswith", "glob", "<"), value)
      .map(
        ([f, op, v]) =>
          ({ kind: "binary", field: f, op, value: { text: v, quoted: true }, offset: 0 }) as ConditionNode,
      ),
    fc.tuple(field, fc.constantFrom("in", "intersects", "pmatch"), fc.array(value, { maxLength: 3 })).map(
      ([f, op, vs]) =>
        ({
          kind: "list",
          field: f,
          op,
          values: vs.map((t) => ({ text: t, quoted: true })),
          offset: 0,
        }) as ConditionNode,
    ),
    field.map((f) => ({ kind: "exists", field: f, offset: 0 }) as ConditionNode),
  );
  const tree = fc.letrec<{ node: ConditionNode }>((tie) => ({
    node: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      tie("node").map((item) => ({ kind: "not", item }) as ConditionNode),
      fc
        .tuple(fc.constantFrom("and", "or"), fc.array(tie("node"), { minLength: 2, maxLength: 3 }))
        .map(([kind, items]) => ({ kind, items }) as ConditionNode),
    ),
  })).node;

  it("print → parse gives the same tree", () => {
    fc.assert(
      fc.property(tree, (node) => {
        // Nested and-in-and prints with parentheses, so the shape survives exactly.
        expect(strip(parseCondition(print(node)))).toEqual(strip(node));
      }),
      { numRuns: 300 },
    );
  });

  it("arbitrary text either parses or fails with a ConditionSyntaxError", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (text) => {
        try {
          parseCondition(text);
        } catch (err) {
          expect(err).toBeInstanceOf(ConditionSyntaxError);
          expect((err as ConditionSyntaxError).offset).toBeGreaterThanOrEqual(0);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("deep nesting is refused, not a stack overflow", () => {
    expect(() => parseCondition(`${"(".repeat(5000)}ka.verb=get${")".repeat(5000)}`)).toThrow(
      ConditionSyntaxError,
    );
    expect(() => parseCondition(`${"not ".repeat(5000)}ka.verb=get`)).toThrow(ConditionSyntaxError);
  });
});
