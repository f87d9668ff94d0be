/** Falco's rule priorities (syslog severities), most severe first, named as Falco prints them. */
export const PRIORITIES = [
  "Emergency",
  "Alert",
  "Critical",
  "Error",
  "Warning",
  "Notice",
  "Informational",
  "Debug",
] as const;
export type Priority = (typeof PRIORITIES)[number];

/** Falco accepts any case, and "info" for Informational. */
export function parsePriority(text: string): Priority | undefined {
  const t = text.trim().toLowerCase();
  if (t === "info") return "Informational";
  return PRIORITIES.find((p) => p.toLowerCase() === t);
}

/** Smaller is more severe: Emergency 0 … Debug 7. */
export function priorityRank(p: Priority): number {
  return PRIORITIES.indexOf(p);
}
