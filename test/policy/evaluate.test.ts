/**
 * Evaluating a policy file against what an image is (src/policy/evaluate.ts): allowed registries on
 * NORMALISED host[:port] and path (Docker Hub's three host names, ports, look-alike hosts and paths),
 * tags with Docker's implicit latest, digests, age, labels, every vulnerability ceiling with one
 * violation per finding, KEV, the grade (incomplete grades cannot prove a minimum), forbidden
 * packages/tools/checks, exceptions with expiry (expired: reported and not applied), inform rules.
 * Findings are the real Alpine 3.9 ones (sample-findings.ts); hygiene findings are shaped as the
 * checks report debian12-app's (test/scan checks them on the real image).
 */
import { describe, expect, it } from "vitest";
import { type Grade, healthIndexGrade } from "../../src/grade/health-index.js";
import type { Finding } from "../../src/match/finding.js";
import { evaluatePolicies, type HygieneFinding, type PolicySubject } from "../../src/policy/evaluate.js";
import { imageNameOf } from "../../src/policy/image-name.js";
import type { PolicyResult } from "../../src/policy/model.js";
import { parsePolicyFile } from "../../src/policy/policy-file.js";
import { parseRegistryPattern, registryPatternMatches } from "../../src/policy/registry-pattern.js";
import { alpine39Findings, finding } from "./sample-findings.js";

const NOW = new Date("2026-11-29T12:00:00Z");

function subject(over: Partial<PolicySubject> = {}): PolicySubject {
  return {
    names: [imageNameOf("registry.example.com/team/app:1.2.3")],
    transport: "registry",
    created: "2026-11-20T12:00:00Z",
    labels: {},
    packages: [],
    vulnerabilities: [],
    shown: [],
    hygiene: [],
    grade: healthIndexGrade([], { now: NOW }),
    ...over,
  };
}

function evaluate(policyText: string, over: Partial<PolicySubject> = {}, now = NOW): PolicyResult {
  return evaluatePolicies(subject(over), [parsePolicyFile(policyText, "p.yaml")], { now });
}

const rulesOf = (r: PolicyResult) => r.violations.map((v) => v.rule);

