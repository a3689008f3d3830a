// Web ReadableStreams are async-iterable in Node and modern browsers, but TypeScript's DOM types
// don't say so yet; this reads one portably.

export async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Bytes as a fetch body. (TypeScript 5.9 types Uint8Array over ArrayBufferLike, which BodyInit rejects.) */
export function asBody(bytes: Uint8Array): BodyInit {
  return bytes as Uint8Array<ArrayBuffer>;
}

/**
 * Bytes as a request body that is sent without being copied first. The fetch standard makes a
 * copy of a Uint8Array body; for 10 MiB upload fragments that copy is pure garbage, and it is what
 * pushed an upload's peak memory past its budget. A one-chunk stream, sent with an explicit
 * Content-Length header by the caller, sends the same bytes in place (a fresh stream per attempt keeps retries possible).
 */
export function streamingBody(bytes: Uint8Array): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(bytes);
      controller.close();
    },
  });
}
