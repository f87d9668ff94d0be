/**
 * shipshape's own lint rules (SS2001–SS2014), table-driven from what each rule means (docs/lint.md):
 * each case is a Dockerfile and the exact lines the rule reports there ([] = no finding). Policy
 * rules read a real policy file through the policy model's reader (parsePolicyFile).
 */
import { describe, expect, it } from "vitest";
import { lintDockerfile } from "../../src/dockerfile/lint.js";
import { SHIPSHAPE_RULES } from "../../src/dockerfile/shipshape-rules/index.js";
import { parsePolicyFile } from "../../src/policy/policy-file.js";

interface Case {
  readonly name: string;
  readonly lines: readonly string[];
  /** The lines the rule reports, in order. */
  readonly expect: readonly number[];
  /** A policy file's text (lint --policy). */
  readonly policy?: string;
  readonly target?: string;
  /** A fragment every finding's message must contain. */
  readonly message?: string;
}

async function linesOf(code: string, c: Case): Promise<{ lines: number[]; messages: string[] }> {
  const text = `${c.lines.join("\n")}\n`;
  const findings = await lintDockerfile(
    text,
    {},
    {
      shellcheck: false,
      ...(c.policy !== undefined ? { policy: parsePolicyFile(c.policy, "policy.yaml") } : {}),
      ...(c.target !== undefined ? { target: c.target } : {}),
    },
  );
  const mine = findings.filter((f) => f.rule === code);
  return { lines: mine.map((f) => f.line), messages: mine.map((f) => f.message) };
}

