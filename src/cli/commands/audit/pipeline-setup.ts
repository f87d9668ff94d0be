/**
 * What `audit ingest` and `audit serve` share: the flags that choose the store, the rules and the
 * forwarder, and opening them in that order (rules first, so that a rules file that does not load
 * fails before a store or a spool is touched). Both commands then feed an AuditIngestPipeline.
 */
import { homedir } from "node:os";
import { isAbsolute, join } from "node:path";
import type { Command } from "commander";
import type { ElasticsearchForwarder } from "../../../audit/forward/elasticsearch.js";
import type { PipelineOptions } from "../../../audit/store/pipeline.js";
import type { AuditStore } from "../../../audit/store/records.js";
import { ShipshapeError } from "../../../errors.js";

export interface PipelineFlags {
  store?: string;
  rules?: string[];
  builtinRules: boolean;
  forward?: string;
  spoolDir?: string;
  spoolMaxMb: string;
  retentionDays?: string;
}

export const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function defaultSpoolDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME || homedir(), ".cache");
  return join(base, "shipshape", "audit-spool");
}

export function parseWholeNumber(flag: string, text: string, min: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n < min) {
    throw new ShipshapeError(
      "usage",
      `${flag} must be a whole number of at least ${min}, not ${JSON.stringify(text)}`,
    );
  }
  return n;
}

/** The store, rules, forwarding and retention flags, with each command's own words for some. */
export function addPipelineOptions(
  cmd: Command,
  help: { rules: string; noBuiltinRules: string; retentionDays: string },
): Command {
  return cmd
    .option(
      "--store <path|url>",
      "audit store: a SQLite file or postgres://… (default: env SHIPSHAPE_AUDIT_STORE, else ~/.cache/shipshape/audit.sqlite)",
    )
    .option("-r, --rules <file>", help.rules, collect)
    .option("--no-builtin-rules", help.noBuiltinRules)
    .option(
      "--forward <url>",
      "also send events and alerts to elasticsearch://[user:pass@]host[:port][/index-prefix]",
    )
    .option("--spool-dir <dir>", "where unsent documents wait (default ~/.cache/shipshape/audit-spool)")
    .option(
      "--spool-max-mb <n>",
      "cap of the spool; the oldest unsent documents are dropped, with a warning, past it",
      "256",
    )
    .option("--retention-days <n>", help.retentionDays);
}

export interface OpenedPipeline {
  store: AuditStore;
  forwarder: ElasticsearchForwarder | undefined;
  /** The Kubernetes rules and the forwarder; a command adds what else it needs. */
  options: PipelineOptions;
  /** --retention-days, parsed. */
  retentionDays: number | undefined;
}

/** Load the rules, open the forwarder and the store that the flags name. `log` gets one line each. */
export async function openPipeline(
  flags: PipelineFlags,
  log: (line: string) => void,
): Promise<OpenedPipeline> {
  const spoolMax = parseWholeNumber("--spool-max-mb", flags.spoolMaxMb, 1);
  const retentionDays =
    flags.retentionDays === undefined
      ? undefined
      : parseWholeNumber("--retention-days", flags.retentionDays, 1);
  const options: PipelineOptions = {};
  const ruleFiles = flags.rules ?? [];
  if (ruleFiles.length > 0 || flags.builtinRules) {
    const engineModule = await import("../../../audit/rules/engine.js");
    const engine = await engineModule.loadAuditRules(
      ruleFiles.length > 0 ? ruleFiles : engineModule.builtinRulesFiles(),
    );
    for (const note of engine.notes) log(`note: ${note}`);
    options.k8sDetector = engine;
  }
  let forwarder: ElasticsearchForwarder | undefined;
  if (flags.forward !== undefined) {
    const { ElasticsearchForwarder } = await import("../../../audit/forward/elasticsearch.js");
    forwarder = await ElasticsearchForwarder.open(flags.forward, {
      spoolDir: flags.spoolDir ?? defaultSpoolDir(),
      maxBytes: spoolMax * 1024 * 1024,
      onWarning: (m) => log(`warning: ${m}`),
    });
    options.forwarder = forwarder;
  }
  const { openAuditStore } = await import("../../../audit/store/open.js");
  let store: AuditStore;
  try {
    store = await openAuditStore(flags.store);
  } catch (err) {
    await forwarder?.close();
    throw err;
  }
  return { store, forwarder, options, retentionDays };
}
