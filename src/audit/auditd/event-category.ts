/**
 * The broad category of an auditd event by its record type number, as go-libaudit's aucoalesce
 * (GetAuditEventType, itself ported from audit-userspace's auparse/normalize.c) assigns it: the
 * `category` of a normalized event (`user-login`, `audit-rule`, `anomaly` …).
 */
import { USER_MESSAGE_TYPES } from "./tables/user-message-types.js";

/** The record type's number: the kernel's (typeInfo.number) or auditd's userspace one, by name. */
export function recordTypeNumber(name: string, kernelNumber: number | undefined): number | undefined {
  return kernelNumber ?? USER_MESSAGE_TYPES.get(name);
}

// Inclusive ranges per category, in the order they are tried (the first match wins).
const RANGES: readonly (readonly [string, readonly (readonly [number, number])[]])[] = [
  [
    "user-login",
    [
      [1100, 1106],
      [1108, 1110],
      [1112, 1113],
      [1126, 1126],
    ],
  ],
  [
    "user-account",
    [
      [1114, 1117],
      [1132, 1133],
      [1135, 1136],
    ],
  ],
  [
    "system-services",
    [
      [2000, 2000],
      [1127, 1131],
    ],
  ],
  [
    "configuration",
    [
      [1111, 1111],
      [1305, 1305],
      [1325, 1325],
      [1328, 1329],
    ],
  ],
  ["dac-decision", [[1326, 1326]]],
  [
    "user-space",
    [
      [1119, 1121],
      [1123, 1123],
      [1125, 1125],
    ],
  ],
  [
    "TTY",
    [
      [1124, 1124],
      [1319, 1319],
    ],
  ],
  ["audit-daemon", [[1200, 1299]]],
  [
    "mac-decision",
    [
      [1122, 1122],
      [1107, 1107],
      [1502, 1503],
      [1506, 1506],
      [1400, 1402],
    ],
  ],
  [
    "integrity",
    [
      [1800, 1899],
      [2109, 2109],
    ],
  ],
  [
    "anomaly",
    [
      [1700, 1799],
      [2100, 2108],
      [2110, 2199],
    ],
  ],
  ["anomaly-response", [[2200, 2299]]],
  [
    "mac",
    [
      [1403, 1499],
      [1500, 1501],
      [1504, 1505],
      [2300, 2399],
    ],
  ],
  [
    "crypto",
    [
      [1600, 1699],
      [2400, 2499],
    ],
  ],
  ["virt", [[2500, 2599]]],
  [
    "audit-rule",
    [
      [1300, 1304],
      [1306, 1315],
      [1317, 1318],
      [1321, 1324],
    ],
  ],
];

export function auditEventCategory(typeNumber: number | undefined): string {
  if (typeNumber === undefined) return "unknown";
  for (const [name, ranges] of RANGES) {
    if (ranges.some(([lo, hi]) => typeNumber >= lo && typeNumber <= hi)) return name;
  }
  return "unknown";
}