describe("allowed registries", () => {
  // [allow-list entry, image reference, allowed?]
  const CASES: [string, string, boolean][] = [
    ["docker.io/library", "ubuntu", true],
    ["docker.io/library", "ubuntu:22.04", true],
    ["docker.io/library", "docker.io/ubuntu", true],
    ["docker.io/library", "index.docker.io/library/ubuntu", true],
    ["docker.io/library", "registry-1.docker.io/library/ubuntu", true],
    ["docker.io/library", "bitnami/nginx", false],
    ["docker.io/library", "docker.io/libraryx/ubuntu", false],
    ["index.docker.io", "ubuntu", true],
    ["registry-1.docker.io", "bitnami/nginx", true],
    ["docker.io", "index.docker.io/bitnami/nginx", true],
    ["docker.io", "docker.io:5000/library/ubuntu", false],
    ["docker.io", "docker.io.evil.com/library/ubuntu", false],
    ["docker.io", "evil.com/docker.io/library/ubuntu", false],
    ["quay.io", "quay.io/prometheus/node-exporter:v1.8.0", true],
    ["quay.io", "QUAY.IO/prometheus/node-exporter", true],
    ["quay.io", "quay.io.evil.com/prometheus/node-exporter", false],
    ["quay.io", "evil.com/quay.io/x", false],
    ["quay.io", "quay.io:443/prometheus/node-exporter", false],
    ["quay.io/prometheus", "quay.io/prometheus/node-exporter", true],
    ["quay.io/prometheus/", "quay.io/prometheus/node-exporter", true],
    ["quay.io/prometheus/*", "quay.io/prometheus/node-exporter", true],
    ["quay.io/prometheus", "quay.io/prometheus", true],
    ["quay.io/prometheus", "quay.io/prometheus-community/x", false],
    ["quay.io/prometheus", "quay.io/evil/prometheus/x", false],
    ["Registry.Example.com:5000/team", `registry.example.com:5000/team/app@sha256:${"a".repeat(64)}`, true],
    ["registry.example.com:5000", "registry.example.com/team/app", false],
    ["registry.example.com", "registry.example.com:5000/team/app", false],
    ["localhost:5000", "localhost:5000/app", true],
    ["localhost:5000", "localhost/app", false],
    ["localhost:5000", "localhost:5001/app", false],
    ["localhost", "localhost/app", true],
    ["[::1]:5000", "[::1]:5000/app", true],
    ["10.0.0.5:5000", "10.0.0.5:5000/app", true],
    ["10.0.0.5:5000", "10.0.0.50:5000/app", false],
  ];

  it.each(CASES)("%s allows %s: %s", (entry, reference, allowed) => {
    const pattern = parseRegistryPattern(entry);
    if (typeof pattern === "string") throw new Error(pattern);
    const name = imageNameOf(reference);
    expect(name.ref).not.toBeNull();
    expect(registryPatternMatches(pattern, name.ref!)).toBe(allowed);
    // The same through a whole policy evaluation.
    const r = evaluate(`image:\n  allowedRegistries: ["${entry}"]\n`, { names: [name] });
    expect(r.passed).toBe(allowed);
    if (!allowed) {
      expect(r.violations[0]?.message).toMatch(/is not from an allowed registry .*\(p\.yaml:2\)$/);
      expect(r.violations[0]?.policy).toBe("p.yaml:2");
    }
  });

  it("an image with no registry name (an OCI archive's ref name is only a tag) cannot pass an allow-list", () => {
    const r = evaluate("image:\n  allowedRegistries: [docker.io]\n", {
      names: [{ text: "latest", ref: null, tag: "latest", digest: null }],
      transport: "oci-archive",
    });
    expect(r.passed).toBe(false);
    expect(r.violations[0]?.message).toMatch(
      /the image's registry cannot be checked: its oci-archive names \("latest"\) name no registry/,
    );
  });
});

describe("tags and digests", () => {
  it("a name with no tag is Docker's implicit latest; a digest-only name has no tag", () => {
    const policy = "image:\n  disallowedTags: [latest, '*-rc*']\n";
    expect(evaluate(policy, { names: [imageNameOf("ubuntu")] }).violations[0]?.message).toBe(
      'ubuntu uses the disallowed tag "latest" (no tag given: Docker pulls latest) (p.yaml:2)',
    );
    expect(evaluate(policy, { names: [imageNameOf("app:2.0-rc1")] }).passed).toBe(false);
    expect(evaluate(policy, { names: [imageNameOf("app:2.0")] }).passed).toBe(true);
    expect(evaluate(policy, { names: [imageNameOf(`app@sha256:${"b".repeat(64)}`)] }).passed).toBe(true);
  });

  it("digestRequired fails a tag-only name and hints at the digest the scan read", () => {
    const r = evaluate("image:\n  digestRequired: true\n", {
      names: [imageNameOf("app:1")],
      resolvedDigest: `sha256:${"c".repeat(64)}`,
    });
    expect(r.violations[0]?.message).toBe(
      `app:1 is not pinned by digest (the scan read sha256:${"c".repeat(64)}); refer to images as NAME@sha256:… (p.yaml:2)`,
    );
    expect(
      evaluate("image:\n  digestRequired: true\n", { names: [imageNameOf(`app:1@sha256:${"c".repeat(64)}`)] })
        .passed,
    ).toBe(true);
    expect(evaluate("image:\n  digestRequired: true\n", { names: [], transport: "dir" }).passed).toBe(false);
  });
});

