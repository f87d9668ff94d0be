/**
 * OS detection from the files distributions leave in /etc, in order of trust:
 *  1. os-release (`/etc/os-release`, then `/usr/lib/os-release`; symlinks resolve inside the image);
 *     Alpine's full release comes from `/etc/alpine-release` (os-release's may be the branch only),
 *     and Debian testing's codename from `/etc/debian_version` when VERSION_ID is absent;
 *  2. without os-release, the distribution's own release file: alpine-release, debian_version,
 *     oracle/rocky/almalinux/centos/fedora/redhat-release, mariner-release, azurelinux-release,
 *     system-release (Amazon Linux), SuSE-release;
 *  3. distroless images without any of those: `var/lib/dpkg/status.d` means Debian, its release from
 *     the base-files stanza.
 * Then the end-of-life status from eol.ts, for "today" (injectable for tests).
 */
import { parseDpkgStatus } from "./dpkg/status.js";
import { endOfLife, eolEntry } from "./eol.js";
import type { OsDetector, OsInfo } from "./os.js";

type DetectContext = Parameters<OsDetector["detect"]>[0];

const OS_RELEASE = ["/etc/os-release", "/usr/lib/os-release"];
const ALPINE_RELEASE = "/etc/alpine-release";
const DEBIAN_VERSION = "/etc/debian_version";
/** Checked in this order: Oracle Linux's redhat-release claims to be RHEL. */
const REDHAT_FAMILY = [
  "/etc/oracle-release",
  "/etc/rocky-release",
  "/etc/almalinux-release",
  "/etc/centos-release",
  "/etc/fedora-release",
  "/etc/redhat-release",
];
const MARINER_RELEASE = ["/etc/azurelinux-release", "/etc/mariner-release"];
const SYSTEM_RELEASE = "/etc/system-release";
const SUSE_RELEASE = "/etc/SuSE-release";
const STATUS_D = "/var/lib/dpkg/status.d";
/** rules_distroless names the file after the package; rules_docker's older images call it "base". */
const DISTROLESS_BASE_FILES = [`${STATUS_D}/base-files`, `${STATUS_D}/base`];

/**
 * os-release's KEY=value lines (https://www.freedesktop.org/software/systemd/man/os-release.html):
 * values optionally in single or double quotes, with shell escapes (\" \\ \$ \`) in double quotes.
 */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const m = /^\s*([A-Za-z0-9_]+)\s*=\s*(.*?)\s*$/.exec(raw);
    if (!m) continue;
    let value = m[2]!;
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
      value = value.slice(1, -1).replace(/\\(["\\$`])/g, "$1");
    } else if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) {
      value = value.slice(1, -1);
    }
    out[m[1]!] = value;
  }
  return out;
}

/** What a release file tells: the os-release-style identity. */
export interface ReleaseInfo {
  id: string;
  versionId: string;
  prettyName: string;
  codename?: string;
}

/** One line of a Red Hat-family release file ("Rocky Linux release 8.8 (Green Obsidian)"). */
export function parseRedhatRelease(text: string): ReleaseInfo | null {
  const line = text.split("\n")[0]?.trim() ?? "";
  const m = /^(.*?)\s+release\s+(\d[\w.]*)(?:\s+\(([^)]*)\))?/i.exec(line);
  if (!m) return null;
  const name = m[1]!;
  const version = m[2]!;
  const major = /^\d+/.exec(version)?.[0] ?? version;
  const codename = m[3]?.trim().toLowerCase() || undefined;
  const families: [RegExp, string, (v: string) => string][] = [
    [/^Oracle Linux/i, "ol", (v) => v],
    [/^Rocky Linux/i, "rocky", (v) => v],
    [/^AlmaLinux/i, "almalinux", (v) => v],
    // CentOS's os-release VERSION_ID is the major release ("7"), also for Stream.
    [/^CentOS/i, "centos", () => major],
    [/^Fedora/i, "fedora", () => major],
    [/^Red Hat Enterprise Linux/i, "rhel", (v) => v],
  ];
  for (const [pattern, id, versionOf] of families) {
    if (pattern.test(name)) {
      const info: ReleaseInfo = { id, versionId: versionOf(version), prettyName: line };
      if (codename) info.codename = codename;
      return info;
    }
  }
  return null;
}

