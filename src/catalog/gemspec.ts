/**
 * An installed gem's specification (`specifications/NAME-VERSION[-PLATFORM].gemspec`), which RubyGems
 * writes as Ruby source (`Gem::Specification#to_ruby`):
 *
 *   # stub: rack 2.2.22 ruby lib
 *   Gem::Specification.new do |s|
 *     s.name = "rack".freeze
 *     s.version = "2.2.22"
 *     s.licenses = ["MIT".freeze]
 *
 * It is never evaluated. A scanner reads the assignments to the block variable whose right-hand
 * side is a plain literal: a string ("…", '…', %q{…}, optionally `.freeze`, or inside
 * `Gem::Version.new(…)`) or an array of such strings. A string with interpolation (`#{…}`), or any
 * other expression, is not a literal; the `# stub:` header line RubyGems writes is then the
 * fallback for name, version and platform.
 */
import { ShipshapeError } from "../errors.js";
import { cleanLicenses, hasSpaceOrControl, textOf } from "./lang-files.js";

export interface Gemspec {
  name: string;
  version: string;
  licenses: string[];
  /** `ruby` for pure-Ruby gems, else the platform (`x86_64-linux`, `java`). */
  platform: string;
}

/** A literal longer than this is not a name, version or licence. */
const MAX_LITERAL = 4096;
const MAX_ARRAY = 64;

type Literal = string | string[];

const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}", "<": ">" };
const SIMPLE_ESCAPES: Record<string, string> = { n: "\n", t: "\t", s: " ", "0": "\0", e: "\x1b" };

/** A Ruby string literal at `pos`: its value and where it ends, or null when it is not one. */
function readString(text: string, pos: number): { value: string; end: number } | null {
  const open = text[pos];
  let close: string;
  let interpolating: boolean;
  let i: number;
  if (open === '"' || open === "'") {
    close = open;
    interpolating = open === '"';
    i = pos + 1;
  } else if (open === "%") {
    let kind = text[pos + 1];
    let d = pos + 2;
    if (kind !== "q" && kind !== "Q") {
      kind = "Q"; // `%{…}` is `%Q{…}`
      d = pos + 1;
    }
    const delimiter = text[d];
    if (delimiter === undefined || /[A-Za-z0-9\s]/.test(delimiter)) return null;
    close = CLOSERS[delimiter] ?? delimiter;
    interpolating = kind === "Q";
    i = d + 1;
    // Bracket delimiters nest in Ruby: count them.
    const nests = close !== delimiter;
    let depth = 0;
    let value = "";
    for (; i < text.length && value.length <= MAX_LITERAL; i++) {
      const c = text[i]!;
      if (c === "\\" && i + 1 < text.length) {
        const n = text[++i]!;
        value += interpolating
          ? (SIMPLE_ESCAPES[n] ?? n)
          : n === close || n === "\\" || n === delimiter
            ? n
            : `\\${n}`;
        continue;
      }
      if (interpolating && c === "#" && text[i + 1] === "{") return null;
      if (nests && c === delimiter) depth++;
      else if (c === close) {
        if (depth === 0) return { value, end: i + 1 };
        depth--;
      }
      value += c;
    }
    return null;
  } else {
    return null;
  }
  let value = "";
  for (; i < text.length && value.length <= MAX_LITERAL; i++) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      const n = text[++i]!;
      if (interpolating) value += SIMPLE_ESCAPES[n] ?? n;
      else value += n === "'" || n === "\\" ? n : `\\${n}`;
      continue;
    }
    if (interpolating && c === "#" && text[i + 1] === "{") return null;
    if (c === close) return { value, end: i + 1 };
    value += c;
  }
  return null;
}

function skipSpace(text: string, pos: number, newlines: boolean): number {
  const re = newlines ? /[ \t\r\n]/ : /[ \t]/;
  while (pos < text.length && re.test(text[pos]!)) pos++;
  return pos;
}