const CASES: Record<string, readonly Case[]> = {
  SS2001: [
    { name: "debian with a release tag", lines: ["FROM debian:12", "USER 1000"], expect: [1] },
    { name: "ubuntu untagged", lines: ["FROM ubuntu", "USER 1000"], expect: [1] },
    { name: "python full image", lines: ["FROM python:3.12", "USER 1000"], expect: [1] },
    { name: "node from Docker Hub's long name", lines: ["FROM docker.io/library/node:20"], expect: [1] },
    { name: "full UBI", lines: ["FROM registry.access.redhat.com/ubi9/ubi:9.4"], expect: [1] },
    { name: "python slim", lines: ["FROM python:3.12-slim"], expect: [] },
    { name: "debian bookworm-slim", lines: ["FROM debian:bookworm-slim"], expect: [] },
    { name: "node alpine", lines: ["FROM node:20-alpine3.19"], expect: [] },
    { name: "alpine", lines: ["FROM alpine:3.20"], expect: [] },
    { name: "scratch", lines: ["FROM scratch"], expect: [] },
    { name: "distroless", lines: ["FROM gcr.io/distroless/static-debian12:nonroot"], expect: [] },
    { name: "chainguard", lines: ["FROM cgr.dev/chainguard/static:latest"], expect: [] },
    { name: "UBI micro", lines: ["FROM registry.access.redhat.com/ubi9/ubi-micro:9.4"], expect: [] },
    { name: "an image shipshape does not know", lines: ["FROM quay.io/acme/runtime:1.0"], expect: [] },
    {
      name: "a full build stage and a minimal final stage",
      lines: [
        "FROM golang:1.22 AS build",
        "RUN go build -o /app .",
        "FROM scratch",
        "COPY --from=build /app /app",
      ],
      expect: [],
    },
    {
      name: "a final stage built FROM a full build stage",
      lines: ["FROM golang:1.22 AS build", "RUN go build -o /app .", "FROM build AS final", "USER 1000"],
      expect: [1],
    },
    {
      name: "the base named by a global ARG",
      lines: ["ARG BASE=ubuntu:24.04", `FROM \${BASE}`, "USER 1000"],
      expect: [2],
    },
    { name: "an ARG without a value is not judged", lines: ["ARG BASE", `FROM \${BASE}`], expect: [] },
    {
      name: "--target picks the stage that ships",
      lines: ["FROM debian:12 AS runtime", "USER 1000", "FROM alpine:3.20 AS test"],
      target: "runtime",
      expect: [1],
    },
  ],
  SS2002: [
    {
      name: "apt-get install in the final stage",
      lines: [
        "FROM debian:12-slim",
        "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates",
      ],
      expect: [2],
      message: "apt-get",
    },
    {
      name: "apk add in the final stage",
      lines: ["FROM alpine:3.20", "RUN apk add --no-cache tzdata"],
      expect: [2],
    },
    {
      name: "microdnf install in the final stage",
      lines: ["FROM registry.access.redhat.com/ubi9/ubi-minimal:9.4", "RUN microdnf install -y shadow-utils"],
      expect: [2],
    },
    {
      name: "the base ships a package manager and nothing removes it",
      lines: ["FROM alpine:3.20", "COPY app /app"],
      expect: [1],
      message: "apk",
    },
    {
      name: "apk-tools removed after the install",
      lines: ["FROM alpine:3.20", "RUN apk add --no-cache tzdata && apk del apk-tools"],
      expect: [],
    },
    {
      name: "the apt programs deleted",
      lines: ["FROM debian:12-slim", "RUN apt-get install -y tzdata && rm -f /usr/bin/apt /usr/bin/apt-get"],
      expect: [],
    },
    {
      name: "removing apt's lists is no removal of apt",
      lines: ["FROM debian:12-slim", "RUN apt-get install -y tzdata && rm -rf /var/lib/apt/lists/*"],
      expect: [2],
    },
    {
      name: "installs in a build stage only; distroless final stage",
      lines: [
        "FROM debian:12 AS build",
        "RUN apt-get install -y gcc",
        "FROM gcr.io/distroless/cc-debian12",
        "COPY --from=build /out/app /app",
      ],
      expect: [],
    },
    { name: "scratch", lines: ["FROM scratch", "COPY app /app"], expect: [] },
  ],
  SS2003: [
    { name: "bash installed", lines: ["FROM alpine:3.20", "RUN apk add --no-cache bash"], expect: [2] },
    {
      name: "zsh among other packages",
      lines: ["FROM debian:12", "RUN apt-get install -y --no-install-recommends tzdata zsh=5.9-4"],
      expect: [2],
      message: "zsh",
    },
    { name: "no shell package", lines: ["FROM alpine:3.20", "RUN apk add --no-cache tzdata"], expect: [] },
    {
      name: "bash only in a build stage",
      lines: ["FROM alpine:3.20 AS build", "RUN apk add bash", "FROM alpine:3.20"],
      expect: [],
    },
  ],
  SS2004: [
    {
      name: "curl and wget",
      lines: ["FROM debian:12", "RUN apt-get install -y curl wget"],
      expect: [2, 2],
    },
    {
      name: "netcat by its Debian package name",
      lines: ["FROM debian:12", "RUN apt-get install -y netcat-openbsd"],
      expect: [2],
      message: "nc (package netcat-openbsd)",
    },
    {
      name: "openssh-client via dnf",
      lines: ["FROM fedora:40", "RUN dnf install -y openssh-clients"],
      expect: [2],
    },
    { name: "socat via apk", lines: ["FROM alpine:3.20", "RUN apk add socat"], expect: [2] },
    {
      name: "curl in an apk virtual group deleted again",
      lines: [
        "FROM alpine:3.20",
        "RUN apk add --no-cache --virtual .fetch-deps curl && curl -fsSLo /x https://e.x/x && apk del .fetch-deps",
      ],
      expect: [],
    },
    {
      name: "curl in an apk virtual group that stays",
      lines: ["FROM alpine:3.20", "RUN apk add --no-cache -t .fetch-deps curl"],
      expect: [2],
    },
    {
      name: "curl purged again in the same RUN",
      lines: [
        "FROM debian:12",
        "RUN apt-get install -y curl && curl -fsSLo /x https://e.x/x && apt-get purge -y curl",
      ],
      expect: [],
    },
    {
      name: "curl only in a build stage",
      lines: [
        "FROM debian:12 AS fetch",
        "RUN apt-get install -y curl",
        "FROM scratch",
        "COPY --from=fetch /x /x",
      ],
      expect: [],
    },
    {
      name: "a package whose name only contains curl",
      lines: ["FROM debian:12", "RUN apt-get install -y libcurl4"],
      expect: [],
    },
  ],
  SS2005: [
    { name: "strace", lines: ["FROM debian:12", "RUN apt-get install -y strace"], expect: [2] },
    { name: "gdb via yum", lines: ["FROM amazonlinux:2023", "RUN yum install -y gdb"], expect: [2] },
    { name: "tcpdump via apk", lines: ["FROM alpine:3.20", "RUN apk add --no-cache tcpdump"], expect: [2] },
    {
      name: "perf from linux-tools",
      lines: ["FROM ubuntu:24.04", "RUN apt-get install -y linux-tools-generic"],
      expect: [2],
    },
    { name: "no debugger", lines: ["FROM debian:12", "RUN apt-get install -y tzdata"], expect: [] },
  ],
  SS2006: [
    { name: "no USER at all", lines: ["FROM debian:12-slim", 'CMD ["app"]'], expect: [1] },
    { name: "a non-root USER", lines: ["FROM debian:12-slim", "USER 10001"], expect: [] },
    { name: "USER root is DL3002's", lines: ["FROM debian:12-slim", "USER root"], expect: [] },
    {
      name: "USER set in a build stage only",
      lines: ["FROM debian:12 AS build", "USER builder", "FROM debian:12-slim"],
      expect: [3],
    },
    {
      name: "USER inherited from the stage the final one is built FROM",
      lines: ["FROM debian:12-slim AS base", "USER app", "FROM base"],
      expect: [],
    },
    { name: "a nonroot distroless base", lines: ["FROM gcr.io/distroless/static:nonroot"], expect: [] },
    {
      name: "USER from an ARG that resolves to root",
      lines: ["FROM debian:12-slim", "ARG RUNAS=root", `USER \${RUNAS}`],
      expect: [3],
    },
    {
      name: "USER from an ENV of uid 0",
      lines: ["FROM debian:12-slim", "ENV U=0", "USER $U:0"],
      expect: [3],
    },
  ],
  SS2007: [
    { name: "ENV password", lines: ["FROM alpine:3.20", "ENV DB_PASSWORD=hunter2"], expect: [2] },
    { name: "legacy ENV form", lines: ["FROM alpine:3.20", "ENV API_TOKEN abcdef123456"], expect: [2] },
    {
      name: "ARG with a secret default",
      lines: ["ARG NPM_TOKEN=npm_abcdefghijklmnop", "FROM node:20-alpine"],
      expect: [1],
    },
    {
      name: "an AWS access key id (made up) under any name",
      lines: ["FROM alpine:3.20", "ENV SOMETHING=AKIA2E0A8F3B244C9986"],
      expect: [2],
    },
    {
      name: "the message names the variable, not its value",
      lines: ["FROM alpine:3.20", "ENV MY_SECRET=s3cr3t-value"],
      expect: [2],
      message: "MY_SECRET",
    },
    {
      name: "a reference to a variable",
      lines: ["FROM alpine:3.20", `ENV DB_PASSWORD=\${DB_PASSWORD}`],
      expect: [],
    },
    { name: "ARG without a default", lines: ["FROM alpine:3.20", "ARG GITHUB_TOKEN"], expect: [] },
    {
      name: "a path under a secret's name",
      lines: ["FROM alpine:3.20", "ENV PASSWORD_FILE=/run/secrets/db"],
      expect: [],
    },
    {
      name: "a public key name",
      lines: ["FROM alpine:3.20", "ENV GPG_KEY=B42F6819007F00F88E364FD4036A9C25BF357DD4"],
      expect: [],
    },
    { name: "no secret", lines: ["FROM alpine:3.20", "ENV PATH=/app/bin:$PATH LANG=C.UTF-8"], expect: [] },
  ],
  SS2008: [
    { name: "id_rsa", lines: ["FROM alpine:3.20", "COPY id_rsa /root/.ssh/id_rsa"], expect: [2] },
    { name: ".env", lines: ["FROM alpine:3.20", "COPY .env /app/.env"], expect: [2] },
    { name: "a .pem key", lines: ["FROM alpine:3.20", "COPY server-key.pem /etc/tls/"], expect: [2] },
    { name: ".npmrc via ADD", lines: ["FROM node:20-alpine", "ADD .npmrc /root/.npmrc"], expect: [2] },
    { name: ".pypirc", lines: ["FROM python:3.12-slim", "COPY .pypirc /root/"], expect: [2] },
    { name: ".git-credentials", lines: ["FROM alpine:3.20", "COPY .git-credentials /root/"], expect: [2] },
    { name: "an AWS credentials folder", lines: ["FROM alpine:3.20", "COPY .aws /root/.aws"], expect: [2] },
    { name: "exec form", lines: ["FROM alpine:3.20", 'COPY ["credentials", "/app/"]'], expect: [2] },
    {
      name: "a secret copied from another stage",
      lines: ["FROM alpine:3.20 AS k", "FROM alpine:3.20", "COPY --from=k /k/id_ed25519 /k"],
      expect: [3],
    },
    {
      name: "a certificate .pem",
      lines: ["FROM alpine:3.20", "COPY ca-cert.pem /etc/ssl/certs/"],
      expect: [],
    },
    {
      name: "a public key",
      lines: ["FROM alpine:3.20", "COPY id_rsa.pub /root/.ssh/authorized_keys"],
      expect: [],
    },
    { name: "an .env template", lines: ["FROM alpine:3.20", "COPY .env.example /app/"], expect: [] },
    { name: "the application", lines: ["FROM alpine:3.20", "COPY app/ /app/"], expect: [] },
  ],
  SS2009: [
    {
      name: "tag without digest, digest required",
      lines: ["FROM debian:12-slim", "USER 1"],
      policy: "image:\n  digestRequired: true\n",
      expect: [1],
    },
    {
      name: "every pulled image counts, build stages too",
      lines: ["FROM golang:1.22 AS build", `FROM gcr.io/distroless/static@sha256:${"a".repeat(64)}`],
      policy: "image:\n  digestRequired: true\n",
      expect: [1],
    },
    {
      name: "pinned by digest",
      lines: [`FROM debian:12-slim@sha256:${"b".repeat(64)}`],
      policy: "image:\n  digestRequired: true\n",
      expect: [],
    },
    { name: "no policy: off", lines: ["FROM debian:12-slim"], expect: [] },
    {
      name: "a policy that does not require digests",
      lines: ["FROM debian:12-slim"],
      policy: "image:\n  disallowedTags: [latest]\n",
      expect: [],
    },
    {
      name: "scratch and earlier stages are not pulled",
      lines: [`FROM alpine:3.20@sha256:${"c".repeat(64)} AS a`, "FROM a", "FROM scratch"],
      policy: "image:\n  digestRequired: true\n",
      expect: [],
    },
    {
      name: "an exception with a future expiry waives it",
      lines: ["FROM debian:12-slim"],
      policy:
        "image:\n  digestRequired: true\nexceptions:\n  - rule: image.digestRequired\n    image: docker.io/library/debian\n    reason: migrating\n    expires: 2999-01-01\n",
      expect: [],
    },
  ],
  SS2010: [
    {
      name: "ADD of an https URL",
      lines: ["FROM alpine:3.20", "ADD https://example.com/tool.tar.gz /opt/"],
      expect: [2],
    },
    { name: "ADD of an http URL", lines: ["FROM alpine:3.20", "ADD http://example.com/x /x"], expect: [2] },
    {
      name: "ADD with --checksum",
      lines: ["FROM alpine:3.20", `ADD --checksum=sha256:${"d".repeat(64)} https://example.com/x /x`],
      expect: [],
    },
    { name: "ADD of a local archive", lines: ["FROM alpine:3.20", "ADD rootfs.tar.gz /"], expect: [] },
    {
      name: "COPY of a URL-like path is no download",
      lines: ["FROM alpine:3.20", "COPY http-server /app/"],
      expect: [],
    },
  ],
  SS2011: [
    {
      name: "all of /usr/bin from a build stage",
      lines: [
        "FROM debian:12 AS build",
        "FROM gcr.io/distroless/base",
        "COPY --from=build /usr/bin/* /usr/bin/",
      ],
      expect: [3],
    },
    {
      name: "the whole root",
      lines: ["FROM debian:12 AS build", "FROM scratch", "COPY --from=build / /"],
      expect: [3],
    },
    {
      name: "a compiler",
      lines: [
        "FROM gcc:14 AS build",
        "FROM debian:12-slim",
        "COPY --from=build /usr/local/bin/gcc /usr/local/bin/gcc",
      ],
      expect: [3],
    },
    {
      name: "the Go toolchain",
      lines: [
        "FROM golang:1.22 AS build",
        "FROM alpine:3.20",
        "COPY --from=build /usr/local/go /usr/local/go",
      ],
      expect: [3],
    },
    {
      name: "a shell from busybox",
      lines: ["FROM busybox:1.36 AS sh", "FROM scratch", "COPY --from=sh /bin/busybox /bin/busybox"],
      expect: [3],
    },
    {
      name: "only the built binary",
      lines: ["FROM golang:1.22 AS build", "FROM scratch", "COPY --from=build /out/app /app"],
      expect: [],
    },
    {
      name: "tools copied in a build stage do not count",
      lines: [
        "FROM debian:12 AS a",
        "FROM debian:12 AS b",
        "COPY --from=a /usr/bin/ /usr/bin/",
        "FROM scratch",
      ],
      expect: [],
    },
  ],
  SS2012: [
    {
      name: "Docker Hub image, only quay.io allowed",
      lines: ["FROM debian:12-slim"],
      policy: "image:\n  allowedRegistries: [quay.io]\n",
      expect: [1],
    },
    {
      name: "an allowed registry",
      lines: ["FROM quay.io/centos/centos:stream9"],
      policy: "image:\n  allowedRegistries: [quay.io]\n",
      expect: [],
    },
    {
      name: "a prefix of the host is not the host",
      lines: ["FROM quay.io.evil.example/x:1"],
      policy: "image:\n  allowedRegistries: [quay.io]\n",
      expect: [1],
    },
    {
      name: "an unresolved variable cannot be verified",
      lines: ["ARG BASE", `FROM \${BASE}`],
      policy: "image:\n  allowedRegistries: [quay.io]\n",
      expect: [2],
    },
  ],
  SS2013: [
    {
      name: "latest",
      lines: ["FROM alpine:latest"],
      policy: "image:\n  disallowedTags: [latest]\n",
      expect: [1],
    },
    {
      name: "no tag means latest",
      lines: ["FROM alpine"],
      policy: "image:\n  disallowedTags: [latest]\n",
      expect: [1],
    },
    {
      name: "a release tag",
      lines: ["FROM alpine:3.20"],
      policy: "image:\n  disallowedTags: [latest]\n",
      expect: [],
    },
  ],
  SS2014: [
    {
      name: "a forbidden tool by its package",
      lines: ["FROM debian:12", "RUN apt-get install -y netcat-openbsd"],
      policy: "forbidden:\n  tools: [nc]\n",
      expect: [2],
    },
    {
      name: "a forbidden package by glob",
      lines: ["FROM alpine:3.20", "RUN apk add --no-cache python3 py3-pip"],
      policy: "forbidden:\n  packages: ['py3-*']\n",
      expect: [2],
    },
    {
      name: "installed only in a build stage",
      lines: ["FROM debian:12 AS b", "RUN apt-get install -y curl", "FROM debian:12-slim"],
      policy: "forbidden:\n  tools: [curl]\n",
      expect: [],
    },
    {
      name: "removed again",
      lines: ["FROM debian:12", "RUN apt-get install -y curl && apt-get purge -y curl"],
      policy: "forbidden:\n  tools: [curl]\n",
      expect: [],
    },
  ],
};

