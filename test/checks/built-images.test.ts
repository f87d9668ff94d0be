/**
 * The rules no fixture image exercises, on small real OCI images built here with umoci
 * (test/checks/built-image.ts): world-writable files and directories, accounts without a password
 * and shared ids, package managers and debuggers found by path only, a Google Cloud service-account
 * key, a GitHub token in a file a later layer deletes, credential stores (.npmrc, Docker auth,
 * .git-credentials, .pypirc), unnecessary files, sensitive volumes, SSH, and credentials and build
 * practices in the config's Env and history. Each has its negative next to it: a clean image with
 * the same kinds of files done right must get none of these findings.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { HygieneFinding } from "../../src/checks/rule.js";
import { type CheckResult, checkImage } from "../../src/checks/run.js";
import { buildImage } from "./built-image.js";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
/** A random token body: real-looking, never a real credential. */
function randomToken(length: number, alphabet = ALNUM): string {
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join("");
}

const pkcs8 = () =>
  generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({
    type: "pkcs8",
    format: "pem",
  }) as string;

/** The shape of the key file `gcloud iam service-accounts keys create` writes. */
function gcpServiceAccountKey(): string {
  return `${JSON.stringify(
    {
      type: "service_account",
      project_id: "shipshape-test",
      private_key_id: randomBytes(20).toString("hex"),
      private_key: pkcs8(),
      client_email: "ci@shipshape-test.iam.gserviceaccount.com",
      client_id: "10923847561029384756",
      auth_uri: "https://accounts.google.com/o/oauth2/auth",
      token_uri: "https://oauth2.googleapis.com/token",
    },
    null,
    2,
  )}\n`;
}

/** A shell/npm variable reference as text: "${NAME}". */
const varRef = (name: string) => `\${${name}}`;

const GITHUB_TOKEN = `ghp_${randomToken(36)}`;
const ENV_GITHUB_TOKEN = `ghp_${randomToken(36)}`;

let work: string;
let dirty: CheckResult;
let clean: CheckResult;

