/**
 * Programs a production image should not carry (the seed's advice: only the tools the application
 * needs, no debuggers, the package manager removed): package managers, shells, network clients,
 * debugging tools, and — for information — language interpreters. Found by file (PATH lookup in the
 * squashed view), package managers also by the package database.
 */
import type { Package } from "../catalog/package.js";
import { describeInstance, type FoundTool, findTools } from "./find-tools.js";
import type { FilesystemRule, RuleHit } from "./rule.js";
import { DEBUG_TOOLS, INTERPRETERS, NETWORK_CLIENTS, PACKAGE_MANAGERS, SHELLS } from "./tool-table.js";

function listed(found: FoundTool): string {
  return found.instances.map(describeInstance).join(", ");
}

function toolHits(found: FoundTool[], what: string): RuleHit[] {
  return found.map((f) => ({
    title: `${what} ${f.spec.tool} in the image: ${listed(f)}${f.spec.note ? ` (${f.spec.note})` : ""}`,
    path: f.instances[0]!.path,
    tool: f.spec.tool,
  }));
}

export const packageManagerRule: FilesystemRule = {
  id: "SS1001",
  scope: "filesystem",
  severity: "medium",
  title: "Package manager in the image",
  remediation:
    "Build in one stage and copy only the application into a minimal final stage (distroless, scratch, a -slim/-micro base), or remove the package manager at the end of the build.",
  test({ fs, catalog, searchPath }) {
    const byFile = new Map(findTools(fs, PACKAGE_MANAGERS, searchPath).map((f) => [f.spec.tool, f]));
    const hits: RuleHit[] = [];
    for (const spec of PACKAGE_MANAGERS) {
      const wanted = new Set(spec.packages);
      const pkg: Package | undefined = catalog.packages.find((p) => wanted.has(p.name));
      const found = byFile.get(spec.tool);
      const listedAs = pkg ? ` (package ${pkg.name} ${pkg.version})` : "";
      if (found) {
        hits.push({
          title: `Package manager ${spec.tool} in the image: ${listed(found)}${listedAs}`,
          path: found.instances[0]!.path,
          tool: spec.tool,
        });
      } else if (pkg) {
        // The database says it is installed but no program is on the PATH (deleted, or a database
        // copied in): lower, but it tells how the image was built and a manager may come back.
        const hit: RuleHit = {
          title: `Package manager ${spec.tool} is installed according to the package database${listedAs}, but no ${spec.tool} program is in the image`,
          severity: "low",
          tool: spec.tool,
        };
        const where = pkg.locations[0]?.path;
        if (where) hit.path = where;
        hits.push(hit);
      }
    }
    return hits;
  },
};

export const shellRule: FilesystemRule = {
  id: "SS1002",
  scope: "filesystem",
  severity: "low",
  title: "Shell in the image",
  remediation:
    "Use a base without a shell (distroless, scratch) when the application does not run shell scripts; an attacker with code execution then has no shell to work with.",
  test: ({ fs, searchPath }) => toolHits(findTools(fs, SHELLS, searchPath), "Shell"),
};

export const networkClientRule: FilesystemRule = {
  id: "SS1003",
  scope: "filesystem",
  severity: "medium",
  title: "Network client in the image",
  remediation:
    "Remove network tools the application does not need (curl, wget, nc, ssh, telnet, ftp, socat, the openssl command); they let an intruder download tools and move data out.",
  test: ({ fs, searchPath }) => toolHits(findTools(fs, NETWORK_CLIENTS, searchPath), "Network client"),
};

export const debugToolRule: FilesystemRule = {
  id: "SS1004",
  scope: "filesystem",
  severity: "high",
  title: "Debugging tool in the image",
  remediation:
    "Do not ship debuggers and tracers (gdb, strace, ltrace, tcpdump, perf) in production images; attach them from a debug container (kubectl debug) when needed.",
  test: ({ fs, searchPath }) => toolHits(findTools(fs, DEBUG_TOOLS, searchPath), "Debugging tool"),
};

export const interpreterRule: FilesystemRule = {
  id: "SS1005",
  scope: "filesystem",
  severity: "info",
  title: "Language interpreter in the image",
  remediation:
    "Keep an interpreter only when the application runs on it; an interpreter left behind by a dependency lets an intruder run scripts.",
  test: ({ fs, searchPath }) => toolHits(findTools(fs, INTERPRETERS, searchPath), "Interpreter"),
};
