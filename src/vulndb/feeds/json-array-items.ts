/**
 * The items of one big array inside a JSON document, one at a time: NVD's JSON 2.0 pages and yearly
 * feeds are `{…, "vulnerabilities": [ {cve}, {cve}, … ]}` of up to hundreds of MiB, and only one item
 * needs to be in memory. The scanner tracks only string/escape state and bracket depth (JSON's
 * structural characters are ASCII and never occur inside UTF-8 sequences); each item is handed to
 * JSON.parse on its own. A document without that array at its top level (a single-record file) is
 * parsed whole, under a cap. Malformed, truncated or oversized input is a ShipshapeError.
 */
import { ShipshapeError } from "../../errors.js";

export interface JsonArrayItemsOptions {
  /** Named in errors (a path). */
  origin: string;
  /** The top-level member whose array is streamed ("vulnerabilities"). */
  key: string;
  /** Largest single item (bytes). */
  maxItemBytes?: number;
  /** Largest document held whole when it has no such array (bytes). */
  maxDocumentBytes?: number;
}

export type JsonStreamValue =
  /** One element of the streamed array. */
  | { kind: "item"; value: unknown }
  /** The whole document: it had no top-level array under `key`. */
  | { kind: "document"; value: unknown };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(b: number): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/** A push scanner: feed it chunks, collect what it found. Pure; the generator below drives it. */
export class JsonArrayScanner {
  private readonly options: Required<JsonArrayItemsOptions>;
  private readonly keyBytes: Buffer;
  private offset = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  /** The top-level value was an object (only then can it have the member). */
  private topIsObject = false;
  /** At depth 1: the next string is a member name. */
  private expectKey = false;
  /** Inside a member name at depth 1; its bytes are kept while they can still equal `key`. */
  private inKey = false;
  private keyParts: Buffer[] | null = null;
  private keyLength = 0;
  private lastKeyMatches = false;
  private afterColon = false;
  /** Inside the streamed array (its elements are at depth 2). */
  private inArray = false;
  private arrayFound = false;
  private itemParts: Buffer[] | null = null;
  private itemBytes = 0;
  /** The current item is a scalar (ends at `,` / `]` / whitespace) or a string. */
  private itemScalar = false;
  private itemString = false;
  private wholeParts: Buffer[] = [];
  private wholeBytes = 0;
  private ended = false;
  private readonly out: JsonStreamValue[] = [];

  constructor(options: JsonArrayItemsOptions) {
    this.options = {
      maxItemBytes: 64 * 1024 * 1024,
      maxDocumentBytes: 64 * 1024 * 1024,
      ...options,
    };
    this.keyBytes = Buffer.from(options.key, "utf8");
  }

  private fail(problem: string): never {
    throw new ShipshapeError(
      "input",
      `${this.options.origin}: ${problem} at byte ${this.offset}; it is not valid JSON`,
    );
  }

