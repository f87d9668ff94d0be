/**
 * Where the peer tools installed from bench/package.json live, and which versions they are. The
 * versions go into results.json, so a figure can be traced to the build that made it.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

export function peers(benchDir) {
  const modules = join(benchDir, "node_modules");
  const versionOf = (dir) => {
    try {
      return JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).version;
    } catch {
      return null;
    }
  };
  const cdxgenDir = join(modules, "@cyclonedx", "cdxgen");
  // Trivy's own cataloger: the trivy-cdxgen binary that cdxgen's plugin package ships. bench/
  // installs the current plugin package at top level; cdxgen itself keeps the version it pins.
  const pluginDir = join(modules, "@cdxgen", "cdxgen-plugins-bin-linux-amd64");
  const cdxgenPluginDir = join(cdxgenDir, "node_modules", "@cdxgen", "cdxgen-plugins-bin-linux-amd64");
  return {
    snyk: { version: versionOf(join(modules, "snyk-docker-plugin")) },
    cdxgen: {
      script: join(cdxgenDir, "bin", "cdxgen.js"),
      version: versionOf(cdxgenDir),
      pluginVersion: versionOf(existsSync(cdxgenPluginDir) ? cdxgenPluginDir : pluginDir),
    },
    trivy: {
      binary: join(pluginDir, "plugins", "trivy", "trivy-cdxgen-linux-amd64"),
      pluginVersion: versionOf(pluginDir),
    },
  };
}
