/**
 * Fuzzing the parsers an image passes through: the layer reader (tar + gzip over mutated real and
 * generated tars), the squashed tree (arbitrary member sequences with hostile paths and links), and the
 * manifest/index/config parsers (mutated real documents). Only ShipshapeError / PathError may escape,
 * and nothing may hang.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ShipshapeError } from "../../src/errors.js";
import type { EntryKind, LayerEntry } from "../../src/image/layer-entry.js";
import { readBlobLayer } from "../../src/image/layer-reader.js";
import { withLimits } from "../../src/image/limits.js";
import { parseImageConfig, parseManifestDocument } from "../../src/image/manifest.js";
import { PathError, SquashedTree } from "../../src/image/squash.js";
import { TarReader } from "../../src/image/tar-reader.js";
import { bufferLayer, makeTar } from "../helpers/layers.js";
import { fixturePath } from "../helpers/shared.js";

const limits = withLimits({ maxFileBytes: 1024 * 1024, maxLayerBytes: 8 * 1024 * 1024 });

async function readMaybe(bytes: Buffer): Promise<"ok" | "refused"> {
  try {
    const r = await readBlobLayer(bufferLayer(bytes, 0), {
      limits,
      capture: () => ({ cap: 4096, keep: true, analyzers: [] }),
    });
    const tree = new SquashedTree();
    tree.applyLayer(0, r.entries);
    tree.summary();
    return "ok";
  } catch (err) {
    if (err instanceof ShipshapeError) return "refused";
    throw err;
  }
}

/** A byte-level mutation: flip, overwrite, truncate or splice. */
const mutation = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("splice" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 600 }) }),
);

function mutate(
  base: Buffer,
  ms: { kind: string; at: number; value?: number; bytes?: Uint8Array }[],
): Buffer {
  let b = Buffer.from(base);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === "flip") b[at] = m.value!;
    else if (m.kind === "truncate") b = b.subarray(0, at);
    else b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes!), b.subarray(at)]);
  }
  return b;
}

