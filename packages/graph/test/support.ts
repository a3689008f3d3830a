import { type EmulatorOptions, type RunningEmulator, startEmulator } from "@ferry/emulator";
import { expect } from "vitest";
import {
  InvalidPathError,
  OneDriveClient,
  type OneDriveClientOptions,
  type TokenSource,
} from "../src/index.ts";

/** How a test's token source was used: calls, forced refreshes (after Graph's 401), and tokens minted. */
export interface TokenCounts {
  calls: number;
  forced: number;
  minted: number;
}

/**
 * The token source every test uses in the broker's place, for one emulator account: it mints through the
 * emulator's admin API, keeps the token, and mints a new one when asked to force a refresh.
 */
export function emulatorTokenSource(
  emu: RunningEmulator,
  account = "personal",
  counts: TokenCounts = { calls: 0, forced: 0, minted: 0 },
): TokenSource {
  let cached: string | undefined;
  return async (opts) => {
    counts.calls++;
    if (opts?.forceRefresh) counts.forced++;
    if (opts?.forceRefresh || cached === undefined) {
      counts.minted++;
      cached = (await emu.admin.token(account)).accessToken;
    }
    return cached;
  };
}

export interface Harness {
  emu: RunningEmulator;
  /** A client for a test account, with a token source backed by the emulator's admin API. */
  client(account?: string, options?: Partial<OneDriveClientOptions>): OneDriveClient;
  /** How many times each account's token source was asked for a fresh token. */
  refreshes: { get(account: string): number | undefined };
  close(): Promise<void>;
}

/** Starts an emulator and hands out clients; the token source plays the part of the broker. */
export async function harness(options: EmulatorOptions = {}): Promise<Harness> {
  const emu = await startEmulator(options);
  // One source per account, shared by that account's clients, as one broker connection would be.
  const sources = new Map<string, { token: TokenSource; counts: TokenCounts }>();
  const sourceFor = (account: string) => {
    let source = sources.get(account);
    if (source === undefined) {
      const counts = { calls: 0, forced: 0, minted: 0 };
      source = { token: emulatorTokenSource(emu, account, counts), counts };
      sources.set(account, source);
    }
    return source;
  };
  return {
    emu,
    refreshes: { get: (account) => sources.get(account)?.counts.forced },
    client(account = "personal", extra = {}) {
      return new OneDriveClient({
        baseUrl: emu.graphUrl,
        retry: { baseDelayMs: 10, maxDelayMs: 200 },
        ...extra,
        token: sourceFor(account).token,
      });
    },
    close: () => emu.close(),
  };
}

/** Deterministic pseudo-random bytes (fast, no crypto) so sizes up to hundreds of MB are cheap. */
export function bytes(size: number, seed = 1): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size);
  const words = new Uint32Array(out.buffer, 0, size >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < size; i++) out[i] = i & 0xff;
  return out;
}

/** Streams `size` deterministic bytes in 1 MiB chunks without holding them all. */
export async function* byteStream(size: number, seed = 1): AsyncGenerator<Uint8Array> {
  const block = bytes(1024 * 1024, seed);
  for (let sent = 0; sent < size; sent += block.length) {
    const n = Math.min(block.length, size - sent);
    // A fresh copy per chunk: the consumer may keep a reference while we produce the next one.
    const chunk = block.slice(0, n);
    chunk[0] = (sent / block.length) & 0xff;
    yield chunk;
  }
}

/**
 * Byte-for-byte equality. Vitest's deep `toEqual` walks a typed array element by element and takes
 * seconds on a few megabytes; this is a memcmp.
 */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  const a = Buffer.from(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength);
  expect(a.equals(b)).toBe(true);
}

/** The InvalidPathError `fn` throws; fails the test when it returns instead. */
export function refusal(fn: () => unknown): InvalidPathError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidPathError);
    return error as InvalidPathError;
  }
  throw new Error("expected an InvalidPathError, got a result");
}
