/**
 * `shipshape audit scan FILE… [--rules FILE]… [--format json|table] [--fail-on PRIORITY]`: run
 * Falco-compatible rules over audit logs and print one alert per line. Malformed input lines are
 * summarised on stderr and never stop the scan. The engine (src/audit) loads when the command runs.
 */
import { setFlagsFromString } from "node:v8";
import { Command, Option } from "commander";
import type { EventInputProblem } from "../../../audit/event-input.js";
import type { AuditAlert } from "../../../audit/rules/engine.js";
import type { Priority } from "../../../audit/rules/priority.js";
import { describeError, EXIT_POLICY, ShipshapeError } from "../../../errors.js";

interface ScanFlags {
  rules?: string[];
  format: "json" | "table";
  failOn?: string;
  maxLineBytes: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/** How many malformed lines per input are listed one by one before only counting. */
const PROBLEMS_SHOWN = 10;

/**
 * stdout with back-pressure. Alert text is encoded into 64 KiB buffers at once, so the strings die
 * young: holding ~64 KiB of alert strings until a flush made them outlive scavenges and tripled the
 * garbage collector's work on large logs. The scan awaits flush() once per chunk read when full.
 */
class BufferedOut {
  private static readonly SIZE = 64 * 1024;
  private ready: Buffer[] = [];
  private buf = Buffer.allocUnsafe(BufferedOut.SIZE);
  private len = 0;

  add(text: string): void {
    // A UTF-16 unit takes at most 3 bytes of UTF-8.
    if (this.len + text.length * 3 > this.buf.length) {
      if (this.len > 0) this.ready.push(this.buf.subarray(0, this.len));
      this.buf = Buffer.allocUnsafe(Math.max(BufferedOut.SIZE, text.length * 3));
      this.len = 0;
    }
    this.len += this.buf.write(text, this.len);
  }

  full(): boolean {
    return this.ready.length > 0;
  }

