/**
 * The error body of the distribution API (`{"errors":[{"code":"MANIFEST_UNKNOWN","message":…}]}`).
 * Only the code is kept: it is a fixed vocabulary, while messages and details are server text that
 * could echo anything back.
 */
import type http from "node:http";

const MAX_ERROR_BODY = 64 * 1024;
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

/** The first error code of a distribution error body, if it has one. */
export function errorCodeOf(body: Uint8Array): string | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString("utf8"));
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const errors = (value as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return undefined;
  const code = (errors[0] as { code?: unknown } | undefined)?.code;
  return typeof code === "string" && CODE.test(code) ? code : undefined;
}

/** Read (a bounded prefix of) an error response and return its code; never throws. */
export async function readErrorCode(res: http.IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > MAX_ERROR_BODY) {
        res.destroy();
        break;
      }
      chunks.push(chunk);
    }
  } catch {
    return undefined;
  }
  return errorCodeOf(Buffer.concat(chunks));
}

/** `503 Service Unavailable` style text for a status, with the API code when there is one. */
export function statusText(status: number, code: string | undefined): string {
  return code ? `${status} ${code}` : `${status}`;
}
