// A browser without a screen, for tests, benchmarks and scripted set-ups against the emulator: it follows
// redirects, keeps cookies per origin, sends the headers a browser sends on a page load or a form post, and presses
// buttons on the plain HTML forms of the broker's and the emulator's pages. Connecting OneDrive takes a browser
// since issue 14 (the flow is bound to the browser that opens the broker's start link, and stored only after a
// confirmation), so a plain fetch of the URL no longer connects anything; this is the smallest honest browser
// that does. It runs no script and understands only those pages' forms; it is not for Microsoft's real pages.

import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

const MAX_REDIRECTS = 20;

export interface ScriptedBrowserOptions {
  /**
   * Where to send requests for another origin: `{ "http://127.0.0.1:7878": "http://127.0.0.1:41234" }` when the
   * broker's public URL is not where it listens (tests). The browser still sees, and sends cookies and Origin
   * for, the public origin.
   */
  reroute?: Readonly<Record<string, string>>;
  /** Extra CA certificates to trust, for an emulator or broker served over TLS with its own certificate. */
  ca?: string | readonly string[];
}

export interface FormButton {
  name: string | undefined;
  value: string | undefined;
  label: string;
}

export interface ScriptedPage {
  /** Where the browser is (after redirects), as it sees it. */
  url: URL;
  status: number;
  body: string;
  /** The page's first POST form, if it has one. */
  form: { action: URL; fields: Record<string, string>; buttons: FormButton[] } | undefined;
}

export interface Navigation {
  /** Stop before requesting a URL this matches, and return it instead (to hand it to a test). */
  stopBefore?: (url: URL) => boolean;
}

export type NavigationResult =
  | { page: ScriptedPage; stoppedAt?: undefined }
  | { stoppedAt: URL; page?: undefined };

export class ScriptedBrowser {
  readonly #cookies = new Map<string, Map<string, string>>();
  readonly #reroute: Readonly<Record<string, string>>;
  readonly #ca: string | readonly string[] | undefined;

  constructor(options: ScriptedBrowserOptions = {}) {
    this.#reroute = options.reroute ?? {};
    this.#ca = options.ca;
  }

  /** Opens `url` as a page typed into the address bar (or opened from another program): `Sec-Fetch-Site: none`. */
  open(url: string | URL, navigation: Navigation = {}): Promise<NavigationResult> {
    return this.#navigate(new URL(url), "GET", undefined, undefined, navigation);
  }

  /** Presses `button` (or the form's only button) on `page`'s form. */
  submit(page: ScriptedPage, button?: FormButton, navigation: Navigation = {}): Promise<NavigationResult> {
    const form = page.form;
    if (form === undefined) throw new Error(`the page at ${page.url.pathname} has no form to submit`);
    const fields = new URLSearchParams(form.fields);
    const pressed = button ?? form.buttons[0];
    if (pressed?.name !== undefined) fields.append(pressed.name, pressed.value ?? "");
    return this.#navigate(form.action, "POST", fields.toString(), page.url, navigation);
  }

  /**
   * Keeps pressing buttons until a page has no form: on each form the button whose `name` has a preferred value in
   * `choices` (for example `{ account: "work", decision: ["accept", "connect"] }`), else the first button.
   */
  async clickThrough(
    start: NavigationResult,
    choices: Readonly<Record<string, string | readonly string[]>> = {},
    navigation: Navigation = {},
  ): Promise<NavigationResult> {
    let current = start;
    for (let step = 0; step < 10; step++) {
      const page = current.page;
      if (page === undefined || page.form === undefined || page.status >= 400) return current;
      const button =
        page.form.buttons.find((b) => {
          const wanted = b.name === undefined ? undefined : choices[b.name];
          return wanted !== undefined && b.value !== undefined && [wanted].flat().includes(b.value);
        }) ?? page.form.buttons[0];
      current = await this.submit(page, button, navigation);
    }
    throw new Error("more than 10 forms in a row: the pages loop");
  }