describe("layer reader fuzz", () => {
  const seeds: Promise<Buffer[]> = (async () => [
    await makeTar([
      { name: "etc/os-release", content: "ID=debian\n" },
      { name: "bin", type: "symlink", linkname: "usr/bin" },
      { name: `deep/${"x".repeat(150)}/file`, content: "long name via pax/gnu" },
      { name: "etc/link", type: "link", linkname: "etc/os-release" },
      { name: "etc/.wh.gone", content: "" },
      { name: "opt/.wh..wh..opq", content: "" },
    ]),
    readFileSync(fixturePath("hostile-real", "edge", "paxsize-layer.tar")),
    readFileSync(fixturePath("hostile-real", "edge", "concat-layer.tar")),
    readFileSync(fixturePath("hostile-real", "edge", "bad-name-layer.tar")),
  ])();

  it("mutated plain tars are read or refused with a ShipshapeError", async () => {
    const bases = await seeds;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bases.length - 1 }),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        async (i, ms) => {
          expect(["ok", "refused"]).toContain(await readMaybe(mutate(bases[i]!, ms)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("mutated gzip streams (and gzip of mutated tars) are read or refused", async () => {
    const bases = await seeds;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: bases.length - 1 }),
        fc.boolean(),
        fc.array(mutation, { minLength: 1, maxLength: 3 }),
        async (i, mutateCompressed, ms) => {
          const bytes = mutateCompressed ? mutate(gzipSync(bases[i]!), ms) : gzipSync(mutate(bases[i]!, ms));
          expect(["ok", "refused"]).toContain(await readMaybe(bytes));
        },
      ),
      { numRuns: 200 },
    );
  });

  it("arbitrary bytes are refused or read, never thrown raw", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), async (bytes) => {
        expect(["ok", "refused"]).toContain(await readMaybe(Buffer.from(bytes)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("tar reader", () => {
  /** Feed chunks; collect every member (name, size, kept bytes) and whether data followed the end. */
  async function read(chunks: Buffer[]) {
    const members: { name: string; size: number; bytes?: string }[] = [];
    const reader = new TarReader({
      member(m) {
        members.push({ name: m.name, size: m.size });
        return m.typeflag === "0";
      },
      data(bytes) {
        members[members.length - 1]!.bytes = bytes.toString("base64");
      },
    });
    await new Promise<void>((resolve, reject) => {
      reader.on("finish", resolve);
      reader.on("error", reject);
      for (const c of chunks) reader.write(c);
      reader.end();
    });
    return { members, trailing: reader.trailingData, count: reader.members };
  }

  it("reads the same members however the stream is cut into chunks, and stops at end-of-archive", async () => {
    const first = await makeTar([
      { name: `${"p".repeat(130)}/f`, content: Buffer.alloc(1500, 1) },
      { name: "l", type: "symlink", linkname: "f" },
      { name: "d/", type: "directory" },
      { name: "z", content: "" },
    ]);
    const tail = await makeTar([{ name: "after", content: "x" }]);
    const whole = Buffer.concat([first, tail]);
    const reference = await read([whole]);
    expect(reference.trailing).toBe(true);
    expect(reference.members.map((m) => m.name)).toEqual([`${"p".repeat(130)}/f`, "l", "d/", "z"]);
    expect(reference.count).toBe(4);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat({ max: whole.length }), { maxLength: 12 }), async (cuts) => {
        const points = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: Buffer[] = [];
        let last = 0;
        for (const p of [...points, whole.length]) {
          if (p > last) chunks.push(whole.subarray(last, p));
          last = p;
        }
        expect(await read(chunks)).toEqual(reference);
      }),
      { numRuns: 200 },
    );
  });

  it("agrees with tar-stream, an independent reader, on real layers", async () => {
    const tarStream = await import("tar-stream");
    for (const file of [
      "paxsize-layer.tar",
      "broken-headers-layer.tar",
      "bad-name-layer.tar",
      "abs-paths-bad-elf-layer.tar",
    ]) {
      const bytes = readFileSync(fixturePath("hostile-real", "edge", file));
      const ours = (await read([bytes])).members.map((m) => [m.name, m.size]);
      const theirs: [string, number][] = [];
      const extract = tarStream.extract({ allowUnknownFormat: true } as Parameters<
        typeof tarStream.extract
      >[0]);
      await new Promise<void>((resolve, reject) => {
        extract.on("entry", (h, stream, next) => {
          theirs.push([h.name, h.type === "file" || h.type === "contiguous-file" ? (h.size ?? 0) : 0]);
          stream.on("end", next);
          stream.resume();
        });
        extract.on("finish", resolve);
        extract.on("error", reject);
        extract.end(bytes);
      });
      expect({ file, members: ours }).toEqual({ file, members: theirs });
    }
  });
});

describe("squashed tree fuzz", () => {
  const segment = fc.constantFrom("a", "b", "c", "..", ".", "", "etc", "tmp", ".wh.a", ".wh..wh..opq");
  const path = fc.array(segment, { minLength: 1, maxLength: 5 }).map((parts) => parts.join("/"));
  const kind = fc.constantFrom<EntryKind>("file", "dir", "symlink", "hardlink", "whiteout", "opaque", "fifo");
  const entry = fc.record({ path, kind, link: path, absolute: fc.boolean() }).map(
    ({ path, kind, link, absolute }): LayerEntry => ({
      path: `/${path}`.replace(/\/+/g, "/"),
      kind,
      mode: 0o644,
      uid: 0,
      gid: 0,
      size: kind === "file" ? 1 : 0,
      mtime: 0,
      ...(kind === "symlink"
        ? { link: absolute ? `/${link}` : link }
        : kind === "hardlink"
          ? { link: `/${link}` }
          : {}),
    }),
  );

  it("any member sequence applies, walks finitely, and resolves or fails with PathError", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(entry, { maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        path,
        (layers, probe) => {
          const tree = new SquashedTree();
          for (const [i, entries] of layers.entries()) tree.applyLayer(i, entries);
          const seen = [...tree.walk()];
          expect(seen.length).toBeLessThan(1000);
          for (const p of [`/${probe}`, ...seen.map(([p]) => p)]) {
            try {
              const r = tree.resolve(p, true);
              expect(r.path.startsWith("/")).toBe(true);
              expect(r.path.split("/")).not.toContain("..");
            } catch (err) {
              expect(err).toBeInstanceOf(PathError);
            }
          }
          tree.summary();
        },
      ),
      { numRuns: 500 },
    );
  });

  // A tiny alphabet, so that directories are often replaced under paths the cache remembers.
  const smallPath = fc
    .array(fc.constantFrom("a", "b"), { minLength: 1, maxLength: 3 })
    .map((p) => `/${p.join("/")}`);
  const smallEntry = fc
    .record({
      path: smallPath,
      kind: fc.constantFrom<EntryKind>("file", "dir", "symlink", "whiteout"),
      link: smallPath,
    })
    .map(
      ({ path, kind, link }): LayerEntry => ({
        path,
        kind,
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: 0,
        mtime: 0,
        ...(kind === "symlink" ? { link } : {}),
      }),
    );

  it("the parent cache never changes the result", () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.oneof(smallEntry, smallEntry, smallEntry, entry), { maxLength: 10 }), {
          minLength: 1,
          maxLength: 4,
        }),
        (layers) => {
          const cached = new SquashedTree();
          const uncached = new SquashedTree({ parentCache: false });
          for (const [i, entries] of layers.entries()) {
            cached.applyLayer(i, entries);
            uncached.applyLayer(i, entries);
          }
          const shape = (t: SquashedTree) =>
            [...t.walk()].map(([p, n]) => `${p} ${n.kind} ${n.layer} ${n.link ?? ""}`);
          expect(shape(cached)).toEqual(shape(uncached));
          expect(cached.warnings).toEqual(uncached.warnings);
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("squash summary", () => {
  /** The summary as walk() lists the tree: the definition summary() must keep to. */
  function referenceSummary(tree: SquashedTree, rootListed: boolean) {
    const s = {
      regularFiles: 0,
      regularFilesExcludingHardlinks: 0,
      hardlinks: 0,
      symlinks: 0,
      directories: rootListed ? 1 : 0,
      devices: 0,
      fifos: 0,
      regularBytes: 0,
      setuid: [] as string[],
      setgid: [] as string[],
      worldWritableFiles: [] as string[],
    };
    for (const [path, node] of tree.walk()) {
      if (node.kind === "file") {
        s.regularFiles++;
        if (node.hardlinkOf !== undefined) s.hardlinks++;
        else {
          s.regularFilesExcludingHardlinks++;
          s.regularBytes += node.size;
        }
        if (node.mode & 0o4000) s.setuid.push(path);
        if (node.mode & 0o2000) s.setgid.push(path);
        if (node.mode & 0o002) s.worldWritableFiles.push(path);
      } else if (node.kind === "dir") s.directories++;
      else if (node.kind === "symlink") s.symlinks++;
      else if (node.kind === "char" || node.kind === "block") s.devices++;
      else if (node.kind === "fifo") s.fifos++;
    }
    return s;
  }

  const name = fc.constantFrom("a", "a-b", "a.b", "B", "b", "é", "z");
  const path = fc.array(name, { minLength: 1, maxLength: 4 }).map((p) => `/${p.join("/")}`);
  const member = fc
    .record({
      path,
      kind: fc.constantFrom<EntryKind>(
        "file",
        "file",
        "dir",
        "symlink",
        "hardlink",
        "fifo",
        "char",
        "whiteout",
      ),
      mode: fc.constantFrom(0o644, 0o4755, 0o2755, 0o6777, 0o666, 0o1777),
      size: fc.nat({ max: 1000 }),
      link: path,
    })
    .map(
      ({ path, kind, mode, size, link }): LayerEntry => ({
        path,
        kind,
        mode,
        uid: 0,
        gid: 0,
        size: kind === "file" ? size : 0,
        mtime: 0,
        ...(kind === "symlink" || kind === "hardlink" ? { link } : {}),
      }),
    );

  it("counts and lists flagged files exactly as a walk of the tree does, in walk order", () => {
    fc.assert(
      fc.property(fc.array(fc.array(member, { maxLength: 25 }), { minLength: 1, maxLength: 3 }), (layers) => {
        const tree = new SquashedTree();
        for (const [i, entries] of layers.entries()) tree.applyLayer(i, entries);
        expect(tree.summary()).toEqual(referenceSummary(tree, false));
      }),
      { numRuns: 2000 },
    );
  });
});

describe("manifest and config parser fuzz", () => {
  const expected = fixturePath("expected");
  const docs = [
    JSON.stringify(JSON.parse(readFileSync(join(expected, "multiarch.image.json"), "utf8")).topIndex),
    JSON.stringify(
      JSON.parse(readFileSync(join(expected, "multiarch.image.json"), "utf8")).nestedIndex.content,
    ),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: {
        mediaType: "application/vnd.oci.image.config.v1+json",
        digest: `sha256:${"a".repeat(64)}`,
        size: 1,
      },
      layers: [
        {
          mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
          digest: `sha256:${"b".repeat(64)}`,
          size: 2,
        },
      ],
    }),
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Env: ["A=1"], Cmd: null, Labels: { a: "b" }, ExposedPorts: { "80/tcp": {} } },
      rootfs: { type: "layers", diff_ids: [`sha256:${"c".repeat(64)}`] },
      history: [{ created_by: "x", empty_layer: true }],
    }),
  ];

  const parseEither = (bytes: Uint8Array) => {
    for (const parse of [
      () => parseManifestDocument(bytes, "fuzzed manifest"),
      () => parseImageConfig(bytes, "fuzzed config"),
    ]) {
      try {
        parse();
      } catch (err) {
        if (!(err instanceof ShipshapeError)) throw err;
        expect(err.message).not.toContain("\n");
      }
    }
  };

  it("mutated real documents parse or fail with a one-line ShipshapeError", () => {
    fc.assert(
      fc.property(fc.nat({ max: docs.length - 1 }), fc.array(mutation, { maxLength: 3 }), (i, ms) => {
        parseEither(mutate(Buffer.from(docs[i]!), ms));
      }),
      { numRuns: 500 },
    );
  });

  it("arbitrary JSON values parse or fail with a ShipshapeError", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        parseEither(Buffer.from(JSON.stringify(value) ?? "null"));
      }),
      { numRuns: 500 },
    );
  });
});
