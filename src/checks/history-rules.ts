/**
 * Build practices visible in the image history (`created_by` of each entry), Dockle's checks that
 * read it: CIS-DI-0007 (`apt-get update` alone), CIS-DI-0009 (ADD instead of COPY), DKL-DI-0001
 * (sudo), DKL-DI-0003 (dist-upgrade), DKL-DI-0004 (`apk add` without --no-cache) and DKL-DI-0005
 * (apt lists left behind). Each entry is split into simple commands with their words (shell-words.ts),
 * so `sudo` must be a command, not any word (Dockle flags `apt-get install sudo` too), and options
 * are told from subcommands (`apt-get -o X=Y update`). Titles show the command, not the whole line
 * (history lines can carry credentials; config-secret-rules.ts reports those).
 */
import type { HistoryEntry } from "../image/oci.js";
import type { ImageContext, ImageRule, RuleHit } from "./rule.js";
import {
  historyCommandText,
  programOf,
  type ShellCommand,
  splitCommands,
  subcommandOf,
} from "./shell-words.js";

const APT = new Set(["apt-get", "apt"]);
const APT_OPTIONS_WITH_VALUE = new Set([
  "-o",
  "-c",
  "-t",
  "-a",
  "--option",
  "--config-file",
  "--target-release",
  "--host-architecture",
]);

/** apk's global options that take a value (`apk -X URL add curl`: add is the subcommand). */
const APK_OPTIONS_WITH_VALUE = new Set([
  "-X",
  "--repository",
  "-p",
  "--root",
  "--arch",
  "--cache-dir",
  "--keys-dir",
  "--repositories-file",
  "--cache-max-age",
  "--timeout",
]);

interface Step {
  program: string;
  sub: string | null;
  args: string[];
  wrappers: string[];
}

function stepsOf(entry: HistoryEntry): Step[] {
  return splitCommands(historyCommandText(entry.created_by ?? "")).flatMap((c: ShellCommand) => {
    const p = programOf(c);
    if (!p) return [];
    const withValue = APT.has(p.program)
      ? APT_OPTIONS_WITH_VALUE
      : p.program === "apk"
        ? APK_OPTIONS_WITH_VALUE
        : new Set<string>();
    const sub = subcommandOf(p.args, withValue);
    return [{ program: p.program, sub, args: p.args, wrappers: p.wrappers }];
  });
}

function isApt(step: Step, ...subs: string[]): boolean {
  return APT.has(step.program) && step.sub !== null && subs.includes(step.sub);
}

/** `rm` with a recursive flag on apt's lists (Dockle: rm -rf /var/lib/apt/lists[/*]). */
function removesAptLists(step: Step): boolean {
  if (step.program !== "rm") return false;
  const recursive = step.args.some((a) => /^-[a-zA-Z]*[rR]/.test(a) || a === "--recursive");
  return recursive && step.args.some((a) => /^\/var\/lib\/apt\/lists\/?(?:\*|\/\*)?;?$/.test(a));
}

function historyHits(
  config: ImageContext["config"],
  test: (steps: Step[], entry: HistoryEntry) => string | null,
): RuleHit[] {
  const hits: RuleHit[] = [];
  (config.history ?? []).forEach((entry, index) => {
    const what = test(stepsOf(entry), entry);
    if (what) hits.push({ title: `History entry ${index}: ${what}` });
  });
  return hits;
}

export const aptUpdateAloneRule: ImageRule = {
  id: "SS1030",
  scope: "image",
  severity: "low",
  dockle: "CIS-DI-0007",
  title: "apt-get update without an install in the same layer",
  remediation:
    "Run `apt-get update && apt-get install -y …` in one RUN: a cached update layer makes later installs use stale package lists.",
  test: ({ config }) =>
    historyHits(config, (steps) => {
      const update = steps.findIndex((s) => isApt(s, "update"));
      if (update === -1) return null;
      const later = steps
        .slice(update + 1)
        .some((s) => isApt(s, "install", "upgrade", "dist-upgrade", "full-upgrade"));
      return later ? null : `\`${steps[update]!.program} update\` with no install or upgrade after it`;
    }),
};

