/**
 * `shipshape audit serve --listen HOST:PORT`: the audit webhook sink for kube-apiserver's webhook
 * backend (--audit-webhook-config-file). Batches are stored before they are acknowledged; SIGINT
 * or SIGTERM stops accepting, finishes the batches in flight, drains the forwarder and exits 0.
 */
import { Command } from "commander";
import { ShipshapeError } from "../../../errors.js";
import { addPipelineOptions, openPipeline, type PipelineFlags, parseWholeNumber } from "./pipeline-setup.js";

interface ServeFlags extends PipelineFlags {
  listen: string;
  maxQueuedEvents: string;
}

export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  if (!m || port > 65535) {
    throw new ShipshapeError(
      "usage",
      `--listen ${JSON.stringify(text)} is not HOST:PORT (e.g. 127.0.0.1:8443 or [::1]:8443)`,
    );
  }
  return { host: (m[1] ?? m[2]) as string, port };
}

export function auditServeCommand(): Command {
  const cmd = new Command("serve")
    .summary("receive kube-apiserver audit webhook batches and store them")
    .description(
      "An HTTP endpoint for the apiserver's webhook audit backend: POSTed EventList batches are run " +
        "through the rules and stored (and forwarded), and only then acknowledged. A full queue answers " +
        "429 and a failing store 503, both with Retry-After, which the apiserver honours by retrying.",
    )
    .requiredOption(
      "--listen <host:port>",
      "address to listen on (use 127.0.0.1 behind a TLS proxy or a Service)",
    )
    .option("--max-queued-events <n>", "events being written at once before batches get 429", "10000");
  return addPipelineOptions(cmd, {
    rules: "Falco rules file; repeat for several, in order",
    noBuiltinRules: "run no rules unless --rules names some",
    retentionDays: "drop stored days older than N days (checked hourly)",
  })
    .addHelpText(
      "after",
      `
Examples:
  shipshape audit serve --listen 127.0.0.1:8443 --store postgres://audit@db/audit
  shipshape audit serve --listen 0.0.0.0:9880 --forward elasticsearch://es:9200 --retention-days 30

kube-apiserver side (--audit-webhook-config-file), a kubeconfig whose cluster server is
  http://127.0.0.1:8443/audit/webhook   (POST / works too)
GET /healthz answers {"ok":true,…counters}.
Exit codes: 0 stopped by SIGINT/SIGTERM; 2 usage error, a store or rules file that cannot be opened,
or an address that cannot be listened on.`,
    )
    .action(async (flags: ServeFlags) => {
      const { host, port } = parseListen(flags.listen);
      const maxQueued = parseWholeNumber("--max-queued-events", flags.maxQueuedEvents, 1);
      const [{ AuditIngestPipeline }, { createAuditWebhook }] = await Promise.all([
        import("../../../audit/store/pipeline.js"),
        import("../../../audit/serve/webhook.js"),
      ]);
      const log = (m: string) => process.stderr.write(`shipshape: ${m}\n`);
      const { store, forwarder, options, retentionDays: retention } = await openPipeline(flags, log);
      const hook = createAuditWebhook(new AuditIngestPipeline(store, options), {
        maxQueuedEvents: maxQueued,
        onError: log,
      });
      try {
        await hook.app.listen({ host, port });
      } catch (err) {
        await store.close();
        await forwarder?.close();
        throw new ShipshapeError("network", `cannot listen on ${flags.listen}: ${(err as Error).message}`, {
          cause: err,
        });
      }
      const address = hook.app.server.address();
      const shown =
        typeof address === "object" && address
          ? `${address.family === "IPv6" ? `[${address.address}]` : address.address}:${address.port}`
          : flags.listen;
      log(`audit webhook listening on http://${shown} (store ${store.location})`);
      const timers: NodeJS.Timeout[] = [];
      if (forwarder) {
        const fwd = forwarder;
        timers.push(
          setInterval(() => {
            fwd.drain().then(
              (r) => {
                if (r.stoppedBy !== undefined && r.pending > 0)
                  log(`forwarding paused, ${r.pending} waiting: ${r.stoppedBy}`);
              },
              (err: unknown) => log(`forwarding failed: ${(err as Error).message}`),
            );
          }, 5000),
        );
      }
      if (retention !== undefined) {
        const apply = () =>
          store.applyRetention(retention).then(
            (days) => days.length > 0 && log(`retention: dropped ${days.length} day(s)`),
            (err: unknown) => log(`retention failed: ${(err as Error).message}`),
          );
        void apply();
        timers.push(setInterval(apply, 3_600_000));
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
      for (const t of timers) clearInterval(t);
      log("stopping: finishing batches in flight");
      await hook.app.close();
      if (forwarder) {
        const r = await forwarder.drain().catch(() => undefined);
        if (r && r.pending > 0)
          log(`${r.pending} document(s) wait in ${forwarder.spool.dir} for the next run`);
        await forwarder.close();
      }
      await store.close();
      log(
        `stopped: ${hook.stats.events} event(s) in ${hook.stats.batches} batch(es), ${hook.stats.alerts} alert(s), ${hook.stats.malformed} malformed request(s)`,
      );
    });
}
