/**
 * Locale-independent string order (UTF-16 code units), for every sort whose result is output.
 * `localeCompare` follows the user's locale: an Estonian locale sorts "zlib" before "tar", a Danish
 * one "aa" after "z", so the same image gave differently ordered SBOMs and scan reports by machine.
 * Trivy and Syft order by bytes too.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