export const addInsteadOfCopyRule: ImageRule = {
  id: "SS1031",
  scope: "image",
  severity: "low",
  dockle: "CIS-DI-0009",
  title: "ADD used instead of COPY",
  remediation:
    "Use COPY for local files; ADD also unpacks archives and fetches URLs, which hides what goes into the image. (The base image's own rootfs ADD is not reported.)",
  test({ config }) {
    const hits: RuleHit[] = [];
    let first = true;
    (config.history ?? []).forEach((entry, index) => {
      const words = splitCommands(entry.created_by ?? "").flatMap((c) => c.words);
      const isAdd = words.includes("ADD") && (words.includes("in") || words.includes("buildkit"));
      if (!isAdd) return;
      // The earliest ADD is the base image's root filesystem (Dockle exempts it too).
      if (first) {
        first = false;
        return;
      }
      hits.push({ title: `History entry ${index} uses ADD` });
    });
    return hits;
  },
};

export const sudoRule: ImageRule = {
  id: "SS1032",
  scope: "image",
  severity: "medium",
  dockle: "DKL-DI-0001",
  title: "sudo used in the build",
  remediation:
    "Build steps already run as the USER in effect; switch with USER instead of sudo, and do not install sudo in the image.",
  test: ({ config }) =>
    historyHits(config, (steps) => {
      const s = steps.find((x) => x.wrappers.includes("sudo") || x.program === "sudo");
      return s ? `runs \`sudo ${s.program}\`` : null;
    }),
};

export const distUpgradeRule: ImageRule = {
  id: "SS1033",
  scope: "image",
  severity: "low",
  dockle: "DKL-DI-0003",
  title: "apt-get dist-upgrade in the build",
  remediation:
    "Do not dist-upgrade inside an image (it can move the image to another release); rebuild from an updated base image instead.",
  test: ({ config }) =>
    historyHits(config, (steps) => {
      const s = steps.find((x) => isApt(x, "dist-upgrade", "full-upgrade"));
      return s ? `runs \`${s.program} ${s.sub}\`` : null;
    }),
};

export const apkNoCacheRule: ImageRule = {
  id: "SS1034",
  scope: "image",
  severity: "low",
  dockle: "DKL-DI-0004",
  title: "apk add without --no-cache",
  remediation: "Use `apk add --no-cache …` so the package index is not stored in the layer.",
  test: ({ config }) =>
    historyHits(config, (steps) => {
      const s = steps.find((x) => x.program === "apk" && x.sub === "add" && !x.args.includes("--no-cache"));
      return s ? "runs `apk add` without --no-cache" : null;
    }),
};

export const aptListsLeftRule: ImageRule = {
  id: "SS1035",
  scope: "image",
  severity: "low",
  dockle: "DKL-DI-0005",
  title: "apt package lists left in the layer",
  remediation:
    "End the RUN that calls apt-get update/install with `&& rm -rf /var/lib/apt/lists/*` (or use a cache mount) so the lists do not bloat the layer.",
  test: ({ config }) =>
    historyHits(config, (steps, entry) => {
      const first = steps.findIndex((s) => isApt(s, "update", "install"));
      if (first === -1) return null;
      const cleaned = steps
        .slice(first + 1)
        .some((s) => removesAptLists(s) || isApt(s, "dist-clean", "distclean"));
      // BuildKit records cache mounts in the line: lists on a cache mount never reach the layer.
      const cacheMount = /--mount=[^ ]*type=cache[^ ]*target=\/var\/lib\/apt/.test(entry.created_by ?? "");
      return cleaned || cacheMount
        ? null
        : `\`${steps[first]!.program} ${steps[first]!.sub}\` without removing /var/lib/apt/lists`;
    }),
};
