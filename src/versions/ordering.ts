/**
 * The result type every comparator returns, and the small comparisons they share: unbounded digit
 * runs (versions carry dates and hashes longer than any machine integer) and C-style string order.
 */
export type Ordering = -1 | 0 | 1;

export function sign(n: number): Ordering {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Compares two runs of ASCII digits as unbounded non-negative integers (no overflow, no BigInt). */
export function compareDigitRuns(a: string, b: string): Ordering {
  let i = 0;
  while (i < a.length - 1 && a.charCodeAt(i) === 0x30) i++;
  let j = 0;
  while (j < b.length - 1 && b.charCodeAt(j) === 0x30) j++;
  const la = a.length - i;
  const lb = b.length - j;
  if (la !== lb) return la < lb ? -1 : 1;
  for (; i < a.length; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Plain code-unit order, as C's strcmp/memcmp and Java's String.compareTo give for ASCII text. */
export function compareStrings(a: string, b: string): Ordering {
  return a < b ? -1 : a > b ? 1 : 0;
}
