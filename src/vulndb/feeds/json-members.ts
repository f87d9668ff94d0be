/**
 * Streams the members of a JSON document whose top level is one big object (`{"key": value, …}`),
 * one member at a time, so a feed like the Debian security tracker's (tens of MiB, one member per
 * source package) is never held whole. Each member's value is parsed by JSON.parse on its own; the
 * scanner only has to find where a value ends, which needs nothing but string/escape state and
 * bracket depth (the JSON structural characters are ASCII and never occur inside UTF-8 sequences).
 * Anything that is not a well-formed object ends in a ShipshapeError naming the input and offset.
 */
import { ShipshapeError } from "../../errors.js";

export interface JsonMembersOptions {
  /** Named in errors. */
  origin: string;
  /** Largest single member (key + value) in bytes. */
  maxMemberBytes?: number;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

type State =
  | "start" // before the opening brace
  | "beforeKey" // after `{` or `,`: whitespace, then a key (or `}` right after `{`)
  | "key" // inside the key string
  | "afterKey" // whitespace, then `:`
  | "beforeValue"
  | "value" // inside the value
  | "afterValue" // whitespace, then `,` or `}`
  | "end"; // after the closing brace: whitespace only

export async function* jsonObjectMembers(
  source: AsyncIterable<Buffer | Uint8Array | string>,
  options: JsonMembersOptions,
): AsyncGenerator<[string, unknown]> {
  const maxMember = options.maxMemberBytes ?? 256 * 1024 * 1024;
  let state: State = "start";
  let offset = 0; // bytes of the stream before the current chunk
  let at = 0; // byte being looked at, for error messages
  let first = true; // no member yet: `}` may close an empty object
  let parts: Buffer[] = [];
  let partBytes = 0;
  let keyText = "";
  // Value scanning state.
  let depth = 0;
  let inString = false;
  let escaped = false;
  let scalar = false; // the value is a number/true/false/null: it ends at `,`, `}` or whitespace

  const fail = (problem: string): never => {
    throw new ShipshapeError(
      "input",
      `${options.origin}: ${problem} at byte ${at}; it is not the JSON feed it claims to be`,
    );
  };
  const take = (chunk: Buffer, from: number, to: number) => {
    if (to <= from) return;
    partBytes += to - from;
    if (partBytes > maxMember) fail(`a member is larger than ${maxMember} bytes`);
    parts.push(chunk.subarray(from, to));
  };
  const flushText = (): string => {
    const text = Buffer.concat(parts).toString("utf8");
    parts = [];
    partBytes = 0;
    return text;
  };
  const finishValue = (): [string, unknown] => {
    const text = flushText();
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      fail(
        `the value of ${JSON.stringify(keyText.slice(0, 80))} is not valid JSON (${(err as Error).message})`,
      );
    }
    return [keyText, value];
  };

  for await (const raw of source) {
    const chunk = typeof raw === "string" ? Buffer.from(raw) : Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
    let i = 0;
    // Where the current token's bytes start in this chunk (0 when it began in an earlier chunk).
    let mark = 0;
    const out: [string, unknown][] = [];
    while (i < chunk.length) {
      const c = chunk[i]!;
      at = offset + i;
      switch (state) {
        case "start":
        case "end":
        case "afterKey":
        case "afterValue":
        case "beforeKey":
        case "beforeValue": {
          if (WS.has(c)) break;
          if (state === "start") {
            if (c !== 0x7b) fail("the top level is not an object");
            state = "beforeKey";
          } else if (state === "end") {
            fail("data follows the end of the object");
          } else if (state === "afterKey") {
            if (c !== 0x3a) fail("a key is not followed by ':'");
            state = "beforeValue";
          } else if (state === "afterValue") {
            if (c === 0x2c) state = "beforeKey";
            else if (c === 0x7d) state = "end";
            else fail("a value is not followed by ',' or '}'");
            first = false;
          } else if (state === "beforeKey") {
            if (c === 0x7d && first) state = "end";
            else if (c !== QUOTE) fail("expected a key string");
            else {
              state = "key";
              mark = i;
              escaped = false;
            }
          } else {
            // beforeValue
            state = "value";
            mark = i;
            depth = 0;
            inString = false;
            escaped = false;
            scalar = false;
            if (c === 0x7b || c === 0x5b) depth = 1;
            else if (c === QUOTE) inString = true;
            else if (c === 0x7d || c === 0x5d || c === 0x2c || c === 0x3a) fail("expected a value");
            else scalar = true;
          }
          break;
        }
        case "key": {
          if (escaped) escaped = false;
          else if (c === BACKSLASH) escaped = true;
          else if (c === QUOTE) {
            take(chunk, mark, i + 1);
            const text = flushText();
            try {
              keyText = JSON.parse(text) as string;
            } catch {
              fail("a key is not a valid JSON string");
            }
            state = "afterKey";
          } else if (c < 0x20) fail("a control character is inside a key");
          break;
        }
        case "value": {
          if (inString) {
            if (escaped) escaped = false;
            else if (c === BACKSLASH) escaped = true;
            else if (
              c === QUOTE &&
              !(i === mark && parts.length === 0 && depth === 0 && !scalar && i === mark)
            ) {
              inString = false;
              if (depth === 0) {
                take(chunk, mark, i + 1);
                out.push(finishValue());
                state = "afterValue";
              }
            }
            break;
          }
          if (scalar) {
            if (c === 0x2c || c === 0x7d || WS.has(c)) {
              take(chunk, mark, i);
              out.push(finishValue());
              state = "afterValue";
              continue; // the delimiter is read again in afterValue
            }
            break;
          }
          if (c === QUOTE) inString = true;
          else if (c === 0x7b || c === 0x5b) depth++;
          else if (c === 0x7d || c === 0x5d) {
            depth--;
            if (depth === 0) {
              take(chunk, mark, i + 1);
              out.push(finishValue());
              state = "afterValue";
            }
          }
          break;
        }
      }
      i++;
    }
    // An unfinished key or value keeps this chunk's bytes; it continues at byte 0 of the next one.
    if (state === "key" || state === "value") take(chunk, mark, chunk.length);
    offset += chunk.length;
    for (const m of out) yield m;
  }
  at = offset;
  if ((state as State) !== "end") fail("the document ends before its closing '}'");
}