describe("image age and labels", () => {
  const age = "image:\n  maxAgeDays: 90\n";
  it("counts whole days from created: day 90 passes, day 91 fails", () => {
    expect(evaluate(age, { created: "2026-08-31T12:00:00Z" }).passed).toBe(true); // 90 days
    const r = evaluate(age, { created: "2026-08-30T12:00:00Z" });
    expect(r.violations[0]?.message).toBe(
      "the image was created 2026-08-30T12:00:00Z, 91 days ago: older than image.maxAgeDays 90 (p.yaml:2)",
    );
  });

  it("an unknown or placeholder creation time cannot pass", () => {
    expect(evaluate(age, { created: null }).violations[0]?.message).toMatch(/has no creation time/);
    expect(evaluate(age, { created: "1970-01-01T00:00:00Z" }).violations[0]?.message).toMatch(
      /is the Unix epoch \(a reproducible build erased it\)/,
    );
    expect(evaluate(age, { created: "last week" }).violations[0]?.message).toMatch(/is not a date/);
  });

  it("required labels: missing, empty, not matching, unknown", () => {
    const policy =
      "image:\n  requiredLabels:\n    - org.opencontainers.image.source\n    - { name: org.opencontainers.image.licenses, value: 'Apache-2.0|MIT' }\n";
    const ok = {
      "org.opencontainers.image.source": "https://example.com/app",
      "org.opencontainers.image.licenses": "MIT",
    };
    expect(evaluate(policy, { labels: ok }).passed).toBe(true);
    expect(
      evaluate(policy, { labels: { "org.opencontainers.image.licenses": "MIT" } }).violations.map(
        (v) => v.message,
      ),
    ).toEqual(["the required label org.opencontainers.image.source is missing (p.yaml:2)"]);
    expect(
      evaluate(policy, { labels: { ...ok, "org.opencontainers.image.source": " " } }).violations[0]?.message,
    ).toMatch(/is empty/);
    expect(
      evaluate(policy, { labels: { ...ok, "org.opencontainers.image.licenses": "GPL-3.0 OR MIT" } })
        .violations[0]?.message,
    ).toBe(
      'label org.opencontainers.image.licenses is "GPL-3.0 OR MIT", which does not match Apache-2.0|MIT (p.yaml:2)',
    );
    expect(evaluate(policy, { labels: null, transport: "sbom" }).violations).toHaveLength(2);
  });
});