const of = (r: CheckResult, rule: string): HygieneFinding[] => r.findings.filter((f) => f.rule === rule);
const paths = (r: CheckResult, rule: string) => of(r, rule).map((f) => f.path);
const titles = (r: CheckResult, rule: string) => of(r, rule).map((f) => f.title);

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "shipshape-built-images-"));
  const dirtyRef = buildImage(work, "dirty", "latest", {
    layers: [
      {
        dirs: { "/data": 0o777, "/tmp": 0o1777, "/srv": 0o755 },
        files: {
          "/etc/passwd":
            "root:x:0:0:root:/root:/bin/sh\ntoor:x:0:0:second root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n",
          "/etc/group": "root:x:0:\nwheel:x:10:\nstaff:x:10:\n",
          "/etc/shadow": {
            content: "root:*:19000:0:99999:7:::\nguest::19000:0:99999:7:::\napp:!:19000:0:99999:7:::\n",
            mode: 0o640,
          },
          "/srv/shared.txt": { content: "anyone may write this\n", mode: 0o666 },
          "/usr/bin/pip3": { content: "#!/usr/bin/python3\n", mode: 0o755 },
          "/usr/bin/gdb": { content: "\u007fELF stand-in\n", mode: 0o755 },
          "/usr/bin/tcpdump": { content: "\u007fELF stand-in\n", mode: 0o755 },
          "/usr/bin/ssh": { content: "\u007fELF stand-in\n", mode: 0o755 },
          "/usr/local/bin/node": { content: "\u007fELF stand-in\n", mode: 0o755 },
          "/usr/lib/busybox/busybox": { content: "\u007fELF stand-in\n", mode: 0o755 },
        },
        // A dangling link runs nothing: not a shell.
        // A relative applet link is a package manager like the program it names.
        symlinks: { "/bin/sh": "/nonexistent/busybox", "/usr/bin/dpkg": "../lib/busybox/busybox" },
      },
      {
        files: {
          "/app/service-account.json": gcpServiceAccountKey(),
          "/app/config/github.txt": `# deploy\nGITHUB=${GITHUB_TOKEN}\n`,
          "/app/config/replaced.txt": `token=glpat-${randomToken(20)}\n`,
          "/app/old/key.txt": `slack=xoxb-${randomToken(12, "0123456789")}-${randomToken(12, "0123456789")}-${randomToken(24)}\n`,
          "/root/.npmrc": `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=npm_${randomToken(36)}\n`,
          "/root/.docker/config.json": JSON.stringify({
            auths: { "registry.example.com": { auth: Buffer.from("ci:s3cr3t-pass").toString("base64") } },
          }),
          "/root/.git-credentials": "https://ci:s3cr3t-pass@git.example.com\n",
          "/root/.pypirc": "[pypi]\nusername = __token__\npassword = pypi-AgEIcHlwaS5vcmc\n",
          "/app/Dockerfile": "FROM scratch\n",
          "/app/.git/config": "[core]\n\trepositoryformatversion = 0\n",
          "/app/.git/HEAD": "ref: refs/heads/main\n",
          "/app/node_modules/lib/.git/HEAD": "ref: refs/heads/main\n",
          "/app/config/initializers/omniauth.rb":
            "Rails.application.config.middleware.use OmniAuth::Builder\n",
        },
      },
      { files: { "/app/config/replaced.txt": "token=\n" }, remove: ["/app/config/github.txt", "/app/old"] },
    ],
    config: [
      "--config.user",
      "0",
      "--config.volume",
      "/proc",
      "--config.exposedports",
      "22/tcp",
      "--config.env",
      `DEPLOY_TOKEN=${ENV_GITHUB_TOKEN}`,
      "--config.env",
      "GPG_KEY=B42F6819007F00F88E364FD4036A9C25BF357DD4",
      "--config.env",
      "SECRET_FILE=/run/secrets/db",
    ],
    history: [
      "/bin/sh -c apt-get update",
      "/bin/sh -c sudo apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
      "/bin/sh -c apt-get update && apt-get dist-upgrade -y && rm -rf /var/lib/apt/lists/*",
      "/bin/sh -c apk add curl",
      "|1 NPM_TOKEN=npm_4f9a8b7c6d5e4f3a2b1c /bin/sh -c npm ci",
    ],
  });
  const cleanRef = buildImage(work, "clean", "1.4.2", {
    layers: [
      {
        dirs: { "/tmp": 0o1777, "/app": 0o755 },
        files: {
          "/etc/passwd": "root:x:0:0:root:/root:/sbin/nologin\napp:x:65532:65532::/app:/sbin/nologin\n",
          "/etc/group": "root:x:0:\napp:x:65532:\n",
          "/etc/shadow": { content: "root:*:19000::::::\napp:!:19000::::::\n", mode: 0o640 },
          "/app/server": { content: "\u007fELF stand-in\n", mode: 0o755 },
          "/app/.env.example": `AWS_ACCESS_KEY_ID=\nGITHUB_TOKEN=${varRef("GITHUB_TOKEN")}\n`,
          "/root/.npmrc": `//registry.npmjs.org/:_authToken=${varRef("NPM_TOKEN")}\n`,
          // Libraries' own files named like Dockle's credential files (the gem's main file).
          "/usr/lib/ruby/gems/3.1.0/gems/omniauth-2.1.1/lib/omniauth.rb": "module OmniAuth\nend\n",
          "/usr/lib/python3/dist-packages/django/conf/project_template/project_name/settings.py":
            "DEBUG = True\n",
          // A library's own test key is the library's business (secret-scan.ts).
          "/usr/lib/python3/dist-packages/somelib/tests/key.pem": pkcs8(),
        },
      },
    ],
    config: ["--config.user", "65532:65532", "--config.env", "APP_KEY_FILE=/run/secrets/app-key"],
    history: [
      "/bin/sh -c apk add --no-cache curl",
      "/bin/sh -c apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
    ],
    patchConfig: (config) => {
      const c = config.config as Record<string, unknown>;
      c.Healthcheck = { Test: ["CMD", "/app/server", "--health"], Interval: 30_000_000_000 };
    },
  });
  return Promise.all([checkImage(dirtyRef), checkImage(cleanRef)]).then(([d, c]) => {
    dirty = d;
    clean = c;
  });
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("file modes", () => {
  it("world-writable file and directory without the sticky bit; /tmp (1777) is fine", () => {
    expect(of(dirty, "SS1008").map((f) => [f.path, f.title])).toEqual([
      ["/data", "World-writable directory (no sticky bit) /data (mode 0777)"],
      ["/srv/shared.txt", "World-writable file /srv/shared.txt (mode 0666)"],
    ]);
    expect(of(clean, "SS1008")).toEqual([]);
  });
});

