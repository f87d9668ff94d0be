/**
 * shipshape's one native addon (native/isal-inflate/isal_inflate.c): gzip inflate on Intel's ISA-L
 * (isal-gunzip.ts drives it as a stream), and freeing a large buffer at once. Optional: built by
 * `npm run build` (scripts/build-native.mjs) when libisal-dev is installed; without it, or with
 * SHIPSHAPE_INFLATE=zlib, loadIsal() is null and callers use node:zlib.
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { packageFile } from "../package-files.js";

/** The addon's functions (native/isal-inflate/isal_inflate.c). */
export interface IsalBinding {
  /** An inflater with its own thread, which reports to `onEvent` (see IsalEvent). */
  create(onEvent: (kind: number, value: number, length: number) => void): IsalHandle;
  /** Deflate data to inflate; `bytes` must stay referenced until reported taken (or takeRest, close). */
  write(handle: IsalHandle, bytes: Uint8Array, offset: number, length: number): void;
  /** An output buffer to fill; referenced here until reported filled or until close(). */
  provide(handle: IsalHandle, buffer: Uint8Array, slot: number): void;
  /** No more input. */
  end(handle: IsalHandle): void;
  /** After a member's end: the unread input (all of it); the inflater's queue is then empty. */
  takeRest(handle: IsalHandle): Buffer;
  /** After a member's end: inflate the next member (write its deflate data first). */
  resume(handle: IsalHandle): void;
  /** Stop the thread (joined) and drop its queues; safe to call twice. */
  close(handle: IsalHandle): void;
  /** Free an ArrayBuffer's memory now (it is detached); false if it could not be. */
  detach(buffer: ArrayBuffer): boolean;
  /** Whether the inflater's notifier keeps Node's event loop alive (created unreferenced here). */
  ref(handle: IsalHandle): void;
  unref(handle: IsalHandle): void;
}

declare const isalHandle: unique symbol;
export type IsalHandle = { readonly [isalHandle]: true };

/** Where `npm run build` puts the addon (scripts/build-native.mjs). */
export const ISAL_ADDON_PATH = ["dist", "native", "isal_inflate.node"] as const;

let binding: IsalBinding | null | undefined;

/**
 * The addon, or null when it is not built, cannot load (libisal missing at run time), or
 * SHIPSHAPE_INFLATE=zlib asks for node:zlib.
 */
export function loadIsal(): IsalBinding | null {
  if (binding !== undefined) return binding;
  binding = null;
  if (process.env.SHIPSHAPE_INFLATE === "zlib") return binding;
  const path = packageFile(...ISAL_ADDON_PATH);
  if (!existsSync(path)) return binding;
  try {
    binding = createRequire(import.meta.url)(path) as IsalBinding;
  } catch {
    // Built on a machine with libisal, run on one without it: zlib does the same work.
    binding = null;
  }
  return binding;
}

/**
 * Free a buffer's memory now, when the addon is loaded and the buffer owns its whole ArrayBuffer
 * (never a slice of Node's shared pool): for large transient buffers, which would otherwise wait
 * for a garbage collection. The caller must hold the only reference; views read as empty after.
 */
export function freeNow(buffer: Buffer): void {
  const isal = loadIsal();
  const memory = buffer.buffer;
  if (isal === null || !(memory instanceof ArrayBuffer)) return;
  if (buffer.byteOffset !== 0 || buffer.byteLength !== memory.byteLength || buffer.byteLength < 64 * 1024)
    return;
  isal.detach(memory);
}
