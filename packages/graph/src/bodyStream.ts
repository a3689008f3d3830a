// A response whose body is read as a sequence of chunks, for downloads. Without a custom `fetch`,
// the bytes come through undici's low-level `dispatch` rather than global `fetch` (WHATWG
// streams): for the same 64 MiB body on loopback, undici's Node-stream `request` took about 40%
// less CPU than `fetch`, and `dispatch` less again, and on a 2-core machine shared with the server
// that CPU is the download's speed (issue 18). A client built with its own `fetch` gets every
// request through it, downloads included.

// Types only, from the copy of undici's declarations that @types/node itself depends on: at run
// time the dispatcher is Node's own (see globalDispatcher), so the package needs no undici.
import type { Dispatcher } from "undici-types";

/** What the transport's retry loop needs of any answer: fetch's `Response` has all of it. */
export interface Answer {
  status: number;
  ok: boolean;
  headers: { get(name: string): string | null };
  /** The unread body, to drop (frees or closes the connection). */
  body: { cancel(): Promise<void> } | null;
  text(): Promise<string>;
}

/** A response with its body as chunks. */
export interface BodyResponse extends Answer {
  /** The body's chunks, in order (one reader only). */
  chunks(): AsyncIterator<Uint8Array>;
  /** Stops reading and drops the rest of the body; safe to call more than once, or after the end. */
  cancel(): Promise<void>;
}

export interface BodyRequestInit {
  method: string;
  headers: Headers;
  signal: AbortSignal | null;
  redirect: RequestRedirect;
}

/** A fetch `Response` seen as a BodyResponse (for clients given their own `fetch`). */
export function fetchBody(response: Response): BodyResponse {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const cancel = async () => {
    if (reader) await reader.cancel().catch(() => undefined);
    else await response.body?.cancel().catch(() => undefined);
  };
  return {
    status: response.status,
    ok: response.ok,
    headers: response.headers,
    body: response.body ? { cancel } : null,
    text: () => response.text(),
    cancel,
    chunks() {
      reader ??= (response.body as ReadableStream<Uint8Array>).getReader();
      const r = reader;
      return {
        async next() {
          const { done, value } = await r.read();
          return done ? { done: true, value: undefined } : { done: false, value };
        },
      };
    },
  };
}

/**
 * Where undici keeps the process's global dispatcher: Node's bundled copy and any copy from npm
 * alike, which is how `setGlobalDispatcher` from the npm package reaches Node's own `fetch`.
 */
const GLOBAL_DISPATCHER = Symbol.for("undici.globalDispatcher.1");

let bundledReady: Promise<void> | undefined;

/**
 * The dispatcher Node's `fetch` uses, so connections are shared with the Graph calls and a proxy
 * or CA set with `setGlobalDispatcher` applies here too. Read each time: a job may set its own
 * later. Node's bundled undici puts its Agent there when `fetch` first runs; until then a `data:`
 * URL makes it do so with no I/O. That costs about 22 ms once, against about 52 ms to import the
 * undici package here, a fifth of a 64 MiB download on loopback. Undefined where there is no
 * undici at all (a browser): the caller then uses `fetch`.
 */
async function globalDispatcher(): Promise<Dispatcher | undefined> {
  const installed = () => (globalThis as Record<symbol, Dispatcher | undefined>)[GLOBAL_DISPATCHER];
  if (installed() === undefined) {
    bundledReady ??= fetch("data:,").then(
      (r) => r.arrayBuffer().then(() => undefined),
      () => undefined,
    );
    await bundledReady;
  }
  return installed();
}

/**
 * Chunks of at least this many bytes are handed on. The network delivers a TLS record at a time
 * (16 KiB); every chunk then costs a trip through the reader's generators, the hash, the
 * ReadableStream and the caller's loop. Joining them into 256 KiB costs one copy (about 10 ms per
 * 64 MiB) and saves 15 of every 16 such trips.
 */
const JOIN_BYTES = 256 * 1024;
/** The connection pauses when this much is received and not yet read (backpressure). */
const PAUSE_BYTES = 1024 * 1024;

/**
 * A GET through undici's low-level `dispatch`, on the global dispatcher (see globalDispatcher).
 * Body chunks arrive in a plain callback, without the Node or WHATWG stream machinery in between.
 * Redirects are followed when asked (`redirect: "follow"`), up to 20.
 */
