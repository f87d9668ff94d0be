/**
 * Shared pieces of the rpm tests: cataloging an image with the rpm cataloger alone, and asking
 * Debian's real `rpm` (the independent oracle) about a database directory.
 */
import { execFileSync } from "node:child_process";
import { OS_DETECTOR } from "../../../src/catalog/all.js";
import { type CatalogResult, catalogFilesystem, catalogRequests } from "../../../src/catalog/catalog.js";
import { rpmCataloger } from "../../../src/catalog/rpm/cataloger.js";
import { readFilesystem } from "../../../src/image/filesystem.js";
import { openImage } from "../../../src/image/open.js";
import type { OpenedImage } from "../../../src/image/source.js";

export const PKGDB = "pkgdb/knqyf263/go-rpmdb/pkg/testdata";

export async function catalogWithRpm(image: OpenedImage | string): Promise<CatalogResult> {
  const opened = typeof image === "string" ? await openImage(image) : image;
  try {
    const options = { catalogers: [rpmCataloger], osDetector: OS_DETECTOR };
    const fs = await readFilesystem(opened, { cache: null, requests: catalogRequests(options) });
    return await catalogFilesystem(fs, options);
  } finally {
    await opened.close();
  }
}

/** Fail loudly (not skip) when the oracle is missing: CI installs Debian's `rpm`. */
export function requireRpm(): void {
  try {
    execFileSync("rpm", ["--version"], { stdio: "pipe" });
  } catch {
    throw new Error("Debian's rpm is required for these tests: apt-get install -y rpm (.ci/run installs it)");
  }
}

export interface RpmQaRow {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string | null;
  sourceRpm: string | null;
  license: string | null;
  vendor: string | null;
  modularityLabel: string | null;
}

const QF =
  "%{NAME}\\t%{EPOCH}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\t%{SOURCERPM}\\t%{LICENSE}\\t%{VENDOR}\\t%{MODULARITYLABEL}\\n";

function rpmArgs(dbpath: string, backend: string | undefined, root: string | undefined): string[] {
  const args = backend ? ["--define", `_db_backend ${backend}`] : [];
  if (root) args.push("--root", root);
  args.push("--dbpath", dbpath);
  return args;
}

const none = (v: string | undefined) => (v === undefined || v === "(none)" ? null : v);

/** `rpm -qa --qf …` over a database directory (`backend` e.g. "bdb_ro" for Berkeley DB). */
export function rpmQa(dbpath: string, options: { backend?: string; root?: string } = {}): RpmQaRow[] {
  const out = execFileSync("rpm", [...rpmArgs(dbpath, options.backend, options.root), "-qa", "--qf", QF], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  return out
    .split("\n")
    .filter((l) => l !== "")
    .map((line) => {
      const [name, epoch, version, release, arch, sourceRpm, license, vendor, label] = line.split("\t");
      return {
        name: name!,
        epoch: none(epoch) === null ? null : Number(epoch),
        version: version!,
        release: release!,
        arch: none(arch),
        sourceRpm: none(sourceRpm),
        license: none(license),
        vendor: none(vendor),
        modularityLabel: none(label),
      };
    });
}

/** Every package's file list as `rpm -qa --qf '[%{FILENAMES}\n]'` prints it, keyed by NAME-VERSION-RELEASE.ARCH. */
export function rpmFiles(
  dbpath: string,
  options: { backend?: string; root?: string } = {},
): Map<string, string[]> {
  const qf = "@@%{NAME}-%{VERSION}-%{RELEASE}.%{ARCH}\\n[%{FILENAMES}\\n]";
  const out = execFileSync("rpm", [...rpmArgs(dbpath, options.backend, options.root), "-qa", "--qf", qf], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
  const files = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of out.split("\n")) {
    if (line.startsWith("@@")) {
      current = [];
      files.set(line.slice(2), current);
    } else if (line !== "" && current) current.push(line);
  }
  return files;
}
