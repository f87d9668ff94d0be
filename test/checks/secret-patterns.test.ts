/**
 * The secret detectors (src/checks/secret-patterns.ts) on real-looking positives and on the
 * negatives that trip naive scanners, then fuzzed: random text never throws and stays within its
 * bounds, a token planted anywhere is found on its line, and adversarial 10 MB inputs finish in
 * bounded time (no catastrophic backtracking).
 *
 * Keys are made here with node:crypto (RSA PKCS#1/PKCS#8, EC SEC1, encrypted PKCS#8, an OpenSSH
 * ed25519 key written in the openssh-key-v1 format); tokens are random bodies in each vendor's
 * documented shape. Cases taken from other scanners' tests are cited where they are used.
 *
 * Documentation placeholders: gitleaks' aws-access-token rule allowlists `.+EXAMPLE$`
 * (gitleaks/gitleaks config/gitleaks.toml) and Trivy's built-in "examples" allow rule drops any
 * match containing "example" (aquasecurity/trivy pkg/fanal/secret/builtin-allow-rules.go); we find
 * them but mark them `placeholder` (reported at info by SS1010), see the "placeholders" block.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  blankCertificates,
  findSecrets,
  MAX_HITS_PER_FILE,
  type SecretKind,
} from "../../src/checks/secret-patterns.js";
import {
  isSecretCandidate,
  SECRET_SCAN_MAX_BYTES,
  scanFileForSecrets,
} from "../../src/checks/secret-scan.js";
import { fixturePath } from "../helpers/shared.js";

const ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const random = (n: number, alphabet = ALNUM) =>
  [...randomBytes(n)].map((b) => alphabet[b % alphabet.length]).join("");
const b64url = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");

const kinds = (text: string, path = "/app/file.txt") => findSecrets(text, path).map((h) => h.kind);
const kindLines = (text: string, path = "/app/file.txt") =>
  findSecrets(text, path).map((h) => [h.kind, h.line] as [SecretKind, number]);

/** An ed25519 key in OpenSSH's own format (PROTOCOL.key: openssh-key-v1, cipher none). */
function opensshKey(): string {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const jwk = privateKey.export({ format: "jwk" }) as { d: string };
  const pub = Buffer.from((publicKey.export({ format: "jwk" }) as { x: string }).x, "base64url");
  const seed = Buffer.from(jwk.d, "base64url");
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const str = (b: Buffer | string) => {
    const bytes = Buffer.isBuffer(b) ? b : Buffer.from(b);
    return Buffer.concat([u32(bytes.length), bytes]);
  };
  const pubBlob = Buffer.concat([str("ssh-ed25519"), str(pub)]);
  const check = randomBytes(4).readUInt32BE();
  let priv = Buffer.concat([
    u32(check),
    u32(check),
    str("ssh-ed25519"),
    str(pub),
    str(Buffer.concat([seed, pub])),
    str("test@shipshape"),
  ]);
  const pad = [];
  for (let i = 1; (priv.length + pad.length) % 8 !== 0; i++) pad.push(i);
  priv = Buffer.concat([priv, Buffer.from(pad)]);
  const body = Buffer.concat([
    Buffer.from("openssh-key-v1\0"),
    str("none"),
    str("none"),
    str(""),
    u32(1),
    str(pubBlob),
    str(priv),
  ]).toString("base64");
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${body.match(/.{1,70}/g)!.join("\n")}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

describe("private keys", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 });
  const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });

  it("PEM RSA (PKCS#1), EC (SEC1), PKCS#8, encrypted PKCS#8 and OpenSSH, with their types", () => {
    const cases: [string, string][] = [
      [rsa.privateKey.export({ type: "pkcs1", format: "pem" }) as string, "RSA"],
      [ec.privateKey.export({ type: "sec1", format: "pem" }) as string, "EC"],
      [rsa.privateKey.export({ type: "pkcs8", format: "pem" }) as string, ""],
      [
        rsa.privateKey.export({
          type: "pkcs8",
          format: "pem",
          cipher: "aes-256-cbc",
          passphrase: "pw",
        }) as string,
        "ENCRYPTED",
      ],
      [opensshKey(), "OPENSSH"],
    ];
    for (const [pem, type] of cases) {
      const hits = findSecrets(`# key\n${pem}`, "/srv/key");
      expect(hits).toEqual([{ kind: "private-key", line: 2, detail: type }]);
    }
  });

  it("debian12-app's id_rsa (ssh-keygen -m PEM)", () => {
    const pem = readFileSync(fixturePath("build", "debian12-app", "id_rsa"), "latin1");
    expect(findSecrets(pem, "/root/.ssh/id_rsa")).toEqual([{ kind: "private-key", line: 1, detail: "RSA" }]);
  });

  it("Trivy's asymmetric-private-key.txt: the key with a body, not the empty BEGIN/END pair", () => {
    // aquasecurity/trivy pkg/fanal/secret/testdata/asymmetric-private-key.txt (body on one line,
    // space-separated), then `-----BEGIN RSA PRIVATE KEY----- -----END RSA PRIVATE KEY-----`.
    const body = Array.from({ length: 20 }, () => random(76, `${ALNUM}+/`)).join(" ");
    const text = `-----BEGIN RSA PRIVATE KEY-----\n${body}\n-----END RSA PRIVATE KEY-----\n\n-----BEGIN RSA PRIVATE KEY----- -----END RSA PRIVATE KEY-----`;
    expect(kindLines(text)).toEqual([["private-key", 1]]);
  });

  it("a key inside a JSON string (\\n escapes) and a PuTTY key", () => {
    const pem = rsa.privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    expect(kinds(JSON.stringify({ key: pem }))).toEqual(["private-key"]);
    const putty = `PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: test\nPublic-Lines: 2\n${random(64)}\n${random(20)}\nPrivate-Lines: 1\n${random(44)}\nPrivate-MAC: ${random(64, "0123456789abcdef")}\n`;
    expect(kinds(putty, "/home/u/key.ppk")).toEqual(["putty-private-key"]);
  });

  it("a Google Cloud service-account key file is reported as one", () => {
    const sa = JSON.stringify(
      {
        type: "service_account",
        project_id: "p",
        private_key_id: randomBytes(20).toString("hex"),
        private_key: rsa.privateKey.export({ type: "pkcs8", format: "pem" }),
        client_email: "a@p.iam.gserviceaccount.com",
      },
      null,
      2,
    );
    expect(kindLines(sa)).toEqual([["gcp-service-account-key", 5]]);
  });

  it("code that only names the markers, a public key and certificates are not private keys", () => {
    const code = `if (line === "-----BEGIN RSA PRIVATE KEY-----") { inKey = true; }\nconst END = "-----END RSA PRIVATE KEY-----";\n`;
    expect(kinds(code)).toEqual([]);
    const pub = rsa.publicKey.export({ type: "spki", format: "pem" }) as string;
    expect(kinds(pub)).toEqual([]);
  });

  it("the system CA bundle (hundreds of certificates) has no secret in it", () => {
    const bundle = readFileSync("/etc/ssl/certs/ca-certificates.crt", "latin1");
    expect(bundle.match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThan(50);
    expect(findSecrets(bundle, "/etc/ssl/certs/ca-certificates.crt")).toEqual([]);
    expect(blankCertificates(bundle)).not.toContain("MII");
    expect(blankCertificates(bundle).split("\n").length).toBe(bundle.split("\n").length);
  });
});

