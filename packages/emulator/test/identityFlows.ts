import { createHash, randomBytes } from "node:crypto";
import { expect } from "vitest";
import { DEV_CLIENT_ID } from "../src/options.ts";
import type { TestEmulator } from "./support.ts";

/** Helpers that drive the identity platform the way a client and a person would: over HTTP only. */

export const REDIRECT_URI = "http://127.0.0.1:7878/integrations/onedrive/callback";
export const FERRY_SCOPES = "Files.ReadWrite offline_access User.Read";

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export function authorizeUrl(emu: TestEmulator, tenant: string, params: Record<string, string> = {}): string {
  const q = new URLSearchParams({
    client_id: DEV_CLIENT_ID,
    response_type: "code",
    redirect_uri: REDIRECT_URI,
    scope: FERRY_SCOPES,
    state: "st-123",
    ...params,
  });
  return `${emu.url}/${tenant}/oauth2/v2.0/authorize?${q}`;
}

export function get(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { redirect: "manual", ...init });
}

export function postForm(
  url: string,
  form: Record<string, string>,
  init: RequestInit = {},
): Promise<Response> {
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    ...init,
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...(init.headers as Record<string, string>),
    },
    body: new URLSearchParams(form).toString(),
  });
}

/** The signed hidden field a page carries to its next step. */
export function hiddenCtx(html: string): string {
  const m = /<input type="hidden" name="ctx" value="([^"]+)">/.exec(html);
  if (!m?.[1]) throw new Error(`no ctx field in page:\n${html}`);
  return m[1];
}

export function formAction(html: string): string {
  const m = /<form method="post" action="([^"]+)">/.exec(html);
  if (!m?.[1]) throw new Error(`no form in page:\n${html}`);
  return m[1];
}

/** GET the sign-in page, pick `account`, then (if shown) answer the consent page. Returns the last response. */
export async function signInThroughPages(
  emu: TestEmulator,
  url: string,
  account: string,
  decision: "accept" | "decline" = "accept",
): Promise<Response> {
  const signIn = await get(url);
  expect(signIn.status).toBe(200);
  const signInHtml = await signIn.text();
  const picked = await postForm(`${emu.url}${formAction(signInHtml)}`, {
    ctx: hiddenCtx(signInHtml),
    account,
  });
  if (picked.status !== 200) return picked;
  const consentHtml = await picked.text();
  return postForm(`${emu.url}${formAction(consentHtml)}`, { ctx: hiddenCtx(consentHtml), decision });
}

/** The query parameters of a redirect back to the app. */
export function redirectParams(res: Response): URLSearchParams {
  expect(res.status).toBe(302);
  const location = res.headers.get("location");
  if (!location) throw new Error("no Location header");
  expect(location.startsWith(REDIRECT_URI)).toBe(true);
  return new URL(location).searchParams;
}

export async function token(
  emu: TestEmulator,
  tenant: string,
  form: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await postForm(
    `${emu.url}/${tenant}/oauth2/v2.0/token`,
    { client_id: DEV_CLIENT_ID, ...form },
    { headers },
  );
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}

/** Runs auto-consent sign-in and redeems the code: the shortest road to a token response. */
export async function codeFlow(
  emu: TestEmulator,
  tenant = "common",
  params: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const { verifier, challenge } = pkcePair();
  const res = await get(
    authorizeUrl(emu, tenant, { code_challenge: challenge, code_challenge_method: "S256", ...params }),
  );
  const code = redirectParams(res).get("code");
  if (!code) throw new Error("no code on the redirect");
  return token(emu, tenant, {
    grant_type: "authorization_code",
    code,
    redirect_uri: REDIRECT_URI,
    code_verifier: verifier,
  });
}

/** Asserts Microsoft's error JSON and returns it. */
export function expectAadError(
  res: { status: number; body: Record<string, unknown> },
  status: number,
  error: string,
  code: number,
): Record<string, unknown> {
  expect({ status: res.status, error: res.body.error }).toEqual({ status, error });
  expect(res.body.error_codes).toEqual([code]);
  expect(String(res.body.error_description)).toMatch(new RegExp(`^AADSTS${code}: `));
  return res.body;
}

export function decodeJwt(jwt: string): Record<string, unknown> {
  const payload = jwt.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
}