describe("vulnerabilities", () => {
  const findings = alpine39Findings();
  const v = (policy: string, fs: Finding[] = findings) =>
    evaluate(policy, { vulnerabilities: fs, shown: fs });

  it("maxFixableSeverity: one violation per finding over the ceiling", () => {
    const r = v("vulnerabilities:\n  maxFixableSeverity: high\n");
    expect(r.violations.map((x) => `${x.vulnerability} ${x.package}`)).toEqual([
      "CVE-2019-14697 musl",
      "CVE-2019-14697 musl-utils",
    ]);
    expect(r.violations[0]?.message).toBe(
      "CVE-2019-14697 (critical) in musl 1.1.20-r4, fixed in 1.1.20-r5 has a fix and is over vulnerabilities.maxFixableSeverity high (p.yaml:2)",
    );
  });

  it("an unfixed finding is not over a fixable ceiling, but is over maxSeverity", () => {
    const unfixed = [finding({ id: "CVE-2024-0001", pkgName: "zlib", severity: "critical" })];
    expect(v("vulnerabilities:\n  maxFixableSeverity: low\n", unfixed).passed).toBe(true);
    expect(rulesOf(v("vulnerabilities:\n  maxSeverity: high\n", unfixed))).toEqual([
      "vulnerabilities.maxSeverity",
    ]);
  });

  it("maxFixableCvss 6.9 is StackRox's 'Fixable CVSS >= 7'; a finding without a score is not over it", () => {
    const r = v("vulnerabilities:\n  maxFixableCvss: 6.9\n");
    expect(r.violations.map((x) => x.vulnerability)).toEqual(["CVE-2019-14697", "CVE-2019-14697"]);
    expect(r.violations[0]?.message).toMatch(
      /has a fix and CVSS 9\.8, over vulnerabilities\.maxFixableCvss 6\.9/,
    );
    const unscored = [
      finding({ id: "CVE-2024-0002", pkgName: "zlib", severity: "critical", fixedVersion: "2" }),
    ];
    expect(v("vulnerabilities:\n  maxFixableCvss: 6.9\n", unscored).passed).toBe(true);
    expect(v("vulnerabilities:\n  maxCvss: 5.3\n").violations).toHaveLength(2);
    expect(v("vulnerabilities:\n  maxCvss: 5.2\n").violations).toHaveLength(4);
  });

  it("a finding breaking several rules is reported once, as the most specific rule", () => {
    const kev = findings.map((f) =>
      f.id === "CVE-2019-14697"
        ? { ...f, kev: { dateAdded: "2024-01-01", dueDate: null, knownRansomware: false } }
        : f,
    );
    const r = v(
      "vulnerabilities:\n  forbidden: [cve-2019-14697]\n  kevForbidden: true\n  maxSeverity: medium\n  maxCvss: 1\n",
      kev,
    );
    expect(r.violations.map((x) => `${x.rule} ${x.vulnerability} ${x.package}`)).toEqual([
      "vulnerabilities.maxCvss CVE-2019-1549 libcrypto1.1",
      "vulnerabilities.maxCvss CVE-2019-1549 libssl1.1",
      "vulnerabilities.forbidden CVE-2019-14697 musl",
      "vulnerabilities.forbidden CVE-2019-14697 musl-utils",
    ]);
    const kevOnly = v("vulnerabilities:\n  kevForbidden: true\n", kev);
    expect(kevOnly.violations[0]?.message).toMatch(/is a known exploited vulnerability \(CISA KEV/);
  });

  it("forbidden ids match aliases too", () => {
    const ghsa = [finding({ id: "GHSA-jfh8-c2jp-5v3q", aliases: ["CVE-2021-44228"], pkgName: "log4j-core" })];
    expect(rulesOf(v("vulnerabilities:\n  forbidden: [CVE-2021-44228]\n", ghsa))).toEqual([
      "vulnerabilities.forbidden",
    ]);
  });

  it("a policy file judges every unsuppressed finding, not only the shown ones", () => {
    const r = evaluate("vulnerabilities:\n  maxSeverity: high\n", { vulnerabilities: findings, shown: [] });
    expect(r.violations).toHaveLength(2);
  });
});

describe("grade", () => {
  const graded = (now: Date, incomplete = false): Grade =>
    healthIndexGrade(
      alpine39Findings().map((f) => ({ ...f, fixPublished: "2026-11-01" })),
      { now, incomplete },
    );
  it("a grade below the minimum fails, naming the CVE that set it", () => {
    const r = evaluate("minimumGrade: C\n", { grade: graded(NOW) }); // 28 days: critical → C
    expect(r.passed).toBe(true);
    const later = evaluate("minimumGrade: C\n", { grade: graded(new Date("2027-01-15T00:00:00Z")) });
    expect(later.violations[0]?.message).toMatch(
      /^grade D is below minimumGrade C: CVE-2019-14697 \(Critical\): fix musl 1\.1\.20-r5, musl-utils 1\.1\.20-r5 not applied/,
    );
  });
  it("an incomplete grade cannot prove the minimum; no grade at all neither", () => {
    const r = evaluate("minimumGrade: C\n", { grade: graded(NOW, true) });
    expect(r.violations[0]?.message).toBe(
      "grade C is incomplete (not every package could be checked), so minimumGrade C cannot be verified (p.yaml:1)",
    );
    expect(evaluate("minimumGrade: F\n", { grade: null }).passed).toBe(false);
  });
});

describe("packages, tools and checks", () => {
  const hygiene: HygieneFinding[] = [
    { rule: "SS1003", severity: "medium", title: "Network client curl", path: "/usr/bin/curl", tool: "curl" },
    { rule: "SS1003", severity: "medium", title: "Network client nc", path: "/usr/bin/nc", tool: "nc" },
    { rule: "SS1004", severity: "high", title: "Debugging tool strace", path: "/usr/bin/strace" },
    { rule: "SS1020", severity: "medium", title: "Runs as root", dockle: "CIS-DI-0001" },
    {
      rule: "SS1010",
      severity: "critical",
      title: "RSA private key",
      path: "/root/.ssh/id_rsa",
      dockle: "CIS-DI-0010",
    },
  ];
  const packages = [
    { name: "apt", version: "2.6.1", type: "deb" },
    { name: "python3-yaml", version: "6.0-3", type: "deb" },
    { name: "wget", version: "1.21.3-1+b2", type: "deb" },
  ];

  it("forbidden.packages matches names with wildcards", () => {
    const r = evaluate("forbidden:\n  packages: [apt, 'python3-*', dpkg]\n", { packages });
    expect(r.violations.map((x) => x.package)).toEqual(["apt", "python3-yaml"]);
  });

  it("forbidden.tools reads the checks' tool name, else the file name", () => {
    const r = evaluate("forbidden:\n  tools: [nc, strace, wget]\n", { hygiene });
    expect(r.violations.map((x) => x.path)).toEqual(["/usr/bin/nc", "/usr/bin/strace"]);
  });

  it("forbidden.rules matches our ids and Dockle's", () => {
    const r = evaluate("forbidden:\n  rules: [CIS-DI-0001, 'SS101?']\n", { hygiene });
    expect(r.violations.map((x) => x.check)).toEqual(["SS1020", "SS1010"]);
  });

  it("hygiene.maxSeverity uses the checks' scale; checks that did not run cannot pass", () => {
    expect(evaluate("hygiene:\n  maxSeverity: high\n", { hygiene }).violations.map((x) => x.check)).toEqual([
      "SS1010",
    ]);
    expect(evaluate("forbidden:\n  tools: [curl]\n", { hygiene: null }).violations[0]?.message).toMatch(
      /the image hygiene checks did not run, so forbidden\.tools cannot be checked/,
    );
  });
});

describe("exceptions", () => {
  const fs = alpine39Findings();
  const policy = (expires: string) => `vulnerabilities:
  maxFixableSeverity: high
exceptions:
  - vulnerability: CVE-2019-14697
    package: musl
    reason: musl is replaced at runtime
    expires: ${expires}
  - rule: image.disallowedTags
    image: docker.io/library/alpine
    reason: pinned by the deploy tool
    expires: 2027-01-01
`;

  it("an unexpired exception waives exactly what it names, recorded with its reason", () => {
    const r = evaluate(policy("2026-12-31"), { vulnerabilities: fs, shown: fs });
    expect(r.violations.map((x) => x.package)).toEqual(["musl-utils"]);
    expect(r.waived?.map((w) => [w.package, w.exception.reason, w.exception.line])).toEqual([
      ["musl", "musl is replaced at runtime", 4],
    ]);
    expect(r.expiredExceptions).toBeUndefined();
  });

  it("from its expiry date on it applies no more, and is reported as expired", () => {
    const r = evaluate(policy("2026-11-29"), { vulnerabilities: fs, shown: fs });
    expect(r.violations.map((x) => x.package)).toEqual(["musl", "musl-utils"]);
    expect(r.waived).toBeUndefined();
    expect(r.expiredExceptions).toEqual([
      {
        file: "p.yaml",
        line: 4,
        reason: "musl is replaced at runtime",
        expires: "2026-11-29",
        scope: "vulnerability CVE-2019-14697, package musl",
      },
    ]);
  });

  it("an image-scoped exception applies only to images under that registry path", () => {
    const text = `image:\n  disallowedTags: [latest]\n${policy("2027-01-01").split("\n").slice(2).join("\n")}`;
    expect(evaluate(text, { names: [imageNameOf("alpine")] }).passed).toBe(true);
    expect(evaluate(text, { names: [imageNameOf("bitnami/alpine")] }).passed).toBe(false);
  });
});

describe("inform rules", () => {
  it("are reported as warnings and never fail", () => {
    const r = evaluate("inform:\n  image:\n    maxAgeDays: 1\n", { created: "2026-11-01T00:00:00Z" });
    expect(r.passed).toBe(true);
    expect(r.violations).toEqual([]);
    expect(r.warnings?.[0]?.message).toMatch(/older than image\.maxAgeDays 1 \(p\.yaml:3\)$/);
  });
});
