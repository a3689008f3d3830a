import type { FastifyReply } from "fastify";

// The few server-rendered HTML pages (OAuth results, login-link errors, the placeholder home page). Every value is
// escaped, the pages load nothing from anywhere, and the CSP says so.

/** `formTargets`: other origins a form may lead to (its POST redirects there; browsers check redirects too). */
function csp(formTargets: readonly string[]): string {
  return `default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action ${["'self'", ...formTargets].join(" ")}; frame-ancestors 'none'`;
}

export interface Page {
  title: string;
  heading: string;
  /** Paragraphs of plain text; escaped here. */
  paragraphs: readonly string[];
  tone?: "ok" | "error" | "neutral";
  /**
   * A form that POSTs `fields` to `action` (same origin only: the CSP's form-action), with one submit button per
   * choice; a button with `name` and `value` sends them too, so the route knows which was pressed.
   */
  form?: {
    action: string;
    fields: Readonly<Record<string, string>>;
    buttons: readonly FormButton[];
    /** Origins the form's POST may redirect to (the start page's Continue goes on to Microsoft). */
    redirectsTo?: readonly string[];
  };
}

export interface FormButton {
  label: string;
  name?: string;
  value?: string;
  /** Shown as the quieter choice (Cancel). */
  secondary?: boolean;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderPage(page: Page): string {
  const colour = page.tone === "ok" ? "#1a7f37" : page.tone === "error" ? "#cf222e" : "#57606a";
  const body = page.paragraphs
    .map((p) => `<p>${escapeHtml(p).replace(/`([^`]+)`/g, "<code>$1</code>")}</p>`)
    .join("\n");
  const form =
    page.form === undefined
      ? ""
      : `<form method="post" action="${escapeHtml(page.form.action)}">
${Object.entries(page.form.fields)
  .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
  .join("\n")}
${page.form.buttons.map((b) => renderButton(b, page.form?.buttons.length === 1)).join("\n")}
</form>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Ferry</title>
<style>
  :root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }
  main { max-width: 40rem; margin: 4rem auto; padding: 0 1.25rem; }
  h1 { font-size: 1.5rem; color: ${colour}; }
  code { font-size: 0.95em; padding: 0.1em 0.3em; border-radius: 4px; background: rgba(127,127,127,0.15); }
  button { font: inherit; padding: 0.5rem 1.25rem; border-radius: 6px; border: 1px solid #1f6feb; background: #1f6feb; color: #fff; cursor: pointer; margin-right: 0.5rem; }
  button.secondary { background: transparent; color: inherit; border-color: #8c959f; }
</style>
</head>
<body><main>
<h1>${escapeHtml(page.heading)}</h1>
${body}
${form}
</main></body>
</html>
`;
}

/** A lone button takes the focus; where there is a choice, none does, so Enter alone decides nothing. */
function renderButton(button: FormButton, focus: boolean): string {
  const named =
    button.name === undefined
      ? ""
      : ` name="${escapeHtml(button.name)}" value="${escapeHtml(button.value ?? "")}"`;
  const look = button.secondary ? ' class="secondary"' : "";
  return `<button type="submit"${named}${look}${focus ? " autofocus" : ""}>${escapeHtml(button.label)}</button>`;
}

export function sendPage(reply: FastifyReply, status: number, page: Page): FastifyReply {
  return reply
    .code(status)
    .header("content-type", "text/html; charset=utf-8")
    .header("content-security-policy", csp(page.form?.redirectsTo ?? []))
    .header("cache-control", "no-store")
    .send(renderPage(page));
}
