/**
 * Files that only a careless COPY puts into an image (Dockle's DKL-LI-0003): build files
 * (Dockerfile, docker-compose.yml), editor and OS leftovers (.vimrc, .DS_Store), and tool folders
 * that hold caches, history or credentials (.git/, .aws/, .azure/, .gcp/, .cache/, .npm/, .vscode/,
 * .idea/). As in Dockle, folders inside node_modules/ and vendor/ are libraries' own business.
 * From the squashed view; one finding per folder, not per file in it.
 */
import type { FilesystemRule, RuleHit } from "./rule.js";

const FILE_NAMES = new Set(["Dockerfile", "docker-compose.yml", ".vimrc", ".DS_Store"]);
const DIRECTORY_NAMES = new Set([".cache", ".aws", ".azure", ".gcp", ".git", ".vscode", ".idea", ".npm"]);
const IGNORED = /\/(?:node_modules|vendor)\//;

export const unnecessaryFilesRule: FilesystemRule = {
  id: "SS1014",
  scope: "filesystem",
  severity: "info",
  dockle: "DKL-LI-0003",
  title: "Unnecessary file in the image",
  remediation:
    "Keep build files, editor settings and tool folders out of the build context with .dockerignore, or COPY only what the application needs.",
  test({ fs }) {
    const hits: RuleHit[] = [];
    let inside: string | null = null;
    for (const [path, node] of fs.walk()) {
      if (inside !== null && path.startsWith(inside)) continue; // already reported its folder
      inside = null;
      if (IGNORED.test(path)) continue;
      const base = path.slice(path.lastIndexOf("/") + 1);
      if (node.kind === "dir" && DIRECTORY_NAMES.has(base)) {
        hits.push({ title: `Folder ${base}/ in the image: ${path}`, path });
        inside = `${path}/`;
      } else if (node.kind === "file" && FILE_NAMES.has(base)) {
        hits.push({ title: `${base} in the image: ${path}`, path });
      }
    }
    return hits;
  },
};
