/**
 * How hadolint's stateful rules name build stages: a stage is known by its alias (`FROM x AS name`)
 * or, without one, by its image name; `FROM name` builds on the stage known as `name`.
 */
import type { FromImage } from "../parse.js";

export function stageName(from: FromImage): string {
  return from.alias ?? from.image;
}

/** Per-stage facts that a later `FROM <stage>` inherits (WORKDIR set, ENV names …). */
export class StageFacts<T> {
  private readonly byName = new Map<string, T>();
  private current: string | null = null;

  constructor(private readonly empty: () => T) {}

  /** A FROM: the new stage starts with what its base stage had (or `empty`). */
  enter(from: FromImage): void {
    const inherited = this.byName.get(from.image);
    this.current = stageName(from);
    this.byName.set(this.current, inherited === undefined ? this.empty() : this.copy(inherited));
  }

  /** The facts of the stage being read (instructions before any FROM share one unnamed stage). */
  get(): T {
    const key = this.current ?? "";
    let facts = this.byName.get(key);
    if (facts === undefined) {
      facts = this.empty();
      this.byName.set(key, facts);
    }
    return facts;
  }

  set(value: T): void {
    this.byName.set(this.current ?? "", value);
  }

  private copy(value: T): T {
    return value instanceof Set ? (new Set(value) as T) : value;
  }
}