describe("cloud and service tokens", () => {
  it("AWS: access key ids (AKIA/ASIA) and secret keys by name or next to an id", () => {
    // ~/.aws/credentials
    const ini = `[default]\naws_access_key_id = AKIA${random(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")}\naws_secret_access_key = ${random(38)}/+\n`;
    expect(kindLines(ini)).toEqual([
      ["aws-access-key-id", 2],
      ["aws-secret-access-key", 3],
    ]);
    // Trivy's testdata/aws-secrets.txt (quoted names, JSON-ish).
    const trivy = `'AWS_secret_KEY'="12ASD34qwe56CXZ78tyH10Tna543VBokN85RHCas"\n"AWS_ACCESS_KEY_ID": "AKIA0123456789ABCDEF",\n"aws_account_ID":'1234-5678-9123'`;
    expect(kindLines(trivy)).toEqual([
      ["aws-secret-access-key", 1],
      ["aws-access-key-id", 2],
    ]);
    // A bare 40-character key on the line after an id, as in a CSV export.
    const csv = `User,Access key ID,Secret access key\nci,ASIA${random(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")},${random(30)}a1B${random(7)}\n`;
    expect(kinds(csv)).toEqual(["aws-access-key-id", "aws-secret-access-key"]);
  });

  it("GCP API key, Azure storage key and Entra client secret", () => {
    expect(kinds(`GOOGLE_MAPS=AIza${random(35)}\n`)).toEqual(["google-api-key"]);
    const conn = `DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${random(86, `${ALNUM}+/`)}==;EndpointSuffix=core.windows.net`;
    expect(kinds(conn)).toEqual(["azure-storage-key"]);
    expect(kinds(`"clientSecret": "${random(3)}8Q~${random(34)}"`)).toEqual(["azure-client-secret"]);
  });

  it("GitHub (classic, OAuth, fine-grained), GitLab, Slack, Stripe live keys", () => {
    expect(kinds(`token: ghp_${random(36)}`)).toEqual(["github-token"]);
    expect(kinds(`gho_${random(36)}`)).toEqual(["github-token"]);
    expect(kinds(`github_pat_${random(22)}_${random(59)}`)).toEqual(["github-token"]);
    expect(kinds(`GITLAB_TOKEN=glpat-${random(20)}`)).toEqual(["gitlab-token"]);
    expect(kinds(`xoxb-${random(12, "0123456789")}-${random(12, "0123456789")}-${random(24)}`)).toEqual([
      "slack-token",
    ]);
    expect(
      kinds(
        `https://hooks.slack.com/services/T${random(8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}/B${random(8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")}/${random(24)}`,
      ),
    ).toEqual(["slack-webhook"]);
    expect(kinds(`STRIPE_KEY=sk_live_${random(24)}`)).toEqual(["stripe-key"]);
  });

  it("a JSON Web Token", () => {
    const jwt = `${b64url({ alg: "HS256", typ: "JWT" })}.${b64url({ sub: "1234567890", name: "ci", iat: 1516239022 })}.${random(43, `${ALNUM}-_`)}`;
    expect(kinds(`Authorization: Bearer ${jwt}`)).toEqual(["jwt"]);
  });

  it("negatives: test keys, documentation shapes, hashes and tokens inside base64 bodies", () => {
    expect(kinds(`STRIPE_KEY=sk_test_${random(24)}`)).toEqual([]);
    expect(kinds("SLACK_TOKEN=xoxb-your-token-here")).toEqual([]);
    expect(kinds(`aws_secret_access_key = ${random(40, "0123456789abcdef")}`)).toEqual([]); // a SHA-1, no upper case
    expect(kinds(`data:${random(30)}AKIA${random(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")}${random(30)}`)).toEqual(
      [],
    );
    expect(kinds(`ghp_${random(20)}`)).toEqual([]); // too short
    expect(kinds(`eyJhbGciOiJIUzI1NiJ9.e30.x`)).toEqual([]); // too short for a signed token
  });
});