  /** The Cookie header this browser sends to `url`'s origin. */
  cookieHeader(url: string | URL): string {
    const jar = this.#cookies.get(new URL(url).origin);
    return jar === undefined ? "" : [...jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  async #navigate(
    target: URL,
    method: "GET" | "POST",
    body: string | undefined,
    from: URL | undefined,
    navigation: Navigation,
  ): Promise<NavigationResult> {
    let url = target;
    let currentMethod = method;
    let currentBody = body;
    let previous = from;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      if (navigation.stopBefore?.(url)) return { stoppedAt: url };
      const headers: Record<string, string> = {
        accept: "text/html,application/xhtml+xml",
        "sec-fetch-dest": "document",
        "sec-fetch-mode": "navigate",
        "sec-fetch-site":
          previous === undefined ? "none" : previous.origin === url.origin ? "same-origin" : "cross-site",
      };
      const cookie = this.cookieHeader(url);
      if (cookie !== "") headers.cookie = cookie;
      if (currentMethod === "POST") {
        headers["content-type"] = "application/x-www-form-urlencoded";
        // Browsers send the posting page's origin with every form POST.
        headers.origin = previous?.origin ?? "null";
      }
      const response = await this.#send(this.#rerouted(url), currentMethod, headers, currentBody);
      this.#store(url, response.setCookies);
      const location = response.location;
      if (response.status >= 300 && response.status < 400 && location !== undefined) {
        previous = url;
        url = new URL(location, url);
        if (response.status !== 307 && response.status !== 308) {
          currentMethod = "GET";
          currentBody = undefined;
        }
        continue;
      }
      return {
        page: { url, status: response.status, body: response.body, form: parseForm(response.body, url) },
      };
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects from ${target.href}`);
  }

  #rerouted(url: URL): URL {
    const to = this.#reroute[url.origin];
    return to === undefined ? url : new URL(`${to.replace(/\/+$/, "")}${url.pathname}${url.search}`);
  }

  /**
   * One HTTP exchange through node:http rather than fetch: fetch (the Fetch standard) always sends its own
   * `Sec-Fetch-Mode: cors`, and a page load must say `navigate`.
   */
  #send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
  ): Promise<{ status: number; location: string | undefined; setCookies: string[]; body: string }> {
    return new Promise((resolve, reject) => {
      const send = url.protocol === "https:" ? httpsRequest : httpRequest;
      const outgoing = send(
        url,
        {
          method,
          headers: {
            ...headers,
            ...(body === undefined ? {} : { "content-length": Buffer.byteLength(body) }),
          },
          ...(this.#ca === undefined ? {} : { ca: this.#ca as string | string[] }),
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              location: response.headers.location,
              setCookies: response.headers["set-cookie"] ?? [],
              body: Buffer.concat(chunks).toString("utf8"),
            }),
          );
        },
      );
      outgoing.on("error", reject);
      outgoing.setTimeout(30_000, () => outgoing.destroy(new Error(`no answer from ${url.origin} in 30 s`)));
      outgoing.end(body);
    });
  }

  #store(url: URL, setCookies: string[]): void {
    let jar = this.#cookies.get(url.origin);
    if (jar === undefined) {
      jar = new Map();
      this.#cookies.set(url.origin, jar);
    }
    for (const line of setCookies) {
      const [pair = "", ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((a) => {
        const [key = "", raw = ""] = a.split("=").map((s) => s.trim());
        if (/^max-age$/i.test(key)) return Number(raw) <= 0;
        if (/^expires$/i.test(key)) return Date.parse(raw) <= Date.now();
        return false;
      });
      if (expired || value === "") jar.delete(name);
      else jar.set(name, value);
    }
  }
}

/** Connects OneDrive for the user of `apiKey` as a person would, in a ScriptedBrowser; returns the last page. */
export async function connectOneDriveScripted(input: {
  brokerUrl: string;
  apiKey: string;
  /** The emulator account to pick (personal, work, personal2); the first one offered otherwise. */
  account?: string;
  /** The answer on the confirmation page. */
  decision?: "connect" | "cancel";
  browser?: ScriptedBrowser;
}): Promise<ScriptedPage> {
  const started = await fetch(`${input.brokerUrl.replace(/\/+$/, "")}/api/v1/integrations/onedrive/connect`, {
    method: "POST",
    headers: { authorization: `Bearer ${input.apiKey}`, "content-type": "application/json" },
    body: "{}",
  });
  if (!started.ok)
    throw new Error(`starting the OneDrive connect failed: HTTP ${started.status} ${await started.text()}`);
  const { authorizationUrl } = (await started.json()) as { authorizationUrl: string };
  const browser = input.browser ?? new ScriptedBrowser();
  const done = await browser.clickThrough(await browser.open(authorizationUrl), {
    ...(input.account === undefined ? {} : { account: input.account }),
    // The emulator's consent page, then the broker's confirmation.
    decision: ["accept", input.decision ?? "connect"],
  });
  if (done.page === undefined) throw new Error("the connect stopped before a page");
  return done.page;
}

function parseForm(html: string, base: URL): ScriptedPage["form"] {
  const match = /<form\b[^>]*\bmethod="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (match === null) return undefined;
  const action = /\baction="([^"]*)"/i.exec(match[0])?.[1] ?? "";
  const inner = match[1] ?? "";
  const fields: Record<string, string> = {};
  for (const input of inner.matchAll(/<input\b[^>]*>/gi)) {
    const name = attribute(input[0], "name");
    if (name !== undefined && /\btype="hidden"/i.test(input[0]))
      fields[name] = attribute(input[0], "value") ?? "";
  }
  const buttons = [...inner.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)].map((b) => ({
    name: attribute(b[1] ?? "", "name"),
    value: attribute(b[1] ?? "", "value"),
    label: decode((b[2] ?? "").replace(/<[^>]*>/g, "")).trim(),
  }));
  return { action: new URL(decode(action), base), fields, buttons };
}

function attribute(tag: string, name: string): string | undefined {
  const value = new RegExp(`\\b${name}="([^"]*)"`, "i").exec(tag)?.[1];
  return value === undefined ? undefined : decode(value);
}

function decode(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
