// getSecret() against a real broker (`ferry dev`'s stack): reads with the job's API key, reuses a value briefly and
// shares one broker call among concurrent callers, and fails with errors that name the secret, never its value.
import { createApiKey, createUser } from "@ferry/broker";
import { FerryError } from "@ferry/graph";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { clearSecretCache, getSecret, SecretNotFoundError } from "../src/index.ts";
import { type Stack, startStack } from "./stack.ts";

let stack: Stack;
let calls: string[];

beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.close();
});
beforeEach(() => {
  clearSecretCache();
  calls = [];
});

async function setSecret(name: string, value: string): Promise<void> {
  const response = await fetch(`${stack.broker.url}/api/v1/secrets/${name}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${stack.apiKey}`, "content-type": "application/json" },
    body: JSON.stringify({ value }),
  });
  expect(response.status).toBe(200);
}

/** fetch, counting the broker calls getSecret makes. */
const counting: typeof fetch = (input, init) => {
  calls.push(String(input));
  return fetch(input, init);
};

function options(extra: Parameters<typeof getSecret>[1] = {}) {
  return { url: stack.connectOptions.url, apiKey: stack.apiKey, fetch: counting, ...extra };
}

describe("getSecret", () => {
  it("reads the value with the job's API key; concurrent callers share one broker call, and the value is reused", async () => {
    await setSecret("SERVICE_KEY", "value-one");
    const values = await Promise.all(Array.from({ length: 5 }, () => getSecret("SERVICE_KEY", options())));
    expect(values).toEqual(Array(5).fill("value-one"));
    expect(calls).toHaveLength(1);
    expect(await getSecret("SERVICE_KEY", options())).toBe("value-one");
    expect(calls).toHaveLength(1);
    // Replaced in the broker: the cached value lasts its short while; maxAgeMs 0 asks again.
    await setSecret("SERVICE_KEY", "value-two");
    expect(await getSecret("SERVICE_KEY", options())).toBe("value-one");
    expect(await getSecret("SERVICE_KEY", options({ maxAgeMs: 0 }))).toBe("value-two");
    expect(calls).toHaveLength(2);
  });

  it("two API keys in one process (two users) never share a cached value", async () => {
    const other = await createUser(stack.broker.db, { name: "second-user" });
    const otherKey = (await createApiKey(stack.broker.db, { userId: other.id, name: "job" })).token;
    await setSecret("PER_USER", "first-user-value");
    await fetch(`${stack.broker.url}/api/v1/secrets/PER_USER`, {
      method: "PUT",
      headers: { authorization: `Bearer ${otherKey}`, "content-type": "application/json" },
      body: JSON.stringify({ value: "second-user-value" }),
    });
    expect(await getSecret("PER_USER", options())).toBe("first-user-value");
    expect(await getSecret("PER_USER", options({ apiKey: otherKey }))).toBe("second-user-value");
    expect(await getSecret("PER_USER", options())).toBe("first-user-value");
  });

  it("finds the broker as onedriveConnect() does: from FERRY_HOME's credentials file", async () => {
    await setSecret("FROM_HOME", "home-value");
    const saved = { ...process.env };
    try {
      for (const name of ["FERRY_URL", "FERRY_API_KEY"]) delete process.env[name];
      process.env.FERRY_HOME = stack.home;
      expect(await getSecret("FROM_HOME")).toBe("home-value");
    } finally {
      process.env = saved;
    }
  });

  it("an unknown name raises SecretNotFoundError naming the secret and how to set it", async () => {
    const error = await getSecret("NOT_SET_ANYWHERE", options()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error).toBeInstanceOf(FerryError);
    expect((error as SecretNotFoundError).secretName).toBe("NOT_SET_ANYWHERE");
    expect((error as SecretNotFoundError).code).toBe("secret_not_found");
    expect((error as Error).message).toContain("ferry secrets set NOT_SET_ANYWHERE");
    // A miss is not cached: once set, the next call finds it.
    await setSecret("NOT_SET_ANYWHERE", "now-set");
    expect(await getSecret("NOT_SET_ANYWHERE", options())).toBe("now-set");
  });

  /** The error `promise` rejects with; fails the test if it resolves. */
  async function failure(promise: Promise<unknown>): Promise<Error> {
    const outcome = await promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    if (!("error" in outcome)) throw new Error(`expected a failure, got ${JSON.stringify(outcome.value)}`);
    return outcome.error as Error;
  }

  it("a refused key, a bad name and an unreachable broker are named, with no key or value in the message", async () => {
    await setSecret("GUARDED", "guarded-value-xyz");
    const badKey = await failure(
      getSecret("GUARDED", options({ apiKey: "fry_0123456789abcdef_wrongwrong", maxAgeMs: 0 })),
    );
    expect(badKey.message).toContain("refused the API key");
    expect(badKey.message).not.toContain("wrongwrong");
    expect(badKey.message).not.toContain("guarded-value");
    const badName = await failure(getSecret("not-valid", options()));
    expect(badName.message).toMatch(/letters, digits and _.*\[invalid_secret_name\]/);
    const down = await failure(getSecret("GUARDED", { url: "http://127.0.0.1:9", apiKey: stack.apiKey }));
    expect(down.message).toContain("cannot reach the Ferry broker at http://127.0.0.1:9");
    expect(down.message).not.toContain(stack.apiKey);
  });
});
