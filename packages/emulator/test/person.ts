import { expect } from "vitest";

/**
 * A person at a browser on the emulator's sign-in, consent and device-login pages, over HTTP only:
 * follows the page's form to where its `action` points (relative to the page, as a browser does),
 * posts its hidden fields with the button pressed, and submits the auto-posting `form_post` page.
 * Nothing here knows the emulator's address: every URL comes from a link it was handed, so a test
 * behind a proxy sees whether the pages keep a person on the host they started on.
 */

export interface Page {
  url: string;
  status: number;
  html: string;
}

export async function open(url: string): Promise<Page> {
  const res = await fetch(url, { redirect: "manual" });
  return { url, status: res.status, html: await res.text() };
}

/** The form's action, resolved against the page's URL. */
export function actionOf(page: Page): string {
  const m = /<form method="post" action="([^"]*)">/.exec(page.html);
  if (!m) throw new Error(`no form on the page at ${page.url}:\n${page.html}`);
  return new URL(unescapeHtml(m[1] ?? ""), page.url).toString();
}

export function hiddenFields(page: Page): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of page.html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
    fields[unescapeHtml(m[1] ?? "")] = unescapeHtml(m[2] ?? "");
  }
  return fields;
}

/** Posts the page's form with its hidden fields plus `fields`; redirects are not followed. */
export async function submit(page: Page, fields: Record<string, string> = {}): Promise<Response> {
  return fetch(actionOf(page), {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...hiddenFields(page), ...fields }).toString(),
  });
}

async function pageOf(res: Response, url: string): Promise<Page> {
  return { url, status: res.status, html: await res.text() };
}

/** Where the sign-in ended: a redirect to the app, or the app's own answer to the form_post. */
export type Outcome = { redirectTo: string } | { posted: Response };

/**
 * Opens an authorize URL, picks `account` on the sign-in page and answers the consent page (when
 * Microsoft would show it). A `response_mode=form_post` answer is submitted to the app, as the
 * page's script would make the browser do.
 */
export async function signInAt(
  authorizeUrl: string,
  account: string,
  decision: "accept" | "decline" = "accept",
): Promise<Outcome> {
  const signIn = await open(authorizeUrl);
  expect(signIn.status, signIn.html).toBe(200);
  let res = await submit(signIn, { account });
  let page: Page | undefined;
  if (res.status === 200) {
    page = await pageOf(res, actionOf(signIn));
    if (page.html.includes('value="accept"')) {
      res = await submit(page, { decision });
      page = res.status === 200 ? await pageOf(res, actionOf(page)) : undefined;
    }
  }
  if (res.status === 302) return { redirectTo: res.headers.get("location") ?? "" };
  if (!page?.html.includes("document.forms[0].submit()")) {
    throw new Error(`sign-in ended on a ${res.status} page:\n${page?.html ?? ""}`);
  }
  return { posted: await submit(page) };
}

/** Enters the user code on the device-login page, picks `account` and answers the consent page. */
export async function deviceSignInAt(
  verificationUri: string,
  userCode: string,
  account: string,
  decision: "accept" | "decline" = "accept",
): Promise<Page> {
  const entry = await open(verificationUri);
  expect(entry.status).toBe(200);
  const signIn = await pageOf(await submit(entry, { otc: userCode }), actionOf(entry));
  expect(signIn.status, signIn.html).toBe(200);
  let page = await pageOf(await submit(signIn, { account }), actionOf(signIn));
  if (page.html.includes('value="accept"')) {
    page = await pageOf(await submit(page, { decision }), actionOf(page));
  }
  expect(page.status, page.html).toBe(200);
  return page;
}

/** The emulator's pages escape with numeric references only (`escapeHtml` in pages.ts). */
function unescapeHtml(value: string): string {
  return value.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n)));
}