export async function undiciBody(url: string, init: BodyRequestInit): Promise<BodyResponse> {
  const dispatcher = await globalDispatcher();
  if (dispatcher === undefined) return fetchBody(await fetch(url, init));
  const headers: Record<string, string> = {};
  init.headers.forEach((value, name) => {
    headers[name] = value;
  });
  let target = url;
  for (let hops = 0; ; hops++) {
    const answer = await dispatchOnce(dispatcher, target, init.method, headers, init.signal);
    const location = answer.headers.get("location");
    if (init.redirect !== "follow" || answer.status < 300 || answer.status >= 400 || !location || hops >= 20)
      return answer;
    await answer.cancel();
    const next = new URL(location, target);
    // As fetch does: credentials never follow a redirect to another origin (Graph's /content
    // sends the client to a file host that needs none).
    if (next.origin !== new URL(target).origin) delete headers.authorization;
    target = next.href;
  }
}

function dispatchOnce(
  dispatcher: Dispatcher,
  url: string,
  method: string,
  headers: Record<string, string>,
  signal: AbortSignal | null,
): Promise<BodyResponse> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const u = new URL(url);
  return new Promise<BodyResponse>((resolve, reject) => {
    const body = new DispatchedBody();
    let settled = false;
    let abort: ((error?: Error) => void) | undefined;
    const onAbort = () => abort?.(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const done = () => signal?.removeEventListener("abort", onAbort);
    dispatcher.dispatch(
      {
        origin: u.origin,
        path: `${u.pathname}${u.search}`,
        method: method as Dispatcher.HttpMethod,
        headers,
      },
      {
        onConnect(abortRequest) {
          abort = abortRequest;
          body.abort = abortRequest;
          if (signal?.aborted) abortRequest(signal.reason);
        },
        onHeaders(status, rawHeaders, resume) {
          body.status = status;
          body.ok = status >= 200 && status < 300;
          body.resume = resume;
          for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
            const name = String(rawHeaders[i]).toLowerCase();
            const value = String(rawHeaders[i + 1]);
            const had = body.headerMap.get(name);
            body.headerMap.set(name, had === undefined ? value : `${had}, ${value}`);
          }
          settled = true;
          resolve(body);
          return true;
        },
        onData: (chunk) => body.push(chunk),
        onComplete() {
          done();
          body.end();
        },
        onError(error) {
          done();
          if (settled) body.fail(error);
          else reject(error);
        },
      },
    );
  });
}

/** The body of a dispatched request: chunks queued by undici's callbacks, read in order. */
class DispatchedBody implements BodyResponse {
  status = 0;
  ok = false;
  readonly headerMap = new Map<string, string>();
  readonly headers = { get: (name: string) => this.headerMap.get(name.toLowerCase()) ?? null };
  readonly body = { cancel: () => this.cancel() };
  abort: ((error?: Error) => void) | undefined;
  resume: (() => void) | undefined;
  private queue: Uint8Array[] = [];
  private queued = 0;
  private paused = false;
  private ended = false;
  private cancelled = false;
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  push(chunk: Uint8Array): boolean {
    if (this.cancelled) return true;
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued >= JOIN_BYTES) this.notify();
    if (this.queued < PAUSE_BYTES) return true;
    this.paused = true;
    return false;
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(error: Error): void {
    this.failure = error;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /** Everything queued, as one chunk (a copy only when there is more than one). */
  private take(): Uint8Array {
    const out =
      this.queue.length === 1 ? (this.queue[0] as Uint8Array) : Buffer.concat(this.queue, this.queued);
    this.queue = [];
    this.queued = 0;
    if (this.paused) {
      this.paused = false;
      this.resume?.();
    }
    return out;
  }

  chunks(): AsyncIterator<Uint8Array> {
    return {
      next: async (): Promise<IteratorResult<Uint8Array>> => {
        for (;;) {
          // Bytes received before a failure are delivered first: a resumed range starts after them.
          if (this.queued >= JOIN_BYTES || (this.queued > 0 && (this.ended || this.failure)))
            return { done: false, value: this.take() };
          if (this.failure) throw this.failure;
          if (this.ended) return { done: true, value: undefined };
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        }
      },
    };
  }

  async cancel(): Promise<void> {
    if (this.cancelled) return;
    this.cancelled = true;
    this.queue = [];
    this.queued = 0;
    if (!this.ended && !this.failure) this.abort?.();
  }

  async text(): Promise<string> {
    const decoder = new TextDecoder();
    let text = "";
    const it = this.chunks();
    for (;;) {
      const { done, value } = await it.next();
      if (done) return text + decoder.decode();
      text += decoder.decode(value, { stream: true });
    }
  }
}
