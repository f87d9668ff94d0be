/**
 * The WHERE clause both stores share for a query on one day's table: time bounds and exact matches,
 * always as bound parameters. `placeholder(i)` gives the dialect's parameter syntax (`?` or `$i`).
 */
import { ShipshapeError } from "../../errors.js";
import { type EventQuery, PRIORITIES } from "./records.js";

export interface SqlFilter {
  where: string;
  params: (string | number)[];
}

export function buildFilter(
  query: EventQuery,
  kind: "events" | "alerts",
  placeholder: (index: number) => string,
  firstIndex = 1,
): SqlFilter {
  const clauses: string[] = [];
  const params: (string | number)[] = [];
  const add = (sql: string, value: string | number) => {
    params.push(value);
    clauses.push(sql.replace("?", placeholder(firstIndex + params.length - 1)));
  };
  if (query.since !== undefined) add("time >= ?", query.since);
  if (query.until !== undefined) add("time < ?", query.until);
  if (query.user !== undefined) add("user_name = ?", query.user);
  if (query.verb !== undefined) add("verb = ?", query.verb);
  if (query.resource !== undefined) add("resource = ?", query.resource);
  if (query.namespace !== undefined) add("namespace = ?", query.namespace);
  if (query.source !== undefined) add("source = ?", query.source);
  if (kind === "alerts") {
    if (query.rule !== undefined) add("rule = ?", query.rule);
    if (query.minPriority !== undefined) {
      const rank = PRIORITIES.indexOf(query.minPriority.toUpperCase() as (typeof PRIORITIES)[number]);
      if (rank === -1) {
        throw new ShipshapeError(
          "usage",
          `priority "${query.minPriority}" is not one of Falco's: ${PRIORITIES.join(", ")}`,
        );
      }
      add("priority_rank <= ?", rank);
    }
  }
  return { where: clauses.length === 0 ? "" : `WHERE ${clauses.join(" AND ")}`, params };
}

/** Priority → rank (0 = EMERGENCY); unknown priorities rank last. */
export function priorityRank(priority: string): number {
  const rank = PRIORITIES.indexOf(priority.toUpperCase() as (typeof PRIORITIES)[number]);
  return rank === -1 ? PRIORITIES.length : rank;
}

export const DEFAULT_LIMIT = 1000;