  /** Feed the next chunk; returns what completed in it. */
  push(chunk: Buffer): JsonStreamValue[] {
    if (this.ended && chunk.some((b) => !isSpace(b))) this.fail("data follows the end of the document");
    if (!this.arrayFound) {
      this.wholeBytes += chunk.length;
      if (this.wholeBytes > this.options.maxDocumentBytes) {
        this.fail(
          `the document exceeds ${this.options.maxDocumentBytes} bytes before any "${this.options.key}" array`,
        );
      }
      this.wholeParts.push(chunk);
    }
    let itemStart = this.itemParts ? 0 : -1;
    let keyStart = this.inKey ? 0 : -1;
    let i = 0;
    // A UTF-8 byte order mark before the document is tolerated.
    if (this.offset === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) {
      i = 3;
      this.offset = 3;
    }
    for (; i < chunk.length; i++, this.offset++) {
      const b = chunk[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === BACKSLASH) this.escaped = true;
        else if (b === QUOTE) {
          this.inString = false;
          if (this.inKey) {
            this.appendKey(chunk.subarray(keyStart, i));
            keyStart = -1;
            this.finishKey();
          }
          if (this.itemString && this.depth === 2) {
            this.appendItem(chunk.subarray(itemStart, i + 1));
            itemStart = -1;
            this.finishItem();
          }
        } else if (b < 0x20) this.fail("a control character inside a string");
        continue;
      }
      if (this.itemScalar && (b === COMMA || b === CLOSE_ARRAY || isSpace(b))) {
        this.appendItem(chunk.subarray(itemStart, i));
        itemStart = -1;
        this.finishItem();
      }
      if (isSpace(b)) continue;
      if (this.depth === 0 && this.ended) this.fail("data follows the end of the document");
      const atElementStart = this.inArray && this.depth === 2 && !this.itemParts;
      if (atElementStart && b !== COMMA && b !== CLOSE_ARRAY) {
        this.itemParts = [];
        this.itemBytes = 0;
        itemStart = i;
        this.itemScalar = b !== OPEN_OBJECT && b !== OPEN_ARRAY && b !== QUOTE;
        this.itemString = b === QUOTE;
      }
      switch (b) {
        case QUOTE:
          this.inString = true;
          if (this.depth === 1 && this.topIsObject && this.expectKey) {
            this.inKey = true;
            this.keyParts = [];
            this.keyLength = 0;
            keyStart = i + 1;
          } else if (this.depth === 1) this.afterColon = false;
          break;
        case OPEN_OBJECT:
        case OPEN_ARRAY:
          if (this.depth === 0) {
            this.topIsObject = b === OPEN_OBJECT;
            this.expectKey = this.topIsObject;
          } else if (this.depth === 1 && b === OPEN_ARRAY && this.afterColon && this.lastKeyMatches) {
            this.inArray = true;
            this.arrayFound = true;
            this.wholeParts = [];
            this.wholeBytes = 0;
          }
          if (this.depth === 1) this.afterColon = false;
          this.depth++;
          if (this.depth > 512) this.fail("nesting deeper than 512 levels");
          break;
        case CLOSE_OBJECT:
        case CLOSE_ARRAY:
          if (this.depth === 0) this.fail(`an unexpected "${String.fromCharCode(b)}"`);
          this.depth--;
          if (this.depth === 1 && this.inArray) this.inArray = false;
          else if (this.depth === 2 && this.itemParts && !this.itemScalar && !this.itemString) {
            this.appendItem(chunk.subarray(itemStart, i + 1));
            itemStart = -1;
            this.finishItem();
          }
          if (this.depth === 0) this.ended = true;
          break;
        case COMMA:
          if (this.depth === 1 && this.topIsObject) {
            this.expectKey = true;
            this.afterColon = false;
          }
          break;
        case COLON:
          if (this.depth === 1) this.afterColon = true;
          break;
        default:
          if (this.depth === 0) this.fail("a scalar where the document should be an object or array");
          if (this.depth === 1) this.afterColon = false;
      }
    }
    if (this.inKey && keyStart >= 0) this.appendKey(chunk.subarray(keyStart));
    if (itemStart >= 0 && this.itemParts) this.appendItem(chunk.subarray(itemStart));
    return this.out.splice(0);
  }

  private appendKey(part: Buffer): void {
    this.keyLength += part.length;
    // A key longer than ours cannot match: stop keeping it.
    if (this.keyParts && this.keyLength <= this.keyBytes.length) this.keyParts.push(Buffer.from(part));
    else this.keyParts = null;
  }

  private finishKey(): void {
    const parts = this.keyParts;
    this.inKey = false;
    this.keyParts = null;
    this.expectKey = false;
    this.lastKeyMatches = parts !== null && Buffer.concat(parts).equals(this.keyBytes);
  }

  private appendItem(part: Buffer): void {
    this.itemBytes += part.length;
    if (this.itemBytes > this.options.maxItemBytes) {
      this.fail(`an item of "${this.options.key}" exceeds ${this.options.maxItemBytes} bytes`);
    }
    this.itemParts!.push(part);
  }

  private finishItem(): void {
    const text = Buffer.concat(this.itemParts!).toString("utf8");
    this.itemParts = null;
    this.itemScalar = false;
    this.itemString = false;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      this.fail(`an item of "${this.options.key}" is not valid JSON (${(err as Error).message})`);
    }
    this.out.push({ kind: "item", value });
  }

  /** After the last chunk: the whole document when it had no streamed array. */
  end(): JsonStreamValue[] {
    if (this.inString || this.depth !== 0 || this.itemParts) this.fail("the document is truncated");
    if (!this.ended) this.fail("the document is empty");
    if (this.arrayFound) return [];
    const text = Buffer.concat(this.wholeParts).toString("utf8");
    this.wholeParts = [];
    try {
      return [{ kind: "document", value: JSON.parse(text) }];
    } catch (err) {
      this.fail(`the document is not valid JSON (${(err as Error).message})`);
    }
  }
}

export async function* jsonArrayItems(
  source: AsyncIterable<Buffer | Uint8Array | string> | Iterable<Buffer | Uint8Array | string>,
  options: JsonArrayItemsOptions,
): AsyncGenerator<JsonStreamValue> {
  const scanner = new JsonArrayScanner(options);
  for await (const raw of source) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    yield* scanner.push(chunk);
  }
  yield* scanner.end();
}