describe("shipshape's lint rules", () => {
  it("every rule has cases, a title, a remediation and an SS2xxx code", () => {
    for (const rule of SHIPSHAPE_RULES) {
      expect(rule.code).toMatch(/^SS2\d{3}$/);
      expect(CASES[rule.code], rule.code).toBeDefined();
      expect(CASES[rule.code]!.some((c) => c.expect.length > 0)).toBe(true);
      expect(CASES[rule.code]!.some((c) => c.expect.length === 0)).toBe(true);
      expect(rule.title.length).toBeGreaterThan(5);
      expect(rule.remediation.length).toBeGreaterThan(20);
    }
    expect(new Set(SHIPSHAPE_RULES.map((r) => r.code)).size).toBe(SHIPSHAPE_RULES.length);
  });

  for (const [code, cases] of Object.entries(CASES)) {
    describe(code, () => {
      it.each(cases.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
        const { lines, messages } = await linesOf(code, c);
        expect(lines, `${code} on:\n${c.lines.join("\n")}`).toEqual(c.expect);
        if (c.message !== undefined) for (const m of messages) expect(m).toContain(c.message);
      });
    });
  }
});

describe("SS rules follow the engine's pragmas and configuration", () => {
  const text =
    "FROM debian:12\n# hadolint ignore=SS2004\nRUN apt-get install -y curl\nRUN apt-get install -y wget\n";
  it("an ignore pragma drops the rule on the next instruction only", async () => {
    const found = (await lintDockerfile(text, {}, { shellcheck: false })).filter((f) => f.rule === "SS2004");
    expect(found.map((f) => f.line)).toEqual([4]);
  });
  it("ignored and override apply", async () => {
    const cfg = { ignored: ["SS2001"], override: { error: ["SS2004"] } };
    const found = await lintDockerfile(text, cfg, { shellcheck: false });
    expect(found.some((f) => f.rule === "SS2001")).toBe(false);
    expect(found.filter((f) => f.rule === "SS2004").map((f) => f.severity)).toEqual(["error"]);
  });
  it("a global pragma silences it everywhere", async () => {
    const found = await lintDockerfile(`# hadolint global ignore=SS2006\n${text}`, {}, { shellcheck: false });
    expect(found.some((f) => f.rule === "SS2006")).toBe(false);
  });
});
