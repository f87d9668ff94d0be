/**
 * SS2011: the final stage copies build tools from another stage or image (COPY --from): whole system
 * directories (/, /usr, /bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin …, or their `*`), toolchains
 * (/usr/local/go, cargo, /usr/lib/gcc …) or programs that are compilers, package managers, shells,
 * network clients or debuggers. Multi-stage builds exist to leave those behind.
 */
import type { RuleHit } from "../rule.js";
import { copyOperands, flagValue } from "../words.js";
import { finalStageOf } from "./final-stage.js";
import { baseName } from "./package-commands.js";
import type { ShipshapeRule } from "./shipshape-rule.js";

const SYSTEM_DIRECTORIES = new Set([
  "/",
  "/usr",
  "/bin",
  "/sbin",
  "/usr/bin",
  "/usr/sbin",
  "/usr/local",
  "/usr/local/bin",
  "/usr/local/sbin",
  "/usr/libexec",
]);
const TOOLCHAINS =
  /^(?:\/usr\/local\/go|\/usr\/lib\/go(?:-[\d.]+)?|\/usr\/local\/cargo|\/usr\/local\/rustup|\/root\/\.cargo|\/root\/\.rustup|\/usr\/lib\/gcc|\/usr\/libexec\/gcc|\/usr\/lib\/jvm\/[^/]*jdk[^/]*|\/opt\/maven|\/usr\/share\/maven|\/root\/\.m2|\/usr\/local\/lib\/node_modules\/npm)(?:\/|$)/;
const PROGRAMS = new Set([
  // compilers and build tools
  "gcc",
  "g++",
  "cc",
  "c++",
  "clang",
  "clang++",
  "ld",
  "as",
  "make",
  "cmake",
  "ninja",
  "go",
  "rustc",
  "cargo",
  "javac",
  "mvn",
  "gradle",
  "git",
  // package managers
  "apt",
  "apt-get",
  "dpkg",
  "apk",
  "dnf",
  "yum",
  "microdnf",
  "rpm",
  "pip",
  "pip3",
  "npm",
  "npx",
  "yarn",
  "gem",
  // shells
  "sh",
  "bash",
  "dash",
  "zsh",
  "ash",
  "busybox",
  // network clients and debuggers
  "curl",
  "wget",
  "nc",
  "ncat",
  "socat",
  "ssh",
  "scp",
  "telnet",
  "ftp",
  "gdb",
  "strace",
  "ltrace",
  "tcpdump",
  "perf",
]);

/** Why copying this source brings build tools, or null. */
export function buildToolReason(source: string): string | null {
  const path = source.replace(/\/\*$/, "").replace(/\/+$/, "") || "/";
  if (SYSTEM_DIRECTORIES.has(path)) return `the whole ${path} directory`;
  if (TOOLCHAINS.test(path)) return "a toolchain";
  if (PROGRAMS.has(baseName(path))) return `the program ${baseName(path)}`;
  return null;
}

export const SS2011: ShipshapeRule = {
  code: "SS2011",
  severity: "warning",
  message: "The final stage copies build tools from another stage",
  title: "Build tools copied into the final stage",
  remediation:
    "Copy only the build's output (the binary, the application folder, the runtime libraries it needs) with COPY --from; never whole system directories, compilers, package managers, shells or debuggers.",
  onbuild: false,
  *check(_stream, ctx) {
    const final = finalStageOf(ctx);
    if (final === null) return;
    for (const i of final.instructions) {
      if (i.keyword !== "COPY") continue;
      const from = flagValue(i, "from");
      const operands = copyOperands(i);
      if (from === null || operands === null) continue;
      for (const source of operands.sources) {
        const reason = buildToolReason(source);
        if (reason !== null) {
          yield {
            line: i.line,
            message: `COPY --from=${from} ${source} brings ${reason} into the final stage; copy only the build's output`,
          } satisfies RuleHit;
        }
      }
    }
  },
};
