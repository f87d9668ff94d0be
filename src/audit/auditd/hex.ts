/**
 * The kernel hex-encodes an audit field value (uppercase, no quotes) when it contains a space, a quote,
 * a control character or a byte above 0x7e. A value is taken as hex only when it is entirely uppercase
 * hex digits of even length, as the kernel writes it (and as elastic/go-libaudit decodes it): a quoted
 * or lowercase value is the literal text.
 */
export function decodeKernelHex(text: string): Buffer | undefined {
  if (text.length % 2 !== 0) return undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const digit = (c >= 48 && c <= 57) || (c >= 65 && c <= 70);
    if (!digit) return undefined;
  }
  return Buffer.from(text, "hex");
}

/** A hex value decoded as a NUL-separated list (proctitle's argv, cwd, cmd), joined with spaces. */
export function hexToJoinedStrings(text: string): string | undefined {
  const bytes = decodeKernelHex(text);
  if (bytes === undefined) return undefined;
  return bytes.toString("utf8").split("\0").join(" ");
}

/** A hex value decoded as one C string: it ends at the first NUL (EXECVE arguments). */
export function hexToCString(text: string): string | undefined {
  const bytes = decodeKernelHex(text);
  if (bytes === undefined) return undefined;
  const nul = bytes.indexOf(0);
  return (nul === -1 ? bytes : bytes.subarray(0, nul)).toString("utf8");
}
