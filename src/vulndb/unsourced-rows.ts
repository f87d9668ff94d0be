/**
 * KEV and EPSS rows are stored without the feed that wrote them (unlike vulnerabilities and affected
 * rows), so `copyFeedsFrom` cannot carry them into a new build. `db update` and `db import` watch
 * which tables each importer writes, to fetch such feeds whole instead of carrying them, or to say
 * that their rows are not kept. A store that does carry them says so with `carriesKevEpss: true`.
 */
import type { BuildSession, VulnStore } from "./store.js";

/** Which of the tables without a feed column an import wrote. */
export interface UnsourcedWrites {
  kev: boolean;
  epss: boolean;
}

export const noUnsourcedWrites = (): UnsourcedWrites => ({ kev: false, epss: false });

/** The session an importer sees: the build's own, noting KEV/EPSS writes; never commit or abort. */
export function trackingSession(session: BuildSession, writes: UnsourcedWrites): BuildSession {
  return {
    putVulnerabilities: (source, records) => session.putVulnerabilities(source, records),
    putAffected: (records) => session.putAffected(records),
    putKev: (records) => {
      if (records.length > 0) writes.kev = true;
      return session.putKev(records);
    },
    putEpss: (records) => {
      if (records.length > 0) writes.epss = true;
      return session.putEpss(records);
    },
    setFeedState: (state) => session.setFeedState(state),
    copyFeedsFrom: (live, feeds) => session.copyFeedsFrom(live, feeds),
    commit: () => Promise.reject(new Error("an importer must not commit the build")),
    abort: () => Promise.reject(new Error("an importer must not abort the build")),
  };
}

export function carriesUnsourced(store: VulnStore): boolean {
  return (store as { carriesKevEpss?: unknown }).carriesKevEpss === true;
}

/**
 * The KEV/EPSS rows of `live` that a build carrying feeds over would lose: those kinds it holds
 * that no import of the build wrote (so a carried feed wrote them).
 */
export function unsourcedLosses(
  live: { kev: number; epss: number },
  written: UnsourcedWrites,
  store: VulnStore,
): { kev: number; epss: number } | null {
  if (carriesUnsourced(store)) return null;
  const kev = written.kev ? 0 : live.kev;
  const epss = written.epss ? 0 : live.epss;
  return kev + epss > 0 ? { kev, epss } : null;
}
