/**
 * `ka.uri.param[key]` as the k8saudit plugin extracts it (extract.go): url.Parse(requestURI), then
 * url.ParseQuery(RawQuery), then the first value of the key. An error from either makes the field
 * unavailable for every key (the plugin returns the error): a control character in the URI, a bad
 * %-escape in the path, or, in the query, a pair holding ";" or a bad %-escape (Go ≥ 1.17).
 * ParseQuery splits at "&", cuts each pair at its first "=", and unescapes "+" as a space and %XX.
 */

const HEX = /^[0-9A-Fa-f]{2}$/;

/** Go's QueryUnescape (or PathUnescape when plus is false); undefined for a bad escape. */
function goUnescape(s: string, plus: boolean): string | undefined {
  if (!s.includes("%") && !(plus && s.includes("+"))) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === "%") {
      const hex = s.slice(i + 1, i + 3);
      if (!HEX.test(hex)) return undefined;
      bytes.push(Number.parseInt(hex, 16));
      i += 2;
    } else if (c === "+" && plus) bytes.push(0x20);
    else for (const b of Buffer.from(c, "utf8")) bytes.push(b);
  }
  return Buffer.from(bytes).toString("utf8");
}

/** The first value of `key` in the URI's query, or undefined (absent, or the URI does not parse). */
export function uriQueryParam(uri: string, key: string): string | undefined {
  // url.Parse: control characters are an error.
  for (let i = 0; i < uri.length; i++) {
    const c = uri.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return undefined;
  }
  const hash = uri.indexOf("#");
  const withoutFragment = hash < 0 ? uri : uri.slice(0, hash);
  const q = withoutFragment.indexOf("?");
  const path = q < 0 ? withoutFragment : withoutFragment.slice(0, q);
  if (goUnescape(path, false) === undefined) return undefined;
  if (q < 0) return undefined;
  let found: string | undefined;
  for (const pair of withoutFragment.slice(q + 1).split("&")) {
    if (pair.includes(";")) return undefined;
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const k = goUnescape(eq < 0 ? pair : pair.slice(0, eq), true);
    const v = goUnescape(eq < 0 ? "" : pair.slice(eq + 1), true);
    if (k === undefined || v === undefined) return undefined;
    if (found === undefined && k === key) found = v;
  }
  return found;
}
