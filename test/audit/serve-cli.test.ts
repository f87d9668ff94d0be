/**
 * `shipshape audit serve` as a process: it listens on 127.0.0.1, acknowledges an EventList built
 * from Elastic's real samples only once stored, answers /healthz, and on SIGTERM finishes and
 * exits 0 with the events in the store.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { freePort } from "../helpers/registry.js";
import { dataPath, repoPath } from "../helpers/shared.js";

let dir = "";
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "shipshape-serve-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function waitFor(child: ChildProcess, text: RegExp, stderr: { text: string }): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!text.test(stderr.text)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no ${text} in: ${stderr.text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("audit serve", () => {
  it("stores webhook batches before answering and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const store = join(dir, "serve.sqlite");
    const child = spawn(
      process.execPath,
      [repoPath("bin", "shipshape.js"), "audit", "serve", "--listen", `127.0.0.1:${port}`, "--store", store],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    const stderr = { text: "" };
    child.stderr?.on("data", (d: Buffer) => {
      stderr.text += d.toString();
    });
    try {
      await waitFor(child, /listening on http:\/\/127\.0\.0\.1:\d+/, stderr);
      const sample = readFileSync(dataPath("audit", "k8s", "test-audit.log"), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((e) => e.kind === "Event");
      const items = sample.map((e, i) => ({ ...e, auditID: `serve-${i}` }));
      const res = await fetch(`http://127.0.0.1:${port}/audit/webhook`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ kind: "EventList", apiVersion: "audit.k8s.io/v1", metadata: {}, items }),
      });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { received: number }).received).toBe(items.length);
      const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { events: number };
      expect(health.events).toBe(items.length);
      child.kill("SIGTERM");
      const [code] = await once(child, "exit");
      expect(code).toBe(0);
      expect(stderr.text).toMatch(new RegExp(`stopped: ${items.length} event\\(s\\) in 1 batch`));
      const q = runCli(["audit", "query", "--store", store, "--format", "json"]);
      const ids = q.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).id)
        .sort();
      expect(ids).toEqual(items.map((i) => i.auditID).sort());
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);

  it("refuses an address it cannot listen on with exit 2", async () => {
    const r = runCli(["audit", "serve", "--listen", "203.0.113.1:1", "--store", join(dir, "x.sqlite")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^shipshape: cannot listen on 203\.0\.113\.1:1/);
  });
});
