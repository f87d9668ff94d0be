/**
 * CBL-Mariner / Azure Linux distroless images carry no rpm database, only
 * `/var/lib/rpmmanifest/container-manifest-2`: one line per package, the output of
 * `rpm -qa --qf "%{NAME}\t%{VERSION}-%{RELEASE}\t%{INSTALLTIME}\t%{BUILDTIME}\t%{VENDOR}\t%{EPOCH}\t%{SIZE}\t%{ARCH}\t%{EPOCHNUM}\t%{SOURCERPM}\n"`
 * (Mariner toolkit docs; Syft reads the same file). It has no file lists.
 */
import { HeaderCollector, type RpmDatabaseResult, type RpmPackageRecord } from "./records.js";

const FIELDS = 10;

export function parseMarinerManifest(bytes: Uint8Array): RpmDatabaseResult {
  // The collector only gathers problems here: the manifest holds no header blobs.
  const collector = new HeaderCollector("manifest", 0);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line.trim() === "") continue;
    const record = parseLine(line);
    if (typeof record === "string") collector.problem(`line ${i + 1}: ${record}`);
    else collector.packages.push(record);
  }
  return collector.result();
}

/** One manifest line as a package record, or why it is not one. */
function parseLine(line: string): RpmPackageRecord | string {
  const f = line.split("\t");
  if (f.length < FIELDS) return `${f.length} tab-separated fields, expected ${FIELDS}`;
  const [name, versionRelease, , , vendor, epochText, , arch, , sourceRpm] = f as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const dash = versionRelease.lastIndexOf("-");
  if (name === "" || dash <= 0 || dash === versionRelease.length - 1) {
    return `"${versionRelease}" is not VERSION-RELEASE`;
  }
  let epoch: number | null = null;
  if (epochText !== "(none)" && epochText !== "") {
    if (!/^\d{1,10}$/.test(epochText) || Number(epochText) > 0xffffffff)
      return `epoch "${epochText}" is not a number`;
    epoch = Number(epochText);
  }
  return {
    name,
    version: versionRelease.slice(0, dash),
    release: versionRelease.slice(dash + 1),
    epoch,
    arch: noneToNull(arch),
    sourceRpm: noneToNull(sourceRpm),
    license: null,
    vendor: noneToNull(vendor),
    modularityLabel: null,
    files: [],
  };
}

function noneToNull(value: string): string | null {
  return value === "" || value === "(none)" ? null : value;
}
