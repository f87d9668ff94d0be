/**
 * Number-to-name lookups auditd leaves to the reader: the audit architecture (arch=c000003e), the
 * syscall number for that architecture, negative exit codes (errno), signal numbers and record types.
 * Tables come from the Linux UAPI headers (see tables/).
 */
import { AUDIT_ARCH_NAMES } from "./tables/arches.js";
import { ERRNO_NAMES } from "./tables/errno.js";
import { KERNEL_MESSAGE_TYPES } from "./tables/message-types.js";
import { GENERIC64_SYSCALLS, I386_SYSCALLS, X86_64_SYSCALLS } from "./tables/syscalls.js";

const SYSCALLS_BY_ARCH: ReadonlyMap<string, ReadonlyMap<number, string>> = new Map([
  ["x86_64", X86_64_SYSCALLS],
  ["i386", I386_SYSCALLS],
  ["aarch64", GENERIC64_SYSCALLS],
  ["riscv64", GENERIC64_SYSCALLS],
  ["loongarch64", GENERIC64_SYSCALLS],
]);

/** `c000003e` → `x86_64`; undefined for a value that is not hex or names no known architecture. */
export function archName(hexValue: string): string | undefined {
  if (!/^[0-9a-fA-F]{1,8}$/.test(hexValue)) return undefined;
  return AUDIT_ARCH_NAMES.get(Number.parseInt(hexValue, 16));
}

/** The syscall's name on that architecture (by the arch's name as archName returns it). */
export function syscallName(arch: string, number: number): string | undefined {
  return SYSCALLS_BY_ARCH.get(arch)?.get(number);
}

/** A syscall's number on an architecture, for rules written by name. */
export function syscallNumber(arch: string, name: string): number | undefined {
  const table = SYSCALLS_BY_ARCH.get(arch);
  if (!table) return undefined;
  for (const [n, s] of table) if (s === name) return n;
  return undefined;
}

export function errnoName(errno: number): string | undefined {
  return ERRNO_NAMES.get(errno);
}

// Linux's signal numbers (x86, arm, riscv; the architectures whose syscall tables we carry).
const SIGNALS = [
  "SIGHUP",
  "SIGINT",
  "SIGQUIT",
  "SIGILL",
  "SIGTRAP",
  "SIGABRT",
  "SIGBUS",
  "SIGFPE",
  "SIGKILL",
  "SIGUSR1",
  "SIGSEGV",
  "SIGUSR2",
  "SIGPIPE",
  "SIGALRM",
  "SIGTERM",
  "SIGSTKFLT",
  "SIGCHLD",
  "SIGCONT",
  "SIGSTOP",
  "SIGTSTP",
  "SIGTTIN",
  "SIGTTOU",
  "SIGURG",
  "SIGXCPU",
  "SIGXFSZ",
  "SIGVTALRM",
  "SIGPROF",
  "SIGWINCH",
  "SIGIO",
  "SIGPWR",
  "SIGSYS",
] as const;

export function signalName(signal: number): string | undefined {
  return SIGNALS[signal - 1];
}

const KERNEL_TYPE_NUMBERS: ReadonlyMap<string, number> = new Map(
  [...KERNEL_MESSAGE_TYPES].map(([n, name]) => [name, n]),
);

export interface RecordTypeInfo {
  /** The name as auditd writes it (`SYSCALL`), or the number's kernel name for `UNKNOWN[n]`. */
  name: string;
  /** The record type number when known (kernel types; `UNKNOWN[n]`). */
  number?: number;
  /**
   * Whether the record is an event on its own. Userspace messages (1100–1299, 2100+; auditd names
   * them, the kernel header does not) and the daemon's are; kernel records of a syscall (1300–2099)
   * wait for their siblings.
   */
  standalone: boolean;
}

/** `SYSCALL`, `USER_LOGIN`, `UNKNOWN[1334]` → the type; undefined for text that is not a type name. */
export function recordTypeInfo(text: string): RecordTypeInfo | undefined {
  const unknown = /^UNKNOWN\[(\d{1,5})\]$/.exec(text);
  if (unknown) {
    const n = Number(unknown[1]);
    const name = KERNEL_MESSAGE_TYPES.get(n) ?? `UNKNOWN[${n}]`;
    return { name, number: n, standalone: isStandalone(n) };
  }
  if (!/^[A-Z][A-Z0-9_]{0,63}$/.test(text)) return undefined;
  const n = KERNEL_TYPE_NUMBERS.get(text);
  if (n === undefined) return { name: text, standalone: true };
  return { name: text, number: n, standalone: isStandalone(n) };
}

// EOE (1320) ends an event; PROCTITLE (1327) is the kernel's last record of a syscall event.
function isStandalone(n: number): boolean {
  return n < 1300 || n >= 2100;
}

export const EOE_TYPE = 1320;
export const PROCTITLE_TYPE = 1327;
