/**
 * Debian's real rpm as the oracle for the SQLite backend: build small packages with `rpmbuild -bb`
 * from generated spec files (an epoch, an explicit epoch 0, noarch, a modularity label, a licence
 * expression, nested directories, many files, a UTF-8 file name, no files at all), install them into
 * a temporary root with `rpm --root R --dbpath /var/lib/rpm -i --nodeps`, and compare our parse of
 * that rpmdb.sqlite — directly and through the cataloger on `dir:R` — with `rpm -qa --qf` and the
 * file lists rpm prints. Then a write-ahead log that was never checkpointed: rpm (via SQLite) and we
 * must both see its committed changes.
 */
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRpmSqlite } from "../../../src/catalog/rpm/sqlite.js";
import { summarizeWal } from "../../../src/catalog/rpm/sqlite-wal.js";
import { bufferLayer, makeTar, syntheticImage } from "../../helpers/layers.js";
import { catalogWithRpm, requireRpm, rpmFiles, rpmQa } from "./helpers.js";

interface SpecOptions {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  noarch?: boolean;
  license: string;
  vendor?: string;
  /** Shell lines for %install (paths under %{buildroot}). */
  install: string[];
  /** %files lines. */
  files: string[];
}

function spec(o: SpecOptions): string {
  return [
    `Name: ${o.name}`,
    `Version: ${o.version}`,
    `Release: ${o.release}`,
    o.epoch === undefined ? "" : `Epoch: ${o.epoch}`,
    "Summary: shipshape rpm cataloger test package",
    `License: ${o.license}`,
    o.vendor ? `Vendor: ${o.vendor}` : "",
    o.noarch ? "BuildArch: noarch" : "",
    "%description",
    "A package built by the shipshape test suite.",
    "%install",
    ...o.install,
    "%files",
    ...o.files,
    "",
  ].join("\n");
}

const SPECS: SpecOptions[] = [
  {
    name: "shiptest-epoch",
    version: "1.2.3",
    release: "4.fc99",
    epoch: 7,
    license: "GPL-2.0-or-later",
    install: [
      "mkdir -p %{buildroot}/usr/share/shiptest/sub/deeper %{buildroot}/etc",
      "echo a > %{buildroot}/usr/share/shiptest/sub/a.txt",
      "echo b > %{buildroot}/usr/share/shiptest/sub/deeper/b.txt",
      "echo u > '%{buildroot}/usr/share/shiptest/ünï côde.txt'",
      "echo cfg > %{buildroot}/etc/shiptest.conf",
    ],
    files: [
      "%dir /usr/share/shiptest",
      "/usr/share/shiptest/sub",
      "/usr/share/shiptest/ünï*",
      "%config /etc/shiptest.conf",
    ],
  },
  {
    name: "shiptest-noarch",
    version: "20240101",
    release: "1",
    noarch: true,
    license: "MIT AND (Apache-2.0 OR BSD-3-Clause)",
    vendor: "Shipshape Test Vendor <test@example.invalid>",
    install: [
      "mkdir -p %{buildroot}/usr/lib/shiptest-noarch",
      "echo x > %{buildroot}/usr/lib/shiptest-noarch/x",
    ],
    files: ["/usr/lib/shiptest-noarch"],
  },
  {
    name: "shiptest-epoch0",
    version: "0.1",
    release: "0.rc1.el9",
    epoch: 0,
    license: "BSD-3-Clause",
    install: [
      "for d in $(seq 1 30); do mkdir -p %{buildroot}/opt/shiptest/d$d; for f in $(seq 1 12); do echo $f > %{buildroot}/opt/shiptest/d$d/f$f; done; done",
    ],
    files: ["/opt/shiptest"],
  },
  {
    name: "shiptest-empty",
    version: "1",
    release: "1",
    noarch: true,
    license: "Unlicense",
    install: [],
    files: [],
  },
];

/** Built with a modularity label macro, as RHEL module builds set it. */
const MODULAR: SpecOptions = {
  name: "shiptest-modular",
  version: "18.17.1",
  release: "1.module+el8.8.0+19757+8ae6ed48",
  noarch: true,
  license: "MIT",
  install: [
    "mkdir -p %{buildroot}/usr/share/shiptest-modular",
    "echo m > %{buildroot}/usr/share/shiptest-modular/m",
  ],
  files: ["/usr/share/shiptest-modular"],
};
const MODULARITY_LABEL = "nodejs:18:8080020230725212416:rhel8";

/** A package installed only into a second database, to move through a write-ahead log. */
const WAL_SPEC: SpecOptions = {
  name: "shiptest-wal",
  version: "2.0",
  release: "3",
  epoch: 1,
  noarch: true,
  license: "ISC",
  install: ["mkdir -p %{buildroot}/usr/share/shiptest-wal", "echo w > %{buildroot}/usr/share/shiptest-wal/w"],
  files: ["/usr/share/shiptest-wal"],
};

let work: string;
let root: string;
let walRoot: string;
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });

