/** A progress bar on stderr for long reads — only on a TTY, never in CI logs or piped output. */

export interface ByteProgress {
  add(bytes: number): void;
  stop(): void;
}

const noop: ByteProgress = { add: () => undefined, stop: () => undefined };

/** cli-progress loads only on a TTY (a pipe or CI log never pays for it). */
export async function byteProgress(label: string, total: number, enabled: boolean): Promise<ByteProgress> {
  if (!enabled || !process.stderr.isTTY || total <= 0) return noop;
  const { default: cliProgress } = await import("cli-progress");
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} [{bar}] {percentage}% | {done}/{size} MB | {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  const mb = (n: number) => (n / 1e6).toFixed(1);
  let done = 0;
  bar.start(total, 0, { done: mb(0), size: mb(total) });
  return {
    add(bytes) {
      done = Math.min(total, done + bytes);
      bar.update(done, { done: mb(done), size: mb(total) });
    },
    stop() {
      bar.stop();
    },
  };
}