  async flush(): Promise<void> {
    if (this.len > 0) {
      this.ready.push(this.buf.subarray(0, this.len));
      this.buf = Buffer.allocUnsafe(BufferedOut.SIZE);
      this.len = 0;
    }
    if (this.ready.length === 0) return;
    const chunk = this.ready.length === 1 ? this.ready[0]! : Buffer.concat(this.ready);
    this.ready = [];
    if (!process.stdout.write(chunk)) await new Promise((r) => process.stdout.once("drain", r));
  }
}

/**
 * `{"rule","priority","time","output","auditID"}` as JSON.stringify writes that object, built from
 * a per-rule prefix and the three per-event strings (no object and no key walk per alert).
 */
function jsonRenderer(): (a: AuditAlert) => string {
  const prefixes = new Map<string, { priority: string; text: string }>();
  return (a) => {
    let prefix = prefixes.get(a.rule);
    if (prefix === undefined || prefix.priority !== a.priority) {
      const text = `{"rule":${JSON.stringify(a.rule)},"priority":${JSON.stringify(a.priority)},"time":`;
      prefix = { priority: a.priority, text };
      prefixes.set(a.rule, prefix);
    }
    return `${prefix.text}${jsonString(a.time)},"output":${jsonString(a.output)},"auditID":${jsonString(a.auditID)}}\n`;
  };
}

/** What JSON.stringify escapes in a string: quotes, backslashes, control characters, lone surrogates. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** JSON.stringify(s), without its escaping pass for the common string that needs none. */
function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

function renderRow(a: AuditAlert): string {
  return `${a.time}  ${a.priority.padEnd(13)}  ${a.rule}: ${a.output}\n`;
}

export function auditScanCommand(): Command {
  return new Command("scan")
    .summary("run Falco-compatible rules over audit logs and print alerts")
    .description(
      "Read Kubernetes audit Events (JSON lines, a JSON array or an EventList; gzip or plain) from " +
        "each FILE, or stdin for '-' or no FILE, and print an alert for every rule an event matches. " +
        "Rules are Falco rules files used unchanged (rule, macro, list, append/override, exceptions, " +
        "the k8saudit plugin's ka.* fields and jevt.value[/pointer]); only rules with source k8s_audit " +
        "run. Without --rules, shipshape's built-in rules run (exec/attach, secrets read, RBAC " +
        "escalation, anonymous access, privileged pods, admission and audit changes, node debug, " +
        "unapproved registries). Malformed lines are reported on stderr with their line numbers.",
    )
    .argument("[files...]", "audit log files ('-' for stdin)")
    .addOption(
      new Option(
        "-r, --rules <file>",
        "Falco rules file; repeat to load several in order (later files append to or override earlier ones)",
      ).argParser(collect),
    )
    .addOption(
      new Option("-f, --format <format>", "output format").choices(["json", "table"]).default("table"),
    )
    .addOption(
      new Option("--fail-on <priority>", "exit 1 when an alert is at or above this priority (e.g. warning)"),
    )
    .addOption(
      new Option(
        "--max-line-bytes <n>",
        "longest line (or JSON document) read; longer ones are skipped",
      ).default(String(16 * 1024 * 1024)),
    )
    .addHelpText(
      "after",
      `
Examples:
  shipshape audit scan /var/log/kube-apiserver/audit.log
  zcat audit-*.log.gz | shipshape audit scan --format json -
  shipshape audit scan audit.log.gz \\
      --rules falco_rules_lists.yaml --rules k8s_audit_rules.yaml --rules my_overrides.yaml
  oc adm node-logs --role=master --path=kube-apiserver/audit.log | shipshape audit scan --fail-on warning

Output: --format json prints one alert per line:
  {"rule":"…","priority":"Warning","time":"<event stageTimestamp>","output":"…","auditID":"…"}
"output" is the rule's output with its fields filled in (<NA> for a field the event lacks, (a,b)
for a list). Falco prints the same text after "<time>: <Priority> " (its json "output"); here time
and priority have keys of their own, so "output" is what Falco's json calls "message".
Priorities, most severe first: Emergency Alert Critical Error Warning Notice Informational Debug.

Exit codes: 0 scanned (alerts or not, unless --fail-on); 1 an alert at or above --fail-on;
2 usage error, an unreadable input or a rules file that does not load (the message names file:line).`,
    )
    .action(async (files: string[], flags: ScanFlags) => {
      // bin/shipshape.js tunes V8 for short commands and image streaming: the young generation is
      // kept at its initial 1 MiB, and a lower optimisation tier (--max-opt=1, which turns TurboFan
      // off) has been tried there. A scan is one long hot loop over millions of events, so it takes
      // V8's defaults back. Measured on the 300k-event bench log: in 1 MiB the per-event objects
      // were promoted (3× the scavenges, ~50 full GCs, a quarter of the CPU time; peak RSS 95 → 83
      // MB with growth); without TurboFan 60k instead of 113k events per CPU-second. Both flags
      // take effect at V8's next decision (growth, tier-up), so setting them here is enough.
      for (const flag of ["--semi-space-growth-factor=2", "--max-opt=999", "--turbofan"])
        setFlagsFromString(flag);
      const [{ scanAuditEvents, openAuditInput }, engineModule, { parsePriority }] = await Promise.all([
        import("../../../audit/event-input.js"),
        import("../../../audit/rules/engine.js"),
        import("../../../audit/rules/priority.js"),
      ]);
      let failOn: Priority | undefined;
      if (flags.failOn !== undefined) {
        failOn = parsePriority(flags.failOn);
        if (failOn === undefined) {
          throw new ShipshapeError(
            "usage",
            `--fail-on ${JSON.stringify(flags.failOn)} is not a priority (emergency, alert, critical, error, warning, notice, info, debug)`,
          );
        }
      }
      const maxValueBytes = Number(flags.maxLineBytes);
      if (!Number.isInteger(maxValueBytes) || maxValueBytes < 1024) {
        throw new ShipshapeError("usage", "--max-line-bytes must be a whole number of at least 1024");
      }
      const engine = await engineModule.loadAuditRules(flags.rules ?? engineModule.builtinRulesFiles());
      for (const note of engine.notes) process.stderr.write(`shipshape: note: ${note}\n`);

      const inputs = files.length === 0 ? ["-"] : files;
      if (inputs.filter((f) => f === "-").length > 1)
        throw new ShipshapeError("usage", "stdin ('-') can be read only once");
      const out = new BufferedOut();
      const render = flags.format === "json" ? jsonRenderer() : renderRow;
      let failed = false;
      let alerts = 0;
      for (const path of inputs) {
        const { name, chunks } = await openAuditInput(path);
        let problems = 0;
        const onProblem = (p: EventInputProblem) => {
          problems++;
          if (problems <= PROBLEMS_SHOWN)
            process.stderr.write(`shipshape: ${p.source}:${p.line}: skipped: ${p.reason}\n`);
        };
        let events = 0;
        try {
          // Each event is evaluated as soon as its line is parsed; the pipe's back-pressure is
          // honoured once per chunk read, not with an await per alert.
          const afterChunk = () => (out.full() ? out.flush() : undefined);
          await scanAuditEvents(
            chunks,
            { source: name, maxValueBytes, onProblem, afterChunk },
            ({ event, origin }) => {
              events++;
              let raised: AuditAlert[];
              try {
                raised = engine.evaluate(event);
              } catch (err) {
                // Not expected (fields extract without throwing); if it happens, the event is
                // reported like a malformed line and the scan goes on.
                onProblem({
                  source: name,
                  line: origin.line,
                  reason: `could not be evaluated (${describeError(err)})`,
                });
                return;
              }
              for (let i = 0; i < raised.length; i++) {
                const alert = raised[i]!;
                alerts++;
                if (failOn !== undefined && engineModule.atOrAbove(alert.priority, failOn)) failed = true;
                out.add(render(alert));
              }
            },
          );
        } finally {
          await out.flush();
        }
        if (problems > 0) {
          const more = problems > PROBLEMS_SHOWN ? ` (${problems - PROBLEMS_SHOWN} not shown)` : "";
          process.stderr.write(
            `shipshape: ${name}: ${problems} malformed line(s) skipped${more}; ${events} event(s) read\n`,
          );
        }
      }
      if (flags.format === "table" && alerts === 0) process.stderr.write("shipshape: no alerts\n");
      if (failed) process.exitCode = EXIT_POLICY;
    });
}