describe("placeholders (documentation EXAMPLE values)", () => {
  it("AWS's documented example pair is found but marked placeholder", () => {
    const env =
      "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\nAWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
    expect(findSecrets(env, "/app/.env")).toEqual([
      { kind: "aws-access-key-id", line: 1, placeholder: true },
      { kind: "aws-secret-access-key", line: 2, placeholder: true },
    ]);
  });

  it("a real-shaped key next to an example one is not a placeholder", () => {
    const hits = findSecrets(
      `a=AKIAIOSFODNN7EXAMPLE\nb=AKIA${random(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ")}\n`,
      "/x",
    );
    expect(hits.map((h) => [h.line, h.placeholder ?? false])).toEqual([
      [1, true],
      [2, false],
    ]);
  });
});

describe("credentials files by format", () => {
  it(".npmrc: a literal token, not a $VAR reference", () => {
    expect(kindLines(`//registry.npmjs.org/:_authToken=npm_${random(36)}\n`, "/root/.npmrc")).toEqual([
      ["npm-auth-token", 1],
    ]);
    expect(kinds(`//registry.npmjs.org/:_authToken=\${NPM_TOKEN}\n`, "/root/.npmrc")).toEqual([]);
  });

  it(".pypirc, .netrc, .pgpass, .git-credentials", () => {
    expect(kinds("[pypi]\nusername = __token__\npassword = pypi-abc\n", "/root/.pypirc")).toEqual([
      "pypirc-password",
    ]);
    expect(kinds("[pypi]\nusername = me\npassword =\n", "/root/.pypirc")).toEqual([]);
    expect(kinds("machine api.example.com login ci password s3cret\n", "/root/.netrc")).toEqual([
      "netrc-password",
    ]);
    expect(kinds("db:5432:app:app:s3cret\n#db:5432:*:*:\n", "/root/.pgpass")).toEqual(["pgpass-password"]);
    expect(kinds("https://ci:s3cret@github.com\nhttps://github.com\n", "/root/.git-credentials")).toEqual([
      "git-credentials",
    ]);
  });

  it("Docker and Podman auth files: an auths entry with auth or identitytoken", () => {
    const withAuth = JSON.stringify(
      { auths: { "ghcr.io": { auth: Buffer.from("u:p").toString("base64") } } },
      null,
      2,
    );
    expect(kindLines(withAuth, "/root/.docker/config.json")).toEqual([["registry-auth", 3]]);
    expect(kinds(withAuth, "/run/containers/0/auth.json")).toEqual(["registry-auth"]);
    const helperOnly = JSON.stringify({ auths: { "ghcr.io": {} }, credsStore: "pass" });
    expect(kinds(helperOnly, "/root/.docker/config.json")).toEqual([]);
    // Same bytes under another name: not a Docker config, no format detector.
    expect(kinds(withAuth, "/app/config.json")).toEqual([]);
  });
});

