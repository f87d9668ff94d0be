/** The operating system of an image, as OS detection (os-release.ts) reports it. */
export interface OsInfo {
  /** os-release ID: debian, ubuntu, alpine, rhel, centos, rocky, almalinux, sles, mariner, azurelinux, amzn, wolfi… */
  id: string;
  /** os-release VERSION_ID (e.g. "12", "3.16", "8.8"); for Alpine the full release from /etc/alpine-release. */
  versionId: string;
  prettyName: string;
  codename?: string;
  /** ID_LIKE, split. */
  idLike?: string[];
  /** Whether the release is past its end of life, when known; null when we do not know the release. */
  eol?: boolean | null;
  /** The date its (security) support ended or ends, ISO date, when known. */
  eolDate?: string;
  /** Which files told us. */
  evidence: string[];
}

/** The contract's `os` object: `{"id","versionId","prettyName"}` plus optional facts. */
export interface OsJson {
  id: string;
  versionId: string;
  prettyName: string;
  codename?: string;
  eol?: boolean | null;
  eolDate?: string;
}

export function osJson(os: OsInfo): OsJson {
  const out: OsJson = { id: os.id, versionId: os.versionId, prettyName: os.prettyName };
  if (os.codename) out.codename = os.codename;
  if (os.eol !== undefined) out.eol = os.eol;
  if (os.eolDate) out.eolDate = os.eolDate;
  return out;
}

/** OS detection: like a cataloger, it names the files it needs and reads them from the squashed view. */
export interface OsDetector {
  id: string;
  version: string;
  request: Omit<import("../image/file-request.js").FileRequest, "id" | "version">;
  detect(ctx: {
    read(path: string): Promise<Buffer>;
    exists(path: string): boolean;
    files: string[];
    warn(message: string): void;
  }): Promise<OsInfo | null>;
}
