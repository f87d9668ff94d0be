/**
 * SOCKADDR records carry the raw `struct sockaddr` as hex. The family is host-order (little-endian on
 * the machines auditd runs on), ports and IPv4 addresses are network order. Decoded into the field
 * names elastic/go-libaudit uses: family, addr, port, flow, path; unknown families keep `saddr`.
 */
export function decodeSockaddr(hex: string): Record<string, string> | undefined {
  if (hex.length < 4 || !/^[0-9A-Fa-f]+$/.test(hex)) return undefined;
  const family = Number.parseInt(hex.slice(2, 4) + hex.slice(0, 2), 16);
  switch (family) {
    case 1: {
      const bytes = Buffer.from(hex.slice(4).slice(0, (hex.length - 4) & ~1), "hex");
      const nul = bytes.indexOf(0);
      return { family: "unix", path: (nul === -1 ? bytes : bytes.subarray(0, nul)).toString("utf8") };
    }
    case 2: {
      if (hex.length < 16) return undefined;
      const octets = [8, 10, 12, 14].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
      return { family: "ipv4", addr: octets.join("."), port: String(Number.parseInt(hex.slice(4, 8), 16)) };
    }
    case 10: {
      if (hex.length < 48) return undefined;
      const flow = Number.parseInt(hex.slice(8, 16), 16);
      const out: Record<string, string> = {
        family: "ipv6",
        addr: formatIPv6(Buffer.from(hex.slice(16, 48), "hex")),
        port: String(Number.parseInt(hex.slice(4, 8), 16)),
      };
      // go-libaudit reads the flow label as a signed 32-bit number and keeps only positive ones.
      if (flow > 0 && flow < 0x80000000) out.flow = String(flow);
      return out;
    }
    case 16:
      return { family: "netlink", saddr: hex };
    default:
      return { family: String(family), saddr: hex };
  }
}

/** RFC 5952 text (longest zero run compressed); IPv4-mapped addresses print as dotted IPv4. */
export function formatIPv6(bytes: Buffer): string {
  const isMapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (isMapped) return `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hexGroups = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hexGroups.join(":");
  const head = hexGroups.slice(0, bestStart).join(":");
  const tail = hexGroups.slice(bestStart + bestLen).join(":");
  return `${head}::${tail}`;
}