/** A string (optionally `.freeze`d or wrapped in `Gem::Version.new(…)`) at `pos`. */
function readStringValue(text: string, pos: number): { value: string; end: number } | null {
  const wrapper = "Gem::Version.new(";
  if (text.startsWith(wrapper, pos)) {
    const inner = readStringValue(text, skipSpace(text, pos + wrapper.length, false));
    if (!inner) return null;
    const end = skipSpace(text, inner.end, false);
    return text[end] === ")" ? { value: inner.value, end: end + 1 } : null;
  }
  const s = readString(text, pos);
  if (!s) return null;
  let end = s.end;
  while (text.startsWith(".freeze", end) || text.startsWith(".dup", end))
    end += text[end + 1] === "f" ? 7 : 4;
  return { value: s.value, end };
}

/** The literal on the right of an assignment at `pos`, or null when it is anything else. */
function readLiteral(text: string, pos: number): Literal | null {
  if (text[pos] !== "[") return readStringValue(text, pos)?.value ?? null;
  const items: string[] = [];
  let i = skipSpace(text, pos + 1, true);
  while (items.length <= MAX_ARRAY) {
    if (text[i] === "]") return items;
    const item = readStringValue(text, i);
    if (!item) return null;
    items.push(item.value);
    i = skipSpace(text, item.end, true);
    if (text[i] === ",") i = skipSpace(text, i + 1, true);
    else if (text[i] !== "]") return null;
  }
  return null;
}

function blockVariable(text: string): string | null {
  return /Gem::Specification\.new\s*(?:do|\{)\s*\|\s*([A-Za-z_]\w*)\s*\|/.exec(text)?.[1] ?? null;
}

/** `# stub: NAME VERSION PLATFORM REQUIRE_PATHS` (the first such line RubyGems writes). */
function stubLine(text: string): { name: string; version: string; platform: string } | null {
  const m = /^# stub: (\S+) (\S+) (\S+)/m.exec(text.slice(0, 4096));
  return m ? { name: m[1]!, version: m[2]!, platform: m[3]! } : null;
}

const FIELDS = ["name", "version", "license", "licenses", "platform"] as const;
type Field = (typeof FIELDS)[number];

export function parseGemspec(bytes: Uint8Array): Gemspec {
  const text = textOf(bytes);
  const variable = blockVariable(text);
  if (!variable) throw new ShipshapeError("input", "not a gemspec: no `Gem::Specification.new do |s|` block");
  const values = new Map<Field, Literal>();
  const assignment = new RegExp(`^[ \\t]*${variable}\\.(${FIELDS.join("|")})[ \\t]*=(?![=~>])[ \\t]*`, "gm");
  // Tries per field are bounded: a hostile file of unterminated `s.name = "` lines must stay linear.
  const tries = new Map<Field, number>();
  for (let m = assignment.exec(text); m; m = assignment.exec(text)) {
    const field = m[1] as Field;
    const tried = tries.get(field) ?? 0;
    if (values.has(field) || tried >= 4) continue; // RubyGems writes each once; the first is the spec's
    tries.set(field, tried + 1);
    const literal = readLiteral(text, m.index + m[0].length);
    if (literal !== null) values.set(field, literal);
  }
  const stub = stubLine(text);
  const single = (f: Field) => {
    const v = values.get(f);
    return typeof v === "string" ? v.trim() : undefined;
  };
  const name = single("name") || stub?.name;
  const version = single("version") || stub?.version;
  if (!name || !version) {
    throw new ShipshapeError("input", `gemspec has no literal ${name ? "version" : "name"}`);
  }
  for (const [what, value] of [
    ["name", name],
    ["version", version],
  ] as const) {
    if (value.length > 256 || hasSpaceOrControl(value)) {
      throw new ShipshapeError(
        "input",
        `gemspec has an invalid ${what} ${JSON.stringify(value.slice(0, 80))}`,
      );
    }
  }
  const licenses = [values.get("licenses") ?? [], values.get("license") ?? []].flat();
  const platform = single("platform") || stub?.platform || "ruby";
  return { name, version, licenses: cleanLicenses(licenses), platform };
}
