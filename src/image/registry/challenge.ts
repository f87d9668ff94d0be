/**
 * `WWW-Authenticate` challenges (RFC 7235) as registries send them, e.g.
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:x:pull"`.
 * A pure, total parser: any header text gives a (possibly empty) list, never an exception, and the
 * work is linear in the (capped) header length.
 */

export interface Challenge {
  /** The auth scheme, lower-cased (`basic`, `bearer`). */
  scheme: string;
  /** Parameters with lower-cased names; a prototype-less object, so any name is safe. */
  params: Record<string, string>;
  /** The token68 form (`Negotiate abc==`), when the challenge carries one instead of parameters. */
  token68?: string;
}

/** Real challenges are a few hundred bytes; a cap bounds the work on hostile headers. */
const MAX_HEADER_CHARS = 16 * 1024;

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /[A-Za-z0-9\-._~+/]+=*/y;

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  // Several header lines are equivalent to one comma-separated line.
  const text = (Array.isArray(header) ? header.join(", ") : header).slice(0, MAX_HEADER_CHARS);
  return new ChallengeParser(text).parse();
}

/** The first challenge of a scheme (`bearer`, `basic`), if the header has one. */
export function findChallenge(challenges: Challenge[], scheme: string): Challenge | undefined {
  return challenges.find((c) => c.scheme === scheme.toLowerCase());
}

class ChallengeParser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Challenge[] {
    const out: Challenge[] = [];
    for (;;) {
      this.skip(/[ \t,]/);
      if (this.i >= this.s.length) return out;
      const scheme = this.token();
      if (scheme === "") {
        this.i++; // a character that cannot start a challenge: skip it
        continue;
      }
      const challenge: Challenge = { scheme: scheme.toLowerCase(), params: Object.create(null) };
      out.push(challenge);
      const afterScheme = this.i;
      this.skip(/[ \t]/);
      if (this.i === afterScheme) continue; // no space: a bare scheme
      const token68 = this.token68At(this.i);
      if (token68 > 0 && !this.paramAt(this.i)) {
        challenge.token68 = this.s.slice(this.i, this.i + token68);
        this.i += token68;
        continue;
      }
      this.params(challenge);
    }
  }

  /** `name=value` pairs separated by commas, until something that starts the next challenge. */
  private params(challenge: Challenge): void {
    for (;;) {
      this.skip(/[ \t,]/);
      if (!this.paramAt(this.i)) return;
      const name = this.token().toLowerCase();
      this.skip(/[ \t]/);
      this.i++; // "="
      this.skip(/[ \t]/);
      const value = this.s[this.i] === '"' ? this.quoted() : this.bare();
      if (!(name in challenge.params)) challenge.params[name] = value;
    }
  }

  /** Does a parameter (`token BWS "=" BWS value`) start at `pos`? */
  private paramAt(pos: number): boolean {
    let j = pos;
    while (j < this.s.length && TCHAR.test(this.s[j]!)) j++;
    if (j === pos) return false;
    while (this.s[j] === " " || this.s[j] === "\t") j++;
    if (this.s[j] !== "=") return false;
    j++;
    while (this.s[j] === " " || this.s[j] === "\t") j++;
    // `abc==` is token68 padding, and `realm=` at the end is an empty value.
    return this.s[j] !== "=";
  }

  /** Length of a token68 at `pos` that stands alone (followed by the end or a comma), else 0. */
  private token68At(pos: number): number {
    TOKEN68.lastIndex = pos;
    const m = TOKEN68.exec(this.s);
    if (!m) return 0;
    let j = pos + m[0].length;
    while (this.s[j] === " " || this.s[j] === "\t") j++;
    return j >= this.s.length || this.s[j] === "," ? m[0].length : 0;
  }

  private token(): string {
    const start = this.i;
    while (this.i < this.s.length && TCHAR.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  private quoted(): string {
    this.i++; // opening quote
    let value = "";
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === "\\" && this.i + 1 < this.s.length) {
        value += this.s[this.i + 1];
        this.i += 2;
        continue;
      }
      this.i++;
      if (c === '"') return value;
      value += c;
    }
    return value; // unterminated: tolerate, as the rest of the header
  }

  /** An unquoted value; lenient (registries in the wild send URLs unquoted). */
  private bare(): string {
    const start = this.i;
    while (this.i < this.s.length && !/[ \t,]/.test(this.s[this.i]!)) this.i++;
    return this.s.slice(start, this.i);
  }

  private skip(chars: RegExp): void {
    while (this.i < this.s.length && chars.test(this.s[this.i]!)) this.i++;
  }
}
