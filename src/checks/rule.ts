/**
 * The shape of an image hygiene rule and of what it reports.
 *
 * Two kinds of rule, by what they read:
 * - `filesystem` rules read the layers (the squashed view, every layer's entries — files deleted in a
 *   later layer are still in the image — and what their FileRequests captured) and the catalog. The
 *   layers are named by verified diffIDs, so their findings are cached with the catalog.
 * - `image` rules read the config, the names the image goes by and "today": they are cheap and are
 *   evaluated on every run (the same layers can be tagged `latest` one day and `1.2` the next).
 */
import type { CatalogResult } from "../catalog/catalog.js";
import type { FileRequest } from "../image/file-request.js";
import type { ImageFilesystem } from "../image/filesystem.js";
import type { ImageSourceFacts } from "../image/inspect.js";
import type { ImageConfig } from "../image/oci.js";
import type { CheckSeverity } from "./severity.js";

/** One finding: the `findings[]` entries of `scan` and `check` JSON. */
export interface HygieneFinding {
  /** SS-prefixed rule id (e.g. SS1003). */
  rule: string;
  severity: CheckSeverity;
  /** What was found, specifically (never a secret's value). */
  title: string;
  /** The file in the image, when the finding is about one. */
  path?: string;
  /** The layer (0 = base) that holds the file, when that matters (secrets, deleted files). */
  layer?: number;
  /** The program a tool check found ("nc" for /usr/bin/nc -> nc.openbsd), for policies' forbidden tools. */
  tool?: string;
  remediation: string;
  /** Dockle's checkpoint code for the same check (CIS-DI-…, DKL-DI-…, DKL-LI-…), where it has one. */
  dockle?: string;
}

/** What a rule's test returns per problem; the rule supplies the rest of the finding. */
export interface RuleHit {
  title: string;
  path?: string;
  layer?: number;
  tool?: string;
  /** When this hit is worse (or milder) than the rule's default. */
  severity?: CheckSeverity;
}

export interface RuleBase {
  id: string;
  /** Default severity. */
  severity: CheckSeverity;
  /** What the rule is about, in general ("Shell in the image"). */
  title: string;
  remediation: string;
  dockle?: string;
}

export interface FilesystemContext {
  fs: ImageFilesystem;
  catalog: CatalogResult;
  /** Where programs are looked up: the standard bin directories, then the config's PATH (search-path.ts). */
  searchPath: readonly string[];
  /** Something odd but survivable (an unreadable file a rule wanted). */
  warn(message: string): void;
}

export interface ImageContext {
  config: ImageConfig;
  source: ImageSourceFacts;
  catalog: CatalogResult;
  now: Date;
  options: ResolvedCheckOptions;
}

export interface FilesystemRule extends RuleBase {
  scope: "filesystem";
  /** Files whose bytes (or analysis) the rule needs, read in the same pass as the catalog's. */
  requests?: readonly FileRequest[];
  test(ctx: FilesystemContext): RuleHit[];
}

export interface ImageRule extends RuleBase {
  scope: "image";
  test(ctx: ImageContext): RuleHit[];
}

export type CheckRule = FilesystemRule | ImageRule;

export interface CheckOptions {
  /** An image older than this many days is reported (default 90; a year or more is worse). */
  maxAgeDays?: number;
}

export type ResolvedCheckOptions = Required<CheckOptions>;

export const DEFAULT_CHECK_OPTIONS: ResolvedCheckOptions = { maxAgeDays: 90 };

/**
 * Whether the image has a config of its own to judge: a `dir:` root filesystem has none (shipshape
 * makes a placeholder), so the rules about the user, the health check and the build date say nothing
 * rather than "runs as root".
 */
export function hasOwnConfig(ctx: ImageContext): boolean {
  return ctx.source.transport !== "dir";
}

export function findingOf(rule: RuleBase, hit: RuleHit): HygieneFinding {
  const finding: HygieneFinding = {
    rule: rule.id,
    severity: hit.severity ?? rule.severity,
    title: hit.title,
    remediation: rule.remediation,
  };
  if (hit.path !== undefined) finding.path = hit.path;
  if (hit.layer !== undefined) finding.layer = hit.layer;
  if (hit.tool !== undefined) finding.tool = hit.tool;
  if (rule.dockle !== undefined) finding.dockle = rule.dockle;
  return finding;
}