/** `/etc/mariner-release` ("CBL-Mariner 2.0.20230630") or `/etc/azurelinux-release` ("Azure Linux 3.0…"). */
export function parseMarinerRelease(text: string): ReleaseInfo | null {
  const line = text.split("\n")[0]?.trim() ?? "";
  const m = /^(CBL-Mariner|Azure Linux)\s+(\d+\.\d+)/i.exec(line);
  if (!m) return null;
  const azure = /^azure/i.test(m[1]!);
  return {
    id: azure ? "azurelinux" : "mariner",
    versionId: m[2]!,
    prettyName: azure ? `Azure Linux ${m[2]}` : `CBL-Mariner/Linux ${m[2]}`,
  };
}

/** `/etc/system-release` of Amazon Linux ("Amazon Linux release 2 (Karoo)", "Amazon Linux AMI release 2018.03"). */
export function parseAmazonRelease(text: string): ReleaseInfo | null {
  const line = text.split("\n")[0]?.trim() ?? "";
  const m = /^Amazon Linux (?:AMI )?release (\S+)/i.exec(line);
  if (!m) return null;
  // os-release says "2023" for every AL2023 point release (2023.5.20240701).
  const version = /^2023\./.test(m[1]!) ? "2023" : m[1]!;
  return { id: "amzn", versionId: version, prettyName: line };
}

/** The pre-os-release `/etc/SuSE-release` ("SUSE Linux Enterprise Server 12 (x86_64)", VERSION, PATCHLEVEL). */
export function parseSuseRelease(text: string): ReleaseInfo | null {
  const first = text.split("\n")[0]?.trim() ?? "";
  const version = /^VERSION\s*=\s*(\S+)/m.exec(text)?.[1];
  if (!version) return null;
  const patch = /^PATCHLEVEL\s*=\s*(\d+)/m.exec(text)?.[1];
  if (/SUSE Linux Enterprise Server/i.test(first)) {
    return {
      id: "sles",
      versionId: patch && patch !== "0" ? `${version}.${patch}` : version,
      prettyName: first,
    };
  }
  if (/openSUSE/i.test(first)) return { id: "opensuse", versionId: version, prettyName: first };
  return null;
}

/** `/etc/debian_version`: "12.15" → 12; "trixie/sid" → testing, codename only. */
export function parseDebianVersion(text: string): ReleaseInfo | null {
  const line = text.split("\n")[0]?.trim() ?? "";
  const numeric = /^(\d+)(?:\.\d+)*$/.exec(line);
  if (numeric) {
    const versionId = numeric[1]!;
    const codename = eolEntry({ id: "debian", versionId })?.codename;
    const info: ReleaseInfo = {
      id: "debian",
      versionId,
      prettyName: `Debian GNU/Linux ${versionId}${codename ? ` (${codename})` : ""}`,
    };
    if (codename) info.codename = codename;
    return info;
  }
  const named = /^([a-z]+)\/sid$/.exec(line);
  if (named)
    return {
      id: "debian",
      versionId: "",
      prettyName: `Debian GNU/Linux ${named[1]}/sid`,
      codename: named[1]!,
    };
  return null;
}

/** The Debian release a distroless base-files stanza belongs to ("12.4+deb12u15" → 12). */
export function releaseFromBaseFiles(bytes: Uint8Array): ReleaseInfo | null {
  const entry = parseDpkgStatus(bytes).entries.find((e) => e.package === "base-files");
  if (!entry) return null;
  if (/ubuntu/i.test(entry.version)) return { id: "ubuntu", versionId: "", prettyName: "Ubuntu" };
  const major = /^(\d+)(?:[.+]|$)/.exec(entry.version)?.[1];
  return major ? parseDebianVersion(major) : null;
}