describe("bounds", () => {
  it("at most MAX_HITS_PER_FILE hits per file", () => {
    const many = Array.from({ length: 500 }, () => `ghp_${random(36)}`).join("\n");
    expect(findSecrets(many, "/x")).toHaveLength(MAX_HITS_PER_FILE);
  });

  it("files over the cap and binaries are not read", () => {
    const token = `ghp_${random(36)}`;
    expect(scanFileForSecrets(Buffer.from(`\0${token}`), "/x")).toEqual([]);
    const big = Buffer.alloc(SECRET_SCAN_MAX_BYTES + 1, 0x61);
    big.write(token, 100);
    expect(scanFileForSecrets(big, "/x")).toEqual([]);
    expect(scanFileForSecrets(Buffer.from(`x ${token}\n`), "/x")).toEqual([
      { kind: "github-token", line: 1 },
    ]);
  });

  it("random text: never throws, hits within the text's lines and the cap", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 2000, unit: "binary" }),
        fc.constantFrom("/x", "/root/.npmrc", "/root/.pgpass", "/root/.docker/config.json"),
        (text, path) => {
          const hits = findSecrets(text, path);
          const lines = text.split("\n").length;
          expect(hits.length).toBeLessThanOrEqual(MAX_HITS_PER_FILE);
          for (const h of hits) {
            expect(h.line).toBeGreaterThanOrEqual(1);
            expect(h.line).toBeLessThanOrEqual(lines);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("a token planted in random text is found on its line", () => {
    const token = `ghp_${random(36)}`;
    fc.assert(
      fc.property(
        fc.array(fc.string({ maxLength: 80, unit: fc.constantFrom(..."abc XYZ=:;,.\t-".split("")) }), {
          maxLength: 30,
        }),
        fc.nat(),
        (lines, at) => {
          const i = lines.length === 0 ? 0 : at % (lines.length + 1);
          const text = [...lines.slice(0, i), `key: ${token} `, ...lines.slice(i)].join("\n");
          expect(findSecrets(text, "/x")).toContainEqual({ kind: "github-token", line: i + 1 });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("adversarial 10 MB inputs finish in bounded time (no catastrophic backtracking)", () => {
    const TEN_MB = 10 * 1024 * 1024;
    const fill = (unit: string) => unit.repeat(Math.ceil(TEN_MB / unit.length)).slice(0, TEN_MB);
    const inputs = [
      fill("AKIA"),
      fill("a"),
      fill("eyJ"),
      fill("eyJhbGciOiJIUzI1NiJ9."),
      fill("-----BEGIN PRIVATE KEY-----\n"),
      fill("-----BEGIN CERTIFICATE-----\n"),
      fill("aws_secret_access_key = "),
      fill("AccountKey="),
      fill("abc8Q~"),
      fill("xoxb-1234567-"),
      fill("ghp_"),
      fill(`AKIA${"A".repeat(16)} ${"aB1".repeat(13)}x\n`),
    ];
    for (const text of inputs) {
      const start = performance.now();
      const hits = findSecrets(text, "/root/.npmrc");
      const ms = performance.now() - start;
      expect(hits.length).toBeLessThanOrEqual(MAX_HITS_PER_FILE);
      expect(ms, `${JSON.stringify(text.slice(0, 30))}… took ${ms} ms`).toBeLessThan(5000);
    }
  }, 120_000);
});

describe("which files are read", () => {
  it("application files yes; documentation trees, binaries, libraries' tests and READMEs no", () => {
    const yes = [
      "/app/.env",
      "/app/tests/key.pem",
      "/root/.ssh/id_rsa",
      "/app/README.md",
      "/etc/app/config.yaml",
    ];
    const no = [
      "/usr/share/doc/openssl/README",
      "/usr/lib/x86_64-linux-gnu/libssl.so.3",
      "/usr/lib/python3/dist-packages/requests/tests/test_auth.py",
      "/app/node_modules/jsonwebtoken/README.md",
      "/usr/lib/python3/dist-packages/jwt/README.rst",
      "/app/vendor/github.com/x/y/testdata/key.pem",
      "/var/lib/dpkg/info/openssl.md5sums",
    ];
    for (const p of yes) expect(isSecretCandidate(p, 100), p).toBe(true);
    for (const p of no) expect(isSecretCandidate(p, 100), p).toBe(false);
    expect(isSecretCandidate("/app/.env", 0)).toBe(false);
    expect(isSecretCandidate("/app/big.json", SECRET_SCAN_MAX_BYTES + 1)).toBe(false);
  });
});
