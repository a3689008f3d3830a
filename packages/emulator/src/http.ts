import type { FastifyRequest } from "fastify";
import { GraphFault } from "./fault.ts";

/**
 * The emulator registers no body parsers: uploads must stream straight from the socket, and
 * Graph's `PUT …/content` carries any content type (a JSON file is still a file). Routes that
 * take a small structured body read it with these.
 */
export async function readBody(request: FastifyRequest, limit = 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit)
      throw new GraphFault(413, "requestTooLarge", `The request body is larger than ${limit} bytes.`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export async function readJson<T = Record<string, unknown>>(request: FastifyRequest): Promise<T> {
  const body = await readBody(request);
  if (body.length === 0) return {} as T;
  try {
    return JSON.parse(body.toString("utf8")) as T;
  } catch {
    throw new GraphFault(
      400,
      "BadRequest",
      "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    );
  }
}

export async function readForm(request: FastifyRequest): Promise<URLSearchParams> {
  return new URLSearchParams((await readBody(request, 64 * 1024)).toString("utf8"));
}

/** The query string of the raw URL, undecoded by any framework. */
export function rawQuery(request: FastifyRequest): URLSearchParams {
  const q = request.raw.url?.indexOf("?") ?? -1;
  return new URLSearchParams(q >= 0 ? (request.raw.url ?? "").slice(q + 1) : "");
}

/** The raw path (still percent-encoded) after a fixed prefix. */
export function rawPathAfter(request: FastifyRequest, prefix: string): string {
  const url = request.raw.url ?? "";
  const q = url.indexOf("?");
  const path = q >= 0 ? url.slice(0, q) : url;
  return path.startsWith(prefix) ? path.slice(prefix.length) : path;
}
