/**
 * Member-name cleaning and tar header numbers: the fast path taken for ordinary names must give
 * exactly what the general cleaner gives for any name, and header fields read as tar(5) says.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseTarHeader, parseTarNumber } from "../../src/image/archive/tar-header.js";
import { cleanAnyMemberPath, cleanMemberPath, normalizeEntry } from "../../src/image/layer-entry.js";

const referenceClean = cleanAnyMemberPath;

describe("cleanMemberPath", () => {
  it("cleans ordinary and odd names as the reference does", () => {
    for (const name of [
      "usr/bin/x",
      "./usr/bin/x",
      "/usr/bin/x",
      "usr/share/",
      "./",
      ".",
      "",
      "/",
      "a//b",
      "a/./b",
      "a/../b",
      "../etc/passwd",
      "a/..",
      "a/.",
      "./a/b/",
      ".//a",
      "a\0b",
      "..a/b..",
      ".wh.x",
      "a/.../b",
    ]) {
      expect(cleanMemberPath(name), JSON.stringify(name)).toEqual(referenceClean(name));
    }
  });

  it("applies chroot semantics: .. at the root stays there, NUL ends the name", () => {
    expect(cleanMemberPath("../etc/passwd")).toEqual({ path: "/etc/passwd", escaped: true });
    expect(cleanMemberPath("./usr//bin/")).toEqual({ path: "/usr/bin", escaped: false });
    expect(cleanMemberPath("a/b/../../../c")).toEqual({ path: "/c", escaped: true });
    expect(cleanMemberPath("a\0/../../x")).toEqual({ path: "/a", escaped: false });
    expect(cleanMemberPath("./")).toEqual({ path: "/", escaped: false });
  });

  it("agrees with the reference on any name made of the characters that matter", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("/", ".", "a", "\0", "b"), maxLength: 24 }), (name) => {
        expect(cleanMemberPath(name)).toEqual(referenceClean(name));
      }),
      { numRuns: 5000 },
    );
  });

  it("normalizes whiteouts next to the root and deeper", () => {
    expect(normalizeEntry(raw(".wh.etc"))?.entry).toMatchObject({ kind: "whiteout", path: "/etc" });
    expect(normalizeEntry(raw("usr/.wh.lib"))?.entry).toMatchObject({ kind: "whiteout", path: "/usr/lib" });
    expect(normalizeEntry(raw("usr/.wh..wh..opq"))?.entry).toMatchObject({ kind: "opaque", path: "/usr" });
    expect(normalizeEntry(raw(".wh..wh..opq"))?.entry).toMatchObject({ kind: "opaque", path: "/" });
    expect(normalizeEntry(raw("usr/.wh..wh.plnk"))?.entry).toMatchObject({ kind: "other" });
  });
});

function raw(name: string) {
  return { name, typeflag: "0", mode: 0o644, uid: 0, gid: 0, size: 0, linkname: "", mtime: 0 };
}

/** A header block with a correct unsigned checksum; `edit` changes bytes before the sum is taken. */
function headerBlock(edit: (b: Buffer) => void): Buffer {
  const b = Buffer.alloc(512);
  b.write("file.txt", 0, "latin1");
  b.write("0000644\0", 100, "latin1");
  b.write("0000000\0", 108, "latin1");
  b.write("0000000\0", 116, "latin1");
  b.write("00000000012\0", 124, "latin1");
  b.write("14000000000\0", 136, "latin1");
  b[156] = 0x30;
  b.write("ustar\x0000", 257, "latin1");
  edit(b);
  let sum = 8 * 0x20;
  for (let i = 0; i < 512; i++) if (i < 148 || i >= 156) sum += b[i]!;
  b.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
  return b;
}

describe("tar header numbers", () => {
  it("reads octal, padded and base-256 numbers, and refuses the rest", () => {
    expect(parseTarNumber(Buffer.from("0000644\0"), "mode")).toBe(0o644);
    expect(parseTarNumber(Buffer.from("  644 \0\0"), "mode")).toBe(0o644);
    expect(parseTarNumber(Buffer.from("\0\0\0\0\0\0\0\0"), "mode")).toBe(0);
    expect(parseTarNumber(Buffer.from([0x80, 0, 0, 0, 0, 0, 1, 0]), "size")).toBe(256);
    expect(() => parseTarNumber(Buffer.from([0xff, 0, 0, 0]), "size")).toThrow(/negative/);
    expect(() =>
      parseTarNumber(Buffer.from([0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), "size"),
    ).toThrow(/too large/);
    expect(() => parseTarNumber(Buffer.from("12x4"), "size")).toThrow(/not an octal number/);
  });

  it("a header's fields, its ustar prefix, and a garbled mode read as 0", () => {
    const h = parseTarHeader(
      headerBlock(() => undefined),
      0,
    )!;
    expect(h).toMatchObject({
      name: "file.txt",
      size: 10,
      mode: 0o644,
      typeflag: "0",
      linkname: "",
      mtime: 0o14000000000,
    });
    const prefixed = parseTarHeader(
      headerBlock((b) => b.write("usr/share", 345, "latin1")),
      0,
    )!;
    expect(prefixed.name).toBe("usr/share/file.txt");
    const gnu = parseTarHeader(
      headerBlock((b) => b.write("ustar  \0", 257, "latin1") && b.write("usr/share", 345, "latin1")),
      0,
    )!;
    expect(gnu.name).toBe("file.txt");
    expect(
      parseTarHeader(
        headerBlock((b) => b.write("zz", 100, "latin1")),
        0,
      )!.mode,
    ).toBe(0);
  });

  it("accepts a signed checksum, refuses a wrong one", () => {
    const high = headerBlock((b) => b.write("\xe9t\xe9", 0, "latin1"));
    expect(parseTarHeader(high, 0)).not.toBeNull();
    let signed = 8 * 0x20;
    for (let i = 0; i < 512; i++)
      if (i < 148 || i >= 156) signed += high[i]! > 127 ? high[i]! - 256 : high[i]!;
    high.write(`${signed.toString(8).padStart(6, "0")}\0 `, 148, "latin1");
    expect(parseTarHeader(high, 0)).not.toBeNull();
    high.write("000001\0 ", 148, "latin1");
    expect(() => parseTarHeader(high, 512)).toThrow(/checksum mismatch/);
  });
});