describe("accounts (Dockle DKL-LI-0001, DKL-LI-0002)", () => {
  it("an empty password field, not a locked one (* or !)", () => {
    expect(titles(dirty, "SS1012")).toEqual(["Account guest has an empty password in /etc/shadow"]);
    expect(of(clean, "SS1012")).toEqual([]);
  });

  it("UIDs and GIDs shared by two names", () => {
    expect(titles(dirty, "SS1013").sort()).toEqual([
      "GID 10 is shared by wheel, staff in /etc/group",
      "UID 0 is shared by root, toor in /etc/passwd",
    ]);
    expect(of(clean, "SS1013")).toEqual([]);
  });
});

describe("tools found by path alone (no package database)", () => {
  it("pip, a busybox dpkg applet, debuggers, ssh and node; a dangling /bin/sh is not a shell", () => {
    expect(of(dirty, "SS1001").map((f) => [f.tool, f.path])).toEqual([
      ["dpkg", "/usr/bin/dpkg"],
      ["pip", "/usr/bin/pip3"],
    ]);
    expect(of(dirty, "SS1001")[0]!.title).toBe(
      "Package manager dpkg in the image: /usr/bin/dpkg (→ /usr/lib/busybox/busybox)",
    );
    expect(of(dirty, "SS1004").map((f) => f.tool)).toEqual(["gdb", "tcpdump"]);
    expect(of(dirty, "SS1003").map((f) => f.tool)).toEqual(["ssh"]);
    expect(of(dirty, "SS1005").map((f) => f.tool)).toEqual(["node"]);
    expect(of(dirty, "SS1002")).toEqual([]);
    for (const id of ["SS1001", "SS1002", "SS1003", "SS1004", "SS1005"]) expect(of(clean, id)).toEqual([]);
  });
});

describe("secrets in layers", () => {
  it("a Google Cloud service-account key file is named as one, critical", () => {
    const [gcp] = of(dirty, "SS1010").filter((f) => f.path === "/app/service-account.json");
    expect(gcp).toMatchObject({ severity: "critical", layer: 1 });
    expect(gcp!.title).toContain("Google Cloud service account key (line");
  });

  it("a GitHub token in a file a later layer deleted: reported with both layers, value never shown", () => {
    const [gh] = of(dirty, "SS1010").filter((f) => f.path === "/app/config/github.txt");
    expect(gh).toMatchObject({ severity: "critical", layer: 1 });
    expect(gh!.title).toBe(
      "GitHub token (line 2) in /app/config/github.txt (layer 1; deleted in layer 2, still in the image)",
    );
    for (const f of dirty.findings) expect(f.title).not.toContain(GITHUB_TOKEN.slice(4));
  });

  it("a file overwritten later and a file in a folder deleted later: both still in the image", () => {
    const byPath = new Map(of(dirty, "SS1010").map((f) => [f.path, f]));
    expect(byPath.get("/app/config/replaced.txt")).toMatchObject({ layer: 1, severity: "critical" });
    expect(byPath.get("/app/config/replaced.txt")!.title).toBe(
      "GitLab token (line 1) in /app/config/replaced.txt (layer 1; replaced in layer 2, the old copy is still in the image)",
    );
    expect(byPath.get("/app/old/key.txt")!.title).toBe(
      "Slack token (line 1) in /app/old/key.txt (layer 1; deleted in layer 2, still in the image)",
    );
  });

  it("credential stores by their format: .npmrc, Docker auth, .git-credentials, .pypirc", () => {
    const byPath = new Map(of(dirty, "SS1010").map((f) => [f.path, f]));
    expect(byPath.get("/root/.npmrc")?.title).toContain("npm registry credential (line 2)");
    expect(byPath.get("/root/.docker/config.json")?.title).toContain("container registry credential");
    expect(byPath.get("/root/.git-credentials")?.title).toContain("Git credentials");
    expect(byPath.get("/root/.pypirc")?.title).toContain(".pypirc password (line 3)");
    expect([...byPath.keys()].sort()).toEqual([
      "/app/config/github.txt",
      "/app/config/replaced.txt",
      "/app/old/key.txt",
      "/app/service-account.json",
      "/root/.docker/config.json",
      "/root/.git-credentials",
      "/root/.npmrc",
      "/root/.pypirc",
    ]);
  });

  it("templates, $VAR references and a library's test key are not secrets", () => {
    expect(of(clean, "SS1010")).toEqual([]);
    expect(of(clean, "SS1011")).toEqual([]);
  });

  it("credential files by name: application folders only; .env.example is a template", () => {
    expect(paths(dirty, "SS1011").sort()).toEqual([
      "/app/config/initializers/omniauth.rb",
      "/root/.git-credentials",
    ]);
  });
});

