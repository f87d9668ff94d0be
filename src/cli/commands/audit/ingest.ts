/**
 * `shipshape audit ingest FILE…|-`: read Kubernetes audit logs or auditd logs (told apart by their
 * first bytes; gzip or plain), run the rules (Falco-compatible ones for Kubernetes events, the
 * node rules for auditd), store events and alerts (SQLite by default, PostgreSQL with a
 * postgres:// --store) and, with --forward, send them to Elasticsearch through an on-disk spool.
 * Engines load when the command runs.
 */
import { Command } from "commander";
import { ShipshapeError } from "../../../errors.js";
import { addPipelineOptions, openPipeline, type PipelineFlags, parseWholeNumber } from "./pipeline-setup.js";

interface IngestFlags extends PipelineFlags {
  batch: string;
}

const PROBLEMS_SHOWN = 10;

export function auditIngestCommand(): Command {
  const cmd = new Command("ingest")
    .summary("store audit events and their alerts (SQLite or PostgreSQL), optionally forward them")
    .description(
      "Read each FILE ('-' or none: stdin): Kubernetes audit Events (JSON lines, a JSON array or an " +
        "EventList) or a Linux auditd log (/var/log/audit/audit.log), gzip or plain; the kind is told " +
        "from the first bytes. Rules run on every event (Falco-compatible rules for Kubernetes, " +
        "shipshape's node rules for auditd) and events and alerts are stored, partitioned by day. " +
        "Malformed lines are reported with their line numbers and skipped.",
    )
    .argument("[files...]", "audit log files ('-' for stdin)");
  return addPipelineOptions(cmd, {
    rules: "Falco rules file for Kubernetes events; repeat for several, in order",
    noBuiltinRules: "run no rules on Kubernetes events unless --rules names some",
    retentionDays: "after ingesting, drop stored days older than N days",
  })
    .option("--batch <n>", "events written per transaction", "500")
    .addHelpText(
      "after",
      `
Examples:
  shipshape audit ingest /var/log/kube-apiserver/audit.log
  shipshape audit ingest --store postgres://audit@db.example/audit audit-*.log.gz
  ausearch --raw | shipshape audit ingest -            # auditd records from stdin
  shipshape audit ingest /var/log/audit/audit.log --forward elasticsearch://es.example:9200 --retention-days 30

Prints a summary on stderr (events read and stored, alerts, malformed lines, forwarding).
Exit codes: 0 ingested (malformed lines are skipped, not fatal); 2 usage error, an unreadable input,
a rules file that does not load, or a store that cannot be written.`,
    )
    .action(async (files: string[], flags: IngestFlags) => {
      const batchSize = parseWholeNumber("--batch", flags.batch, 1);
      const inputs = files.length === 0 ? ["-"] : files;
      if (inputs.filter((f) => f === "-").length > 1)
        throw new ShipshapeError("usage", "stdin ('-') can be read only once");
      const [{ openAuditInput, readAuditEvents }, { AuditIngestPipeline }, { sniffAuditLog }, auditd, rules] =
        await Promise.all([
          import("../../../audit/event-input.js"),
          import("../../../audit/store/pipeline.js"),
          import("../../../audit/store/sniff-input.js"),
          import("../../../audit/auditd/log-reader.js"),
          import("../../../audit/auditd/rules.js"),
        ]);
      const warn = (m: string) => process.stderr.write(`shipshape: warning: ${m}\n`);
      const opened = await openPipeline(flags, (line) => process.stderr.write(`shipshape: ${line}\n`));
      const { store, forwarder } = opened;
      const retention = opened.retentionDays;
      const pipeline = new AuditIngestPipeline(store, {
        ...opened.options,
        auditdDetector: rules.auditdDetector,
      });
      const totals = { received: 0, stored: 0, alerts: 0 };
      const add = (r: { received: number; events: number; raised: number }) => {
        totals.received += r.received;
        totals.stored += r.events;
        totals.alerts += r.raised;
      };
      try {
        for (const path of inputs) {
          const input = await openAuditInput(path);
          const { kind, chunks } = await sniffAuditLog(input.chunks, input.name);
          let problems = 0;
          const problem = (line: number, reason: string) => {
            problems++;
            if (problems <= PROBLEMS_SHOWN)
              process.stderr.write(`shipshape: ${input.name}:${line}: skipped: ${reason}\n`);
          };
          if (kind === "auditd") {
            const stats = auditd.newReadStats();
            let batch: import("../../../audit/auditd/assembler.js").AuditdEvent[] = [];
            for await (const e of auditd.readAuditdEvents(chunks, stats)) {
              batch.push(e);
              if (batch.length >= batchSize) {
                add(await pipeline.ingestAuditd(batch));
                batch = [];
              }
            }
            if (batch.length > 0) add(await pipeline.ingestAuditd(batch));
            for (const line of stats.malformedLines) problem(line, "not an auditd record");
            problems = stats.malformed;
            if (stats.lost > 0)
              warn(`${input.name}: ${stats.lost} auditd event(s) missing (gaps in the serial numbers)`);
          } else {
            let batch: import("../../../audit/event.js").AuditEvent[] = [];
            for await (const { event } of readAuditEvents(chunks, {
              source: input.name,
              onProblem: (p) => problem(p.line, p.reason),
            })) {
              batch.push(event);
              if (batch.length >= batchSize) {
                add(await pipeline.ingestK8s(batch));
                batch = [];
              }
            }
            if (batch.length > 0) add(await pipeline.ingestK8s(batch));
          }
          if (problems > 0) {
            const more = problems > PROBLEMS_SHOWN ? ` (${problems - PROBLEMS_SHOWN} not shown)` : "";
            process.stderr.write(`shipshape: ${input.name}: ${problems} malformed line(s) skipped${more}\n`);
          }
        }
        process.stderr.write(
          `shipshape: ${totals.received} event(s) read, ${totals.stored} new stored, ${totals.alerts} alert(s); store ${store.location}\n`,
        );
        if (retention !== undefined) {
          const dropped = await store.applyRetention(retention);
          if (dropped.length > 0)
            process.stderr.write(
              `shipshape: retention: dropped ${dropped.length} day(s) (${dropped[0]}…${dropped.at(-1)})\n`,
            );
        }
        if (forwarder) {
          const r = await forwarder.drain();
          process.stderr.write(
            `shipshape: forwarded ${r.delivered} document(s) to ${forwarder.target.display}${r.rejected > 0 ? `, ${r.rejected} refused` : ""}${r.pending > 0 ? `; ${r.pending} wait in ${forwarder.spool.dir} (${r.stoppedBy ?? "not sent"})` : ""}\n`,
          );
        }
      } finally {
        await forwarder?.close();
        await store.close();
      }
    });
}
