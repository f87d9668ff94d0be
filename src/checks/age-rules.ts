/**
 * How old the image is, from the config's `created`: an image that is not rebuilt does not get its
 * base image's fixes (the seed: keep images up to date). Reproducible builds (distroless, ko, Bazel,
 * Nix) write a fixed placeholder instead of the build time — the Unix epoch, or Go's zero time —
 * and some builders write nothing: then the age is unknown, and that is what is reported (an
 * `info` finding saying "placeholder date"), never "56 years old".
 */
import { hasOwnConfig, type ImageRule } from "./rule.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Before Docker existed (2013): a date this early is a placeholder, not a build time. */
const EARLIEST_REAL_BUILD = Date.UTC(2013, 0, 1);

export type CreatedDate =
  | { kind: "missing" }
  | { kind: "invalid"; text: string }
  | { kind: "placeholder"; text: string }
  | { kind: "future"; date: Date }
  | { kind: "date"; date: Date };

export function createdDate(created: string | undefined, now: Date): CreatedDate {
  if (created === undefined || created.trim() === "") return { kind: "missing" };
  const ms = Date.parse(created);
  if (Number.isNaN(ms)) return { kind: "invalid", text: created };
  if (ms < EARLIEST_REAL_BUILD) return { kind: "placeholder", text: created };
  // A clock a little ahead is not worth a finding; a date days ahead is.
  if (ms > now.getTime() + DAY_MS) return { kind: "future", date: new Date(ms) };
  return { kind: "date", date: new Date(ms) };
}

export const imageAgeRule: ImageRule = {
  id: "SS1022",
  scope: "image",
  severity: "low",
  title: "Image not rebuilt recently",
  remediation:
    "Rebuild the image regularly (and whenever the base image is updated) so it picks up security fixes; automate it in CI.",
  test({ config, now, options }) {
    const c = createdDate(config.created, now);
    if (c.kind !== "date") return [];
    const days = Math.floor((now.getTime() - c.date.getTime()) / DAY_MS);
    if (days <= options.maxAgeDays) return [];
    return [
      {
        title: `The image was built ${days} days ago (${c.date.toISOString().slice(0, 10)}), more than ${options.maxAgeDays}`,
        severity: days > 365 ? "medium" : "low",
      },
    ];
  },
};

export const unknownAgeRule: ImageRule = {
  id: "SS1023",
  scope: "image",
  severity: "info",
  title: "Build date unknown",
  remediation:
    "Nothing to fix if the build is reproducible on purpose; judge freshness by the base image and package versions instead (scan), or record the build time in a label such as org.opencontainers.image.created.",
  test(ctx) {
    if (!hasOwnConfig(ctx)) return [];
    const c = createdDate(ctx.config.created, ctx.now);
    switch (c.kind) {
      case "placeholder":
        return [
          {
            title: `The creation date ${c.text} is a placeholder date (reproducible build): the image's age is unknown`,
          },
        ];
      case "missing":
        return [{ title: "The config has no creation date: the image's age is unknown" }];
      case "invalid":
        return [
          { title: `The creation date ${JSON.stringify(c.text)} cannot be read: the image's age is unknown` },
        ];
      case "future":
        return [
          { title: `The creation date ${c.date.toISOString()} is in the future: the image's age is unknown` },
        ];
      default:
        return [];
    }
  },
};
