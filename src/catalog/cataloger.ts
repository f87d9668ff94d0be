/**
 * The shape every cataloger has: which files it needs (a FileRequest, so only those bytes are kept
 * while the layers stream), and a pure-ish function from those files to packages. Parsers live in
 * their own files as pure functions over bytes; a cataloger only wires a parser to the filesystem.
 */

import type { FileRequest } from "../image/file-request.js";
import type { ImageFilesystem } from "../image/filesystem.js";
import type { OsInfo } from "./os.js";
import type { Package } from "./package.js";

export interface CatalogContext {
  fs: ImageFilesystem;
  os: OsInfo | null;
  /** Regular files (squashed view) this cataloger's request matched, in name order. */
  files: string[];
  /** Bytes of a file (symlinks followed inside the root). */
  read(path: string): Promise<Buffer>;
  /** The layer that last wrote `path`, when known. */
  layerOf(path: string): number | undefined;
  /** Something odd but survivable (reported with the result). */
  warn(message: string): void;
  /** A database or file that could not be read fully: its packages may be missing. */
  incomplete(path: string, reason: string): void;
}

export interface Cataloger {
  id: string;
  /** Bump when the parser's output can change: part of the layer-cache key. */
  version: string;
  request: Omit<FileRequest, "id" | "version">;
  catalog(ctx: CatalogContext): Promise<Package[]>;
}

/** The FileRequest a cataloger registers. */
export function requestOf(c: Cataloger): FileRequest {
  return { ...c.request, id: c.id, version: c.version };
}
