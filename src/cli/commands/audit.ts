/**
 * `shipshape audit …`: Kubernetes / OpenShift audit logs. This file only assembles the group; each
 * subcommand lives in ./audit/<name>.ts and loads its engine when it runs.
 */
import { Command } from "commander";
import { auditIngestCommand } from "./audit/ingest.js";
import { auditQueryCommand } from "./audit/query.js";
import { auditScanCommand } from "./audit/scan.js";
import { auditServeCommand } from "./audit/serve.js";

export function auditCommand(): Command {
  return new Command("audit")
    .summary("detect threats in Kubernetes and OpenShift audit logs")
    .description(
      "Read kube-apiserver / openshift-apiserver / oauth audit logs (audit.k8s.io/v1 Events) and run " +
        "Falco-compatible rules over them.",
    )
    .addCommand(auditScanCommand().exitOverride())
    .addCommand(auditIngestCommand().exitOverride())
    .addCommand(auditQueryCommand().exitOverride())
    .addCommand(auditServeCommand().exitOverride());
}
