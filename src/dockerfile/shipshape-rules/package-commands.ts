/**
 * What a RUN does to the OS packages of its image, read from the shell model (never from text):
 * packages installed with apt-get/apt/aptitude, apk, dnf/yum/microdnf/tdnf, zypper; packages removed
 * with the same managers (and `dpkg -r/-P`, `rpm -e`); paths removed with `rm`. The managers and
 * their sub-commands are data below.
 */
import { argsNoFlags, dropFlagArg, type ParsedShell, type ShellCommand } from "../shell.js";

/** The package manager front ends shipshape knows, by the command that runs them. */
export type PackageManager = "apt" | "apk" | "dnf" | "yum" | "microdnf" | "tdnf" | "zypper";

interface ManagerSyntax {
  readonly manager: PackageManager;
  readonly commands: readonly string[];
  readonly install: readonly string[];
  readonly remove: readonly string[];
  /** Flags that take the next word as their value (that word is no package). */
  readonly valueFlags: readonly string[];
}

const SYNTAX: readonly ManagerSyntax[] = [
  {
    manager: "apt",
    commands: ["apt-get", "apt", "aptitude"],
    install: ["install"],
    remove: ["remove", "purge", "autoremove"],
    valueFlags: ["o", "t", "target-release", "c", "option", "config-file"],
  },
  {
    manager: "apk",
    commands: ["apk"],
    install: ["add"],
    remove: ["del"],
    valueFlags: ["t", "virtual", "repository", "X", "p", "root", "cache-dir", "keys-dir", "arch"],
  },
  {
    manager: "dnf",
    commands: ["dnf", "dnf-3", "dnf5"],
    install: ["install", "in"],
    remove: ["remove", "erase", "rm", "autoremove"],
    valueFlags: ["setopt", "enablerepo", "disablerepo", "releasever", "installroot", "repo", "x", "exclude"],
  },
  {
    manager: "yum",
    commands: ["yum"],
    install: ["install"],
    remove: ["remove", "erase", "autoremove"],
    valueFlags: ["setopt", "enablerepo", "disablerepo", "releasever", "installroot", "x", "exclude"],
  },
  {
    manager: "microdnf",
    commands: ["microdnf"],
    install: ["install"],
    remove: ["remove"],
    valueFlags: ["setopt", "enablerepo", "disablerepo", "releasever", "installroot"],
  },
  {
    manager: "tdnf",
    commands: ["tdnf"],
    install: ["install"],
    remove: ["remove", "erase", "autoremove"],
    valueFlags: ["setopt", "enablerepo", "disablerepo", "releasever", "installroot"],
  },
  {
    manager: "zypper",
    commands: ["zypper"],
    install: ["install", "in"],
    remove: ["remove", "rm"],
    valueFlags: ["r", "repo", "from", "t", "type"],
  },
];

export interface PackageChange {
  readonly manager: PackageManager;
  /** The command as run (`apt-get`, `microdnf`). */
  readonly program: string;
  /** Package names, versions/architectures/releases stripped (`curl=7.88*` → `curl`). */
  readonly packages: readonly string[];
  /** `apk add --virtual NAME …` (or `-t NAME`): the group `apk del NAME` removes again. */
  readonly group?: string;
}

/** The command's path without directories: `/usr/bin/apt-get` → `apt-get`. */
export function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, "");
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** `curl=7.88.1-10`, `curl:amd64`, `curl/bookworm-backports`, `musl>1.2` → `curl`, `musl`. */
export function packageName(word: string): string {
  return word
    .replace(/[=<>~].*$/, "")
    .replace(/\/.*$/, "")
    .replace(/:[a-z0-9-]+$/, "");
}

function isPackageWord(word: string): boolean {
  // Local files and URLs are not package names; an unresolved expansion cannot be judged.
  return (
    word !== "" &&
    !word.includes("$") &&
    !word.includes("://") &&
    !/\.(?:deb|rpm|apk)$/.test(word) &&
    !word.startsWith("./") &&
    !word.startsWith("/") &&
    !word.startsWith("@")
  );
}

/** The change a manager command makes, or null for other commands and sub-commands. */
function changeOf(cmd: ShellCommand, kind: "install" | "remove"): PackageChange | null {
  const name = baseName(cmd.name);
  const syntax = SYNTAX.find((s) => s.commands.includes(name));
  if (syntax === undefined) return null;
  const words = argsNoFlags(dropFlagArg(cmd, syntax.valueFlags));
  const verbs = kind === "install" ? syntax.install : syntax.remove;
  const at = words.findIndex((w) => verbs.includes(w));
  // The sub-command is the first non-flag word (`apt-get -y install`, `dnf -y --nodocs install`).
  if (at !== 0) return null;
  const packages = words.slice(1).filter(isPackageWord).map(packageName);
  const group = syntax.manager === "apk" && kind === "install" ? virtualGroup(cmd) : null;
  return { manager: syntax.manager, program: name, packages, ...(group !== null ? { group } : {}) };
}

/** The value of apk's `--virtual NAME` / `-t NAME` (or `--virtual=NAME`). */
function virtualGroup(cmd: ShellCommand): string | null {
  for (const f of cmd.flags) {
    if (f.name !== "virtual" && f.name !== "t") continue;
    const arg = cmd.args.find((a) => a.index === f.argIndex);
    if (arg?.value.startsWith("--virtual=")) return arg.value.slice("--virtual=".length) || null;
    const next = cmd.args.find((a) => a.index === f.argIndex + 1);
    if (next !== undefined && !next.value.startsWith("-")) return next.value;
  }
  return null;
}

/** Every package installation the script runs. */
export function installsOf(shell: ParsedShell): PackageChange[] {
  return shell.commands.flatMap((c) => changeOf(c, "install") ?? []);
}

/** Every package removal: the managers' own, `dpkg -r/-P/--purge/--remove`, `rpm -e/--erase`. */
export function removalsOf(shell: ParsedShell): PackageChange[] {
  const out: PackageChange[] = [];
  for (const cmd of shell.commands) {
    const change = changeOf(cmd, "remove");
    if (change !== null) {
      out.push(change);
      continue;
    }
    const name = baseName(cmd.name);
    const removes =
      (name === "dpkg" && cmd.flags.some((f) => ["r", "P", "purge", "remove"].includes(f.name))) ||
      (name === "rpm" && cmd.flags.some((f) => ["e", "erase"].includes(f.name)));
    if (removes) {
      out.push({
        manager: name === "dpkg" ? "apt" : "dnf",
        program: name,
        packages: argsNoFlags(cmd).filter(isPackageWord).map(packageName),
      });
    }
  }
  return out;
}

/** Paths an `rm` of the script deletes (globs as written). */
export function removedPaths(shell: ParsedShell): string[] {
  return shell.commands
    .filter((c) => baseName(c.name) === "rm")
    .flatMap((c) => argsNoFlags(c))
    .filter((p) => p.startsWith("/"));
}