describe("unnecessary files (Dockle DKL-LI-0003)", () => {
  it("Dockerfile and a .git folder once; a library's .git under node_modules is ignored", () => {
    expect(of(dirty, "SS1014").map((f) => f.path)).toEqual(["/app/.git", "/app/Dockerfile"]);
    expect(of(clean, "SS1014")).toEqual([]);
  });
});

describe("config", () => {
  it("User 0 is root (numeric), 65532 is not", () => {
    expect(titles(dirty, "SS1020")).toEqual(['The container runs as root: User is "0"']);
    expect(of(clean, "SS1020")).toEqual([]);
  });

  it("VOLUME /proc and EXPOSE 22", () => {
    expect(of(dirty, "SS1027").map((f) => [f.path, f.severity])).toEqual([["/proc", "high"]]);
    expect(titles(dirty, "SS1025")).toEqual(["The image exposes port 22/tcp (SSH)"]);
    expect(of(clean, "SS1027")).toEqual([]);
    expect(of(clean, "SS1025")).toEqual([]);
  });

  it("HEALTHCHECK present (patched into the config) vs absent", () => {
    expect(of(dirty, "SS1026")).toHaveLength(1);
    expect(of(clean, "SS1026")).toEqual([]);
  });

  it("tags from the layout's ref.name: latest vs 1.4.2", () => {
    expect(dirty.source.names).toEqual(["latest"]);
    expect(titles(dirty, "SS1021")).toEqual(["The image is tagged latest (latest)"]);
    expect(of(clean, "SS1021")).toEqual([]);
  });

  it("a token in Env is reported by its shape; GPG_KEY and *_FILE paths are not", () => {
    expect(titles(dirty, "SS1028")).toEqual(["Environment variable DEPLOY_TOKEN holds GitHub token"]);
    expect(of(clean, "SS1028")).toEqual([]);
  });
});

describe("history (Dockle's image-history checkpoints)", () => {
  const historyTitle = (r: CheckResult, rule: string) =>
    titles(r, rule).map((t) => t.replace(/^History entry \d+/, "#"));

  it("apt-get update alone (CIS-DI-0007)", () => {
    expect(historyTitle(dirty, "SS1030")).toEqual([
      "#: `apt-get update` with no install or upgrade after it",
    ]);
  });
  it("sudo (DKL-DI-0001)", () => {
    expect(historyTitle(dirty, "SS1032")).toEqual(["#: runs `sudo apt-get`"]);
  });
  it("dist-upgrade (DKL-DI-0003)", () => {
    expect(historyTitle(dirty, "SS1033")).toEqual(["#: runs `apt-get dist-upgrade`"]);
  });
  it("apk add without --no-cache (DKL-DI-0004)", () => {
    expect(historyTitle(dirty, "SS1034")).toEqual(["#: runs `apk add` without --no-cache"]);
  });
  it("apt lists left: only the update-alone entry (the others remove them)", () => {
    expect(historyTitle(dirty, "SS1035")).toEqual([
      "#: `apt-get update` without removing /var/lib/apt/lists",
    ]);
  });
  it("a build argument recorded by BuildKit (|1 NPM_TOKEN=…) is a credential in the history", () => {
    expect(historyTitle(dirty, "SS1029")).toEqual(["# sets NPM_TOKEN"]);
  });
  it("the clean image's history has none of these", () => {
    for (const id of ["SS1029", "SS1030", "SS1031", "SS1032", "SS1033", "SS1034", "SS1035"]) {
      expect(of(clean, id)).toEqual([]);
    }
  });
});

describe("the clean image as a whole", () => {
  it("gets no finding at all", () => {
    expect(clean.findings).toEqual([]);
    expect(clean.warnings).toEqual([]);
  });
});
