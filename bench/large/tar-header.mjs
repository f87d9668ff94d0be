/** POSIX ustar headers for the generated layers and the outer archive (paths up to 255 bytes). */

const BLOCK = 512;
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

function writeOctal(header, offset, length, value) {
  header.write(`${value.toString(8).padStart(length - 1, "0")}\0`, offset, length, "latin1");
}

function splitPath(path) {
  if (Buffer.byteLength(path) <= 100) return { name: path, prefix: "" };
  const cut = path.lastIndexOf("/", 155);
  if (cut <= 0 || Buffer.byteLength(path.slice(cut + 1)) > 100) {
    throw new Error(`path too long for a ustar header: ${path}`);
  }
  return { name: path.slice(cut + 1), prefix: path.slice(0, cut) };
}

const TYPES = { file: "0", symlink: "2", directory: "5" };

/**
 * @param {{ path: string, type: "file" | "symlink" | "directory", size?: number, mode: number,
 *   mtime: number, linkname?: string }} entry
 */
export function tarHeader(entry) {
  const header = Buffer.alloc(BLOCK);
  const { name, prefix } = splitPath(entry.path);
  header.write(name, 0, 100, "utf8");
  writeOctal(header, 100, 8, entry.mode);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  writeOctal(header, 124, 12, entry.type === "file" ? (entry.size ?? 0) : 0);
  writeOctal(header, 136, 12, entry.mtime);
  header.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  header.write(TYPES[entry.type], 156, 1, "latin1");
  if (entry.linkname) header.write(entry.linkname, 157, 100, "utf8");
  header.write("ustar\0", 257, 6, "latin1");
  header.write("00", 263, 2, "latin1");
  header.write("root", 265, 32, "latin1");
  header.write("root", 297, 32, "latin1");
  header.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, 8, "latin1");
  return header;
}

/** Zero bytes that pad a member of `size` bytes to a whole block. */
export function tarPadding(size) {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}
