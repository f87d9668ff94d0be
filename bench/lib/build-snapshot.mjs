/**
 * A private copy of the built CLI (bin/, dist/, package.json) taken when the bench starts, so
 * every run of the bench measures the same build even when dist/ is rebuilt meanwhile (other work
 * in the same checkout). node_modules is a symlink to the repository's. Also records which commit
 * the build came from and whether src/ had uncommitted changes, so a figure can be traced.
 */
import { spawnSync } from "node:child_process";
import { cp, mkdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";

export async function snapshotBuild(root, dir) {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(join(root, "dist"), join(dir, "dist"), { recursive: true });
  await cp(join(root, "bin"), join(dir, "bin"), { recursive: true });
  await cp(join(root, "package.json"), join(dir, "package.json"));
  await symlink(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  const git = (...args) => {
    const result = spawnSync("git", ["-C", root, ...args], { encoding: "utf8" });
    return result.status === 0 ? result.stdout.trim() : null;
  };
  const changed = git("status", "--porcelain", "--", "src");
  return {
    cli: join(dir, "bin", "shipshape.js"),
    commit: git("rev-parse", "--short", "HEAD"),
    srcChanged: changed === null ? null : changed.split("\n").filter(Boolean).length,
  };
}
