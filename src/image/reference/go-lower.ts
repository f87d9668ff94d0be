/**
 * Go's strings.ToLower: the simple (one code point to one code point) Unicode mapping. JavaScript's
 * toLowerCase also applies SpecialCasing, which differs for one character that matters here:
 * U+0130 "İ" becomes "i" in Go but "i̇" (two code points) in JavaScript. Parse asks whether the
 * lower-cased input is a valid (ASCII) reference, so that difference would change the error kind.
 */
const DOTTED_CAPITAL_I = /\u0130/g;

export function goToLower(text: string): string {
  return text.replace(DOTTED_CAPITAL_I, "i").toLowerCase();
}