async function readText(ctx: DetectContext, path: string): Promise<string | null> {
  if (!ctx.exists(path)) return null;
  try {
    return (await ctx.read(path)).toString("utf8");
  } catch (err) {
    ctx.warn(`${path} could not be read: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}

function fromOsRelease(fields: Record<string, string>): ReleaseInfo & { idLike?: string[] } {
  const id = fields.ID!.toLowerCase();
  const info: ReleaseInfo & { idLike?: string[] } = {
    id,
    versionId: fields.VERSION_ID ?? "",
    prettyName: fields.PRETTY_NAME || [fields.NAME ?? id, fields.VERSION].filter(Boolean).join(" "),
  };
  let codename = fields.VERSION_CODENAME || fields.UBUNTU_CODENAME;
  // Debian 8's os-release has no VERSION_CODENAME, only VERSION="8 (jessie)".
  if (!codename && id === "debian") codename = /\(([a-z]+)\)/.exec(fields.VERSION ?? "")?.[1];
  if (codename) info.codename = codename.toLowerCase();
  const idLike = (fields.ID_LIKE ?? "").split(/\s+/).filter(Boolean);
  if (idLike.length > 0) info.idLike = idLike;
  return info;
}

/** Identity and evidence, before the end-of-life lookup. */
async function identify(
  ctx: DetectContext,
): Promise<(ReleaseInfo & { idLike?: string[]; evidence: string[] }) | null> {
  for (const path of OS_RELEASE) {
    const text = await readText(ctx, path);
    if (text === null) continue;
    const fields = parseOsRelease(text);
    if (!fields.ID) {
      ctx.warn(`${path} has no ID: ignored`);
      continue;
    }
    const info = { ...fromOsRelease(fields), evidence: [path] };
    if (info.id === "alpine") {
      const release = (await readText(ctx, ALPINE_RELEASE))?.split("\n")[0]?.trim();
      if (release && /^\d+\.\d+/.test(release)) {
        info.versionId = release;
        info.evidence.push(ALPINE_RELEASE);
      }
    }
    if (info.id === "debian" && !info.versionId) {
      const text = await readText(ctx, DEBIAN_VERSION);
      const debian = text === null ? null : parseDebianVersion(text);
      if (debian) {
        info.versionId = debian.versionId;
        if (debian.codename) info.codename ??= debian.codename;
        info.evidence.push(DEBIAN_VERSION);
      }
    }
    return info;
  }

  const alpine = (await readText(ctx, ALPINE_RELEASE))?.split("\n")[0]?.trim();
  if (alpine && /^\d+\.\d+/.test(alpine)) {
    const branch = /^\d+\.\d+/.exec(alpine)![0];
    return {
      id: "alpine",
      versionId: alpine,
      prettyName: `Alpine Linux v${branch}`,
      evidence: [ALPINE_RELEASE],
    };
  }
  const debianText = await readText(ctx, DEBIAN_VERSION);
  const debian = debianText === null ? null : parseDebianVersion(debianText);
  if (debian) return { ...debian, evidence: [DEBIAN_VERSION] };
  for (const path of REDHAT_FAMILY) {
    const text = await readText(ctx, path);
    const info = text === null ? null : parseRedhatRelease(text);
    if (info) return { ...info, evidence: [path] };
  }
  for (const path of MARINER_RELEASE) {
    const text = await readText(ctx, path);
    const info = text === null ? null : parseMarinerRelease(text);
    if (info) return { ...info, evidence: [path] };
  }
  const systemRelease = await readText(ctx, SYSTEM_RELEASE);
  const amazon = systemRelease === null ? null : parseAmazonRelease(systemRelease);
  if (amazon) return { ...amazon, evidence: [SYSTEM_RELEASE] };
  const suseText = await readText(ctx, SUSE_RELEASE);
  const suse = suseText === null ? null : parseSuseRelease(suseText);
  if (suse) return { ...suse, evidence: [SUSE_RELEASE] };

  if (ctx.exists(STATUS_D)) {
    for (const path of DISTROLESS_BASE_FILES) {
      if (!ctx.exists(path)) continue;
      try {
        const info = releaseFromBaseFiles(await ctx.read(path));
        if (info) return { ...info, evidence: [STATUS_D, path] };
      } catch (err) {
        ctx.warn(`${path} could not be read: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return { id: "debian", versionId: "", prettyName: "Debian GNU/Linux (distroless)", evidence: [STATUS_D] };
  }
  return null;
}

export interface OsReleaseDetectorOptions {
  /** The day end-of-life is judged against (default: the current time at each detection). */
  now?: () => Date;
}

export function createOsReleaseDetector(options: OsReleaseDetectorOptions = {}): OsDetector {
  const now = options.now ?? (() => new Date());
  return {
    id: "os-release",
    version: "1",
    request: {
      paths: [
        ...OS_RELEASE,
        ALPINE_RELEASE,
        DEBIAN_VERSION,
        ...REDHAT_FAMILY,
        ...MARINER_RELEASE,
        SYSTEM_RELEASE,
        SUSE_RELEASE,
        ...DISTROLESS_BASE_FILES,
      ],
    },
    async detect(ctx): Promise<OsInfo | null> {
      const found = await identify(ctx);
      if (!found) return null;
      const os: OsInfo = {
        id: found.id,
        versionId: found.versionId,
        prettyName: found.prettyName || found.id,
        evidence: found.evidence,
      };
      if (found.codename) os.codename = found.codename;
      if (found.idLike) os.idLike = found.idLike;
      const status = endOfLife(os, now());
      os.eol = status.eol;
      if (status.eolDate) os.eolDate = status.eolDate;
      return os;
    },
  };
}

export const osReleaseDetector: OsDetector = createOsReleaseDetector();
