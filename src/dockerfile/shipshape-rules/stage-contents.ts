/**
 * What the final stage's RUN instructions install and remove (its chain's RUNs, see final-stage.ts),
 * for the package-manager, tool and policy rules. Cached per file and target.
 */
import type { RuleContext } from "../rule.js";
import { finalStageOf } from "./final-stage.js";
import { baseName, installsOf, type PackageManager, removalsOf, removedPaths } from "./package-commands.js";
import { toolOfPackage } from "./tool-packages.js";

export interface InstalledPackage {
  readonly name: string;
  readonly manager: PackageManager;
  /** The command that installed it (`apt-get`). */
  readonly program: string;
  /** apk's virtual group it was installed in (`apk add --virtual .build-deps`), if any. */
  readonly group?: string;
  /** The RUN's line. */
  readonly line: number;
}

export interface StageContents {
  /** Every package installed, in order. */
  readonly installed: readonly InstalledPackage[];
  /** Packages some RUN removes again (lower case). */
  readonly removed: ReadonlySet<string>;
  /** Absolute paths some `rm` deletes (globs as written). */
  readonly removedPaths: readonly string[];
}

const EMPTY: StageContents = { installed: [], removed: new Set(), removedPaths: [] };
const cache = new WeakMap<object, Map<string, StageContents>>();

export function finalStageContents(ctx: RuleContext): StageContents {
  const final = finalStageOf(ctx);
  if (final === null) return EMPTY;
  let byTarget = cache.get(ctx.file);
  if (byTarget === undefined) {
    byTarget = new Map();
    cache.set(ctx.file, byTarget);
  }
  const key = ctx.config.target ?? "";
  const known = byTarget.get(key);
  if (known !== undefined) return known;
  const installed: InstalledPackage[] = [];
  const removed = new Set<string>();
  const paths: string[] = [];
  for (const i of final.instructions) {
    if (i.keyword !== "RUN") continue;
    const shell = ctx.shell(i);
    for (const change of installsOf(shell)) {
      for (const name of change.packages)
        installed.push({
          name,
          manager: change.manager,
          program: change.program,
          line: i.line,
          ...(change.group !== undefined ? { group: change.group } : {}),
        });
    }
    for (const change of removalsOf(shell))
      for (const name of change.packages) removed.add(name.toLowerCase());
    paths.push(...removedPaths(shell));
  }
  const contents = { installed, removed, removedPaths: paths };
  byTarget.set(key, contents);
  return contents;
}

/** Some RUN of the stage removes the package again (itself, or the apk virtual group it came in). */
export function isRemovedAgain(contents: StageContents, p: InstalledPackage): boolean {
  return (
    contents.removed.has(p.name.toLowerCase()) ||
    (p.group !== undefined && contents.removed.has(p.group.toLowerCase()))
  );
}

/** Installed packages not removed again, with the tool each provides (for the policy). */
export function keptPackages(contents: StageContents): { name: string; line: number; tool?: string }[] {
  return contents.installed
    .filter((p) => !isRemovedAgain(contents, p))
    .map((p) => {
      const tool = toolOfPackage(p.name)?.tool;
      return tool === undefined ? { name: p.name, line: p.line } : { name: p.name, line: p.line, tool };
    });
}

/** The packages that hold each manager, and the programs that run it. */
const MANAGER_PACKAGES: Record<PackageManager, { packages: string[]; programs: string[] }> = {
  apt: { packages: ["apt"], programs: ["apt", "apt-get"] },
  apk: { packages: ["apk-tools"], programs: ["apk"] },
  dnf: { packages: ["dnf", "dnf5"], programs: ["dnf", "dnf-3", "dnf5"] },
  yum: { packages: ["yum"], programs: ["yum"] },
  microdnf: { packages: ["microdnf"], programs: ["microdnf"] },
  tdnf: { packages: ["tdnf"], programs: ["tdnf"] },
  zypper: { packages: ["zypper"], programs: ["zypper"] },
};

/** A shell glob over one path element (`apt*`, `apk`) as a RegExp. */
function globRegExp(glob: string): RegExp {
  const source = glob
    .replace(/[.+^${}()|\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`);
}

const BIN_DIRECTORIES = new Set([
  "/bin",
  "/sbin",
  "/usr/bin",
  "/usr/sbin",
  "/usr/local/bin",
  "/usr/local/sbin",
]);

/**
 * Some RUN of the final stage removes the manager: its package, or its program with `rm` from a
 * program directory (`rm /usr/bin/apt*`; `rm -rf /var/lib/apt/lists/*` is no removal of apt).
 */
export function managerRemoved(contents: StageContents, manager: PackageManager): boolean {
  const { packages, programs } = MANAGER_PACKAGES[manager];
  if (packages.some((p) => contents.removed.has(p))) return true;
  return contents.removedPaths.some((path) => {
    const dir = path.slice(0, path.lastIndexOf("/")) || "/";
    if (!BIN_DIRECTORIES.has(dir.replace(/\/+$/, ""))) return false;
    const name = globRegExp(baseName(path));
    return programs.some((p) => name.test(p));
  });
}