function build(specs: SpecOptions[], defines: string[] = []): string[] {
  const top = join(work, "top");
  for (const s of specs) writeFileSync(join(work, `${s.name}.spec`), spec(s));
  run("rpmbuild", [
    "-bb",
    "--define",
    `_topdir ${top}`,
    "--define",
    "debug_package %{nil}",
    "--define",
    "__os_install_post %{nil}",
    "--define",
    "_build_id_links none",
    ...defines.flatMap((d) => ["--define", d]),
    ...specs.map((s) => join(work, `${s.name}.spec`)),
  ]);
  const rpms: string[] = [];
  for (const arch of readdirSync(join(top, "RPMS"))) {
    for (const f of readdirSync(join(top, "RPMS", arch))) {
      if (specs.some((s) => f.startsWith(`${s.name}-${s.version}-`))) rpms.push(join(top, "RPMS", arch, f));
    }
  }
  expect(rpms).toHaveLength(specs.length);
  return rpms;
}

function install(target: string, rpms: string[]): void {
  run("rpm", ["--root", target, "--dbpath", "/var/lib/rpm", "--initdb"]);
  run("rpm", ["--root", target, "--dbpath", "/var/lib/rpm", "-i", "--nodeps", ...rpms]);
}

beforeAll(() => {
  requireRpm();
  work = mkdtempSync(join(tmpdir(), "shipshape-rpmbuild-"));
  root = join(work, "root");
  walRoot = join(work, "wal-root");
  const plain = build(SPECS);
  const modular = build([MODULAR], [`modularitylabel ${MODULARITY_LABEL}`]);
  install(root, [...plain, ...modular]);
  mkdirSync(join(root, "etc"), { recursive: true });
  writeFileSync(join(root, "etc", "os-release"), 'ID=fedora\nVERSION_ID=99\nPRETTY_NAME="Fedora 99"\n');
  install(walRoot, build([WAL_SPEC]));
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const fields = (p: {
  name: string;
  epoch: number | null;
  version: string;
  release: string;
  arch: string | null;
  sourceRpm: string | null;
  license: string | null;
  vendor: string | null;
  modularityLabel: string | null;
}) => ({
  name: p.name,
  epoch: p.epoch,
  version: p.version,
  release: p.release,
  arch: p.arch,
  sourceRpm: p.sourceRpm,
  license: p.license,
  vendor: p.vendor,
  modularityLabel: p.modularityLabel,
});
const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

describe("rpmdb.sqlite written by rpm 4.18", () => {
  it("parses to exactly what rpm -qa prints, field by field", () => {
    const dbpath = "/var/lib/rpm";
    const expected = rpmQa(dbpath, { root });
    expect(expected).toHaveLength(SPECS.length + 1);
    const result = parseRpmSqlite(readFileSync(join(root, "var/lib/rpm/rpmdb.sqlite")));
    expect(result.problems).toEqual([]);
    expect(result.packages.map(fields).sort(byName)).toEqual(expected.sort(byName));
    // The cases the specs were written for, as rpm reports them.
    const get = (n: string) => expected.find((p) => p.name === n)!;
    expect([get("shiptest-epoch").epoch, get("shiptest-epoch0").epoch, get("shiptest-noarch").epoch]).toEqual(
      [7, 0, null],
    );
    expect(get("shiptest-noarch").arch).toBe("noarch");
    expect(get("shiptest-modular").modularityLabel).toBe(MODULARITY_LABEL);
  });

  it("file lists equal rpm's, directories and UTF-8 names included", () => {
    const files = rpmFiles("/var/lib/rpm", { root });
    const result = parseRpmSqlite(readFileSync(join(root, "var/lib/rpm/rpmdb.sqlite")));
    for (const p of result.packages) {
      expect(p.files, p.name).toEqual(files.get(`${p.name}-${p.version}-${p.release}.${p.arch}`) ?? []);
    }
    const epoch = result.packages.find((p) => p.name === "shiptest-epoch")!;
    expect(epoch.files).toContain("/usr/share/shiptest/ünï côde.txt");
    expect(epoch.files).toContain("/usr/share/shiptest/sub/deeper");
    expect(result.packages.find((p) => p.name === "shiptest-epoch0")!.files).toHaveLength(1 + 30 + 30 * 12);
    expect(result.packages.find((p) => p.name === "shiptest-empty")!.files).toEqual([]);
  });

  it("the cataloger on dir:ROOT reports the same packages with purls, licences and file ownership", async () => {
    const expected = rpmQa("/var/lib/rpm", { root });
    const result = await catalogWithRpm(`dir:${root}`);
    expect(result.incomplete).toEqual([]);
    expect(result.os?.id).toBe("fedora");
    const actual = result.packages.map((p) => ({
      name: p.name,
      version: p.version,
      epoch: p.epoch,
      arch: p.arch,
      licenses: p.licenses,
    }));
    expect(actual.sort(byName)).toEqual(
      expected
        .map((e) => ({
          name: e.name,
          version: `${e.version}-${e.release}`,
          epoch: e.epoch,
          arch: e.arch ?? undefined,
          licenses: e.license ? [e.license] : undefined,
        }))
        .sort(byName),
    );
    const noarch = result.packages.find((p) => p.name === "shiptest-noarch")!;
    expect(noarch.purl).toBe(
      "pkg:rpm/fedora/shiptest-noarch@20240101-1?arch=noarch&distro=fedora-99&upstream=shiptest-noarch-20240101-1.src.rpm",
    );
    expect(result.packages.find((p) => p.name === "shiptest-epoch0")!.purl).toContain("epoch=0");
    expect(noarch.files).toContain("/usr/lib/shiptest-noarch/x");
    expect(noarch.metadata?.vendor).toBe("Shipshape Test Vendor <test@example.invalid>");
  });
});

describe("a write-ahead log left uncheckpointed", () => {
  /** Copy a database and its log while a writer still holds them open: what a layer may capture. */
  function captureWithOpenWriter(): { dir: string; db: Buffer; wal: Buffer; removed: string } {
    const writerDir = join(work, "writer");
    mkdirSync(writerDir, { recursive: true });
    copyFileSync(join(root, "var/lib/rpm/rpmdb.sqlite"), join(writerDir, "rpmdb.sqlite"));
    const captured = join(work, "captured");
    mkdirSync(captured, { recursive: true });
    const Sqlite = createRequire(import.meta.url)("better-sqlite3") as new (
      path: string,
    ) => {
      pragma(s: string): unknown;
      prepare(s: string): {
        get(...a: unknown[]): unknown;
        all(...a: unknown[]): unknown[];
        run(...a: unknown[]): unknown;
      };
      close(): void;
    };
    const walSource = new Sqlite(join(walRoot, "var/lib/rpm/rpmdb.sqlite"));
    const walBlob = (walSource.prepare("SELECT blob FROM Packages").get() as { blob: Buffer }).blob;
    walSource.close();
    const writer = new Sqlite(join(writerDir, "rpmdb.sqlite"));
    try {
      writer.pragma("journal_mode = WAL");
      writer.pragma("wal_autocheckpoint = 0");
      const victim = writer.prepare("SELECT hnum FROM Name WHERE key = 'shiptest-empty'").get() as {
        hnum: number;
      };
      // Remove the package as rpm would: its index rows first, then its header.
      const tables = writer
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%hnum INTEGER NOT NULL%'")
        .all() as { name: string }[];
      for (const t of tables) writer.prepare(`DELETE FROM '${t.name}' WHERE hnum = ?`).run(victim.hnum);
      writer.prepare("DELETE FROM Packages WHERE hnum = ?").run(victim.hnum);
      writer.prepare("INSERT INTO Packages (blob) VALUES (?)").run(walBlob);
      copyFileSync(join(writerDir, "rpmdb.sqlite"), join(captured, "rpmdb.sqlite"));
      copyFileSync(join(writerDir, "rpmdb.sqlite-wal"), join(captured, "rpmdb.sqlite-wal"));
    } finally {
      writer.close();
    }
    return {
      dir: captured,
      db: readFileSync(join(captured, "rpmdb.sqlite")),
      wal: readFileSync(join(captured, "rpmdb.sqlite-wal")),
      removed: "shiptest-empty",
    };
  }

  it("is applied: the result equals what rpm (through SQLite's own recovery) prints", async () => {
    const { dir, db, wal, removed } = captureWithOpenWriter();
    expect(summarizeWal(wal)?.frames).toBeGreaterThan(0);
    const before = parseRpmSqlite(db);
    expect(before.packages.map((p) => p.name)).toContain(removed);

    const applied = parseRpmSqlite(db, wal);
    expect(applied.problems).toEqual([]);
    // Debian's rpm opens a copy of the captured pair (SQLite replays the log).
    const oracleDir = join(work, "oracle");
    mkdirSync(oracleDir, { recursive: true });
    copyFileSync(join(dir, "rpmdb.sqlite"), join(oracleDir, "rpmdb.sqlite"));
    copyFileSync(join(dir, "rpmdb.sqlite-wal"), join(oracleDir, "rpmdb.sqlite-wal"));
    const expected = rpmQa(oracleDir);
    expect(expected.map((p) => p.name)).toContain("shiptest-wal");
    expect(expected.map((p) => p.name)).not.toContain(removed);
    expect(applied.packages.map(fields).sort(byName)).toEqual(expected.sort(byName));

    // Through the cataloger: the layer holds both files; the database is re-read with its log.
    const layer = await makeTar([
      { name: "var/lib/rpm/rpmdb.sqlite", content: db },
      { name: "var/lib/rpm/rpmdb.sqlite-wal", content: wal },
    ]);
    const result = await catalogWithRpm(syntheticImage([bufferLayer(layer, 0)]));
    expect(result.incomplete).toEqual([]);
    expect(result.packages.map((p) => p.name).sort()).toEqual(expected.map((p) => p.name).sort());
  });

  it("an empty or foreign log changes nothing", () => {
    const db = readFileSync(join(root, "var/lib/rpm/rpmdb.sqlite"));
    const plain = parseRpmSqlite(db);
    expect(parseRpmSqlite(db, Buffer.alloc(0))).toEqual(plain);
    expect(parseRpmSqlite(db, Buffer.from("not a write-ahead log at all, just some bytes"))).toEqual(plain);
  });
});
