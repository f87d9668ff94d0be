/**
 * `shipshape audit query`: answer from the audit store — events, or with --alerts the alerts —
 * filtered by time window, user, verb, resource, namespace (and rule / least priority for alerts).
 */
import { Command, Option } from "commander";
import { ShipshapeError } from "../../../errors.js";
import { parseWholeNumber } from "./pipeline-setup.js";

interface QueryFlags {
  store?: string;
  since?: string;
  until?: string;
  user?: string;
  verb?: string;
  resource?: string;
  namespace?: string;
  source?: "k8s" | "auditd";
  alerts?: boolean;
  rule?: string;
  priority?: string;
  limit: string;
  raw?: boolean;
  format: "json" | "table";
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `90s`, `15m`, `1h`, `7d`, `2w` ago, or an RFC 3339 time / date. */
export function parseTimeFlag(flag: string, text: string, now: number): number {
  const rel = /^(\d{1,9})([smhdw])$/.exec(text);
  if (rel) return now - Number(rel[1]) * (UNIT_MS[rel[2] as string] as number);
  if (/^\d{4}-\d\d-\d\d([T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?)?$/i.test(text)) {
    const ms = Date.parse(/^\d{4}-\d\d-\d\d$/.test(text) ? `${text}T00:00:00Z` : text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new ShipshapeError(
    "usage",
    `${flag} ${JSON.stringify(text)} is neither a duration (30m, 1h, 7d) nor a time (2026-11-29T10:00:00Z)`,
  );
}

function cell(v: string | number | undefined, width: number): string {
  const s = v === undefined ? "-" : String(v);
  return s.length > width ? `${s.slice(0, width - 1)}…` : s.padEnd(width);
}

export function auditQueryCommand(): Command {
  return new Command("query")
    .summary("search stored audit events and alerts")
    .description(
      "Answer from the audit store that `audit ingest` and `audit serve` write. Filters combine (AND).",
    )
    .option(
      "--store <path|url>",
      "audit store: a SQLite file or postgres://… (default: env SHIPSHAPE_AUDIT_STORE, else ~/.cache/shipshape/audit.sqlite)",
    )
    .option("--since <when>", "from this long ago (30m, 1h, 7d) or this time (RFC 3339)")
    .option("--until <when>", "up to (not including) this long ago or this time")
    .option("--user <name>", "who: the Kubernetes username (auditd: the login user or auid)")
    .option("--verb <verb>", "Kubernetes verb (get, delete, create …); auditd: the syscall or record kind")
    .option("--resource <resource>", "Kubernetes resource (secrets, pods …)")
    .option("--namespace <ns>", "Kubernetes namespace (auditd: the node name)")
    .addOption(new Option("--source <source>", "only events of this kind").choices(["k8s", "auditd"]))
    .option("--alerts", "list alerts instead of events")
    .option("--rule <name>", "alerts of this rule only (implies --alerts)")
    .option("--priority <priority>", "alerts at or above this priority (implies --alerts)")
    .option("--limit <n>", "most rows printed, oldest first", "1000")
    .option("--raw", "json events: include the whole stored event")
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["json", "table"]).default("table"),
    )
    .addHelpText(
      "after",
      `
Examples:
  shipshape audit query --since 1h --verb delete --resource secrets
  shipshape audit query --since 1d --user system:anonymous --format json
  shipshape audit query --alerts --priority warning --since 7d --namespace payments
  shipshape audit query --store postgres://audit@db.example/audit --source auditd --verb execve

--format json prints one object per line: events {"time","id","stage","source","user","verb",
"resource","subresource","namespace","name","responseCode"} (and "event" with --raw; auditd events
also "summary": {"actor":{"primary","secondary"},"action","object":{"type","primary","secondary"},"how"},
who did what to what as go-libaudit normalizes it, shown after NAME in the table); alerts
{"rule","priority","time","output","auditID"} as audit scan prints them.
Exit codes: 0 answered (also when nothing matched); 2 usage error or a store that cannot be read.`,
    )
    .action(async (flags: QueryFlags) => {
      const now = Date.now();
      const query: import("../../../audit/store/records.js").EventQuery = {
        limit: parseWholeNumber("--limit", flags.limit, 1),
      };
      if (flags.since !== undefined) query.since = parseTimeFlag("--since", flags.since, now);
      if (flags.until !== undefined) query.until = parseTimeFlag("--until", flags.until, now);
      if (query.since !== undefined && query.until !== undefined && query.since >= query.until) {
        throw new ShipshapeError("usage", "--since must be before --until");
      }
      for (const key of ["user", "verb", "resource", "namespace", "source", "rule"] as const) {
        const v = flags[key];
        if (v !== undefined) (query as Record<string, unknown>)[key] = v;
      }
      if (flags.priority !== undefined) query.minPriority = flags.priority;
      const alerts = flags.alerts === true || flags.rule !== undefined || flags.priority !== undefined;
      const { openAuditStore } = await import("../../../audit/store/open.js");
      const store = await openAuditStore(flags.store);
      const lines: string[] = [];
      try {
        if (alerts) {
          const rows = await store.queryAlerts(query);
          for (const a of rows) {
            const time = new Date(a.time).toISOString();
            lines.push(
              flags.format === "json"
                ? JSON.stringify({
                    rule: a.rule,
                    priority: a.priority,
                    time,
                    output: a.output,
                    auditID: a.auditID,
                  })
                : `${time}  ${cell(a.priority, 13)}  ${a.rule}: ${a.output}`,
            );
          }
        } else {
          const rows = await store.queryEvents(query);
          // auditd events: who did what to what, from their records normalized (go-libaudit's aucoalesce).
          const auditd = rows.some((e) => e.source === "auditd")
            ? await import("../../../audit/auditd/summary.js")
            : undefined;
          const summarize = (e: (typeof rows)[number]) => {
            if (!auditd || e.source !== "auditd") return undefined;
            let lines: unknown;
            try {
              lines = JSON.parse(e.raw);
            } catch {
              return undefined;
            }
            if (!Array.isArray(lines) || !lines.every((l) => typeof l === "string")) return undefined;
            return auditd.summarizeAuditdLines(lines);
          };
          if (flags.format === "table" && rows.length > 0) {
            lines.push(
              `${cell("TIME", 24)}  ${cell("USER", 32)}  ${cell("VERB", 10)}  ${cell("RESOURCE", 20)}  ${cell("NAMESPACE", 16)}  NAME`,
            );
          }
          for (const e of rows) {
            const time = new Date(e.time).toISOString();
            if (flags.format === "json") {
              const out: Record<string, unknown> = {
                time,
                id: e.id,
                stage: e.stage,
                source: e.source,
                user: e.user,
                verb: e.verb,
                resource: e.resource,
                subresource: e.subresource,
                namespace: e.namespace,
                name: e.name,
                responseCode: e.responseCode,
              };
              const summary = summarize(e);
              if (summary) out.summary = summary;
              if (flags.raw) out.event = JSON.parse(e.raw);
              lines.push(JSON.stringify(out));
            } else {
              const resource = e.subresource ? `${e.resource ?? "-"}/${e.subresource}` : e.resource;
              const summary = summarize(e);
              const said = summary && auditd ? `  (${auditd.summaryText(summary)})` : "";
              lines.push(
                `${cell(time, 24)}  ${cell(e.user, 32)}  ${cell(e.verb, 10)}  ${cell(resource, 20)}  ${cell(e.namespace, 16)}  ${e.name ?? "-"}${said}`,
              );
            }
          }
        }
      } finally {
        await store.close();
      }
      if (lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
      else if (flags.format === "table")
        process.stderr.write(`shipshape: no ${alerts ? "alerts" : "events"} matched\n`);
    });
}
