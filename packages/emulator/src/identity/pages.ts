import type { FastifyReply } from "fastify";
import type { Account } from "../accounts.ts";
import { opaque } from "../secrets.ts";
import type { ErrorDiagnostics } from "./identityError.ts";
import { SCOPE_WORDS } from "./scopes.ts";

/**
 * The sign-in, consent and device-login pages. Plain server-rendered forms: no script, one
 * `<button>` per choice with a clear accessible name, so a person, `fetch` or a browser test can
 * drive them the same way. Every value that came from a request goes through `escapeHtml`.
 */

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f2f2f2;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;box-shadow:0 2px 6px rgba(0,0,0,.2)}
h1{font-size:1.5rem;font-weight:600;margin:0 0 1rem}
.tile{display:block;width:100%;text-align:left;padding:.75rem;margin:.5rem 0;border:1px solid #ccc;background:#fff;cursor:pointer;font:inherit}
.tile:hover,.tile:focus{background:#e6f0fa}
.tile span{display:block;color:#555;font-size:.9rem}
.actions{display:flex;gap:.5rem;justify-content:flex-end;margin-top:1.5rem}
.actions button{padding:.5rem 1.5rem;font:inherit;cursor:pointer}
.primary{background:#0067b8;color:#fff;border:1px solid #0067b8}
.error{color:#a80000}
.details{color:#555;font-size:.8rem;word-break:break-all}
label{display:block;margin-bottom:.5rem}
input[type=text]{font:inherit;padding:.5rem;width:100%;box-sizing:border-box;margin-bottom:1rem}`;

/**
 * Pages may not be framed (a consent button under someone else's page is clickjacking) and load
 * nothing but their own inline style. `script` is only allowed for the one auto-submitting
 * form_post page, by nonce.
 */
export function sendPage(
  reply: FastifyReply,
  status: number,
  title: string,
  body: string,
  scriptNonce?: string,
) {
  const script = scriptNonce ? `; script-src 'nonce-${scriptNonce}'` : "";
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("cache-control", "no-store, no-cache")
    .header("pragma", "no-cache")
    .header("x-frame-options", "DENY")
    .header("referrer-policy", "no-referrer")
    .header(
      "content-security-policy",
      `default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'${script}`,
    )
    .send(
      `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
        `<body><main>${body}</main></body></html>\n`,
    );
}

function accountKindLabel(account: Account): string {
  return account.kind === "personal" ? "Personal account" : "Work or school account";
}

export function accountEmail(account: Account): string {
  return account.mail ?? account.userPrincipalName;
}

/** "Pick an account": one submit button per account allowed for the tenant. */
export function signInPage(opts: {
  action: string;
  ctx: string;
  appName: string;
  accounts: Account[];
  suggested?: Account;
}): { title: string; body: string } {
  const ordered = opts.suggested
    ? [opts.suggested, ...opts.accounts.filter((a) => a !== opts.suggested)]
    : opts.accounts;
  const tiles = ordered
    .map(
      (a) =>
        `<button class="tile" type="submit" name="account" value="${escapeHtml(a.key)}"${a === opts.suggested ? " autofocus" : ""}>` +
        `${escapeHtml(a.displayName)} <span>${escapeHtml(accountEmail(a))}</span> <span>${accountKindLabel(a)}</span></button>`,
    )
    .join("\n");
  return {
    title: "Sign in to your account",
    body:
      `<h1>Pick an account</h1><p>to continue to ${escapeHtml(opts.appName)}</p>` +
      `<form method="post" action="${escapeHtml(opts.action)}">` +
      `<input type="hidden" name="ctx" value="${escapeHtml(opts.ctx)}">\n${tiles}\n</form>`,
  };
}

/** "Permissions requested": the app, the account, the permissions in plain words, Accept and Decline. */
export function consentPage(opts: {
  action: string;
  ctx: string;
  appName: string;
  account: Account;
  scopes: string[];
}): { title: string; body: string } {
  const items = opts.scopes
    .filter((s) => SCOPE_WORDS[s] !== undefined)
    .map((s) => `<li>${escapeHtml(SCOPE_WORDS[s] ?? s)}</li>`)
    .join("");
  return {
    title: "Permissions requested",
    body:
      `<h1>Permissions requested</h1>` +
      `<p><strong>${escapeHtml(opts.appName)}</strong></p>` +
      `<p>Signed in as ${escapeHtml(opts.account.displayName)} (${escapeHtml(accountEmail(opts.account))})</p>` +
      `<p id="perm-intro">This app would like to:</p><ul aria-labelledby="perm-intro">${items}</ul>` +
      `<p>Accepting these permissions means that you allow this app to use your data as specified in its terms of service and privacy statement.</p>` +
      `<form method="post" action="${escapeHtml(opts.action)}">` +
      `<input type="hidden" name="ctx" value="${escapeHtml(opts.ctx)}">` +
      `<div class="actions"><button type="submit" name="decision" value="decline">Decline</button>` +
      `<button class="primary" type="submit" name="decision" value="accept">Accept</button></div></form>`,
  };
}

/** The page Microsoft shows when it will not send the browser back to the app (bad client or redirect URI). */
export function errorPage(
  code: number,
  message: string,
  d: ErrorDiagnostics,
): { title: string; body: string } {
  return {
    title: "Sign in",
    body:
      `<h1>Sorry, but we're having trouble signing you in.</h1>` +
      `<p class="error" role="alert">AADSTS${code}: ${escapeHtml(message)}</p>` +
      `<p class="details">Request Id: ${escapeHtml(d.traceId)}<br>Correlation Id: ${escapeHtml(d.correlationId)}<br>Timestamp: ${escapeHtml(d.timestamp)}</p>`,
  };
}

/**
 * `response_mode=form_post`: a form that posts the response to the redirect URI, submitted by a
 * nonce'd script, with a button for browsers that run none.
 */
export function formPostPage(redirectUri: string, params: Record<string, string>) {
  const nonce = opaque(16);
  const fields = Object.entries(params)
    .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
    .join("");
  return {
    nonce,
    title: "Working...",
    body:
      `<form method="post" action="${escapeHtml(redirectUri)}">${fields}` +
      `<noscript><p>Script is disabled. Click Submit to continue.</p><button type="submit">Submit</button></noscript></form>` +
      `<script nonce="${nonce}">document.forms[0].submit()</script>`,
  };
}

/** Device login, step one: the code shown on the device. */
export function deviceCodeEntryPage(opts: { action: string; error?: string }): {
  title: string;
  body: string;
} {
  return {
    title: "Enter code",
    body:
      `<h1>Enter code</h1><p>Enter the code displayed on your app or device.</p>` +
      (opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : "") +
      `<form method="post" action="${escapeHtml(opts.action)}">` +
      `<label for="otc">Code</label><input type="text" id="otc" name="otc" autocomplete="off" autofocus required>` +
      `<div class="actions"><button class="primary" type="submit">Next</button></div></form>`,
  };
}

export function messagePage(heading: string, text: string): { title: string; body: string } {
  return { title: heading, body: `<h1>${escapeHtml(heading)}</h1><p>${escapeHtml(text)}</p>` };
}
