import type { IncomingMessage } from "node:http";
import { type DestinationStream, type Logger, type LoggerOptions, pino } from "pino";

/**
 * Field paths pino blanks out wherever they appear, as a second line of defence: the broker never logs a token on
 * purpose, and Secret values already print as "[redacted]", but a header or a stray field must not slip through.
 */
export const REDACT_PATHS = [
  "req.headers.authorization",
  "req.headers.cookie",
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  "headers.authorization",
  "headers.cookie",
  // An OAuth authorization code, where a request's parts are logged. Not `*.code` everywhere: that would also
  // blank `err.code` (ECONNRESET, PostgreSQL's SQLSTATE), which is what a failing database is diagnosed by.
  ...["query.code", "body.code", "params.code"].flatMap((path) => [path, `*.${path}`]),
  ...[
    "accessToken",
    "refreshToken",
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "apiKey",
    "secret",
    "clientSecret",
    "client_secret",
    "password",
    "codeVerifier",
    "code_verifier",
    "deviceCode",
    "device_code",
    "csrfToken",
    "authorization",
    "cookie",
  ].flatMap((name) => [name, `*.${name}`]),
];

export interface LoggerSettings {
  level?: string;
  /** Where JSON lines go; stdout by default. Tests pass a stream that collects them. */
  stream?: DestinationStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? "info",
    redact: { paths: REDACT_PATHS, censor: "[redacted]" },
    serializers: {
      // Only what helps to follow a request; the URL with its query values and login-link token blanked.
      req: (req: IncomingMessage & { ip?: string; id?: string }) => ({
        method: req.method,
        url: redactUrl(req.url ?? ""),
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
    },
  };
  return settings.stream === undefined ? pino(options) : pino(options, settings.stream);
}

/**
 * A URL as it may be logged: login-link and start-link tokens (`/login/<token>`, `/integrations/onedrive/start/<token>`)
 * and every query value (the OAuth callback's `code` and `state`, `?token=`) replaced, parameter names kept.
 */
export function redactUrl(url: string): string {
  const at = url.indexOf("?");
  const path = (at === -1 ? url : url.slice(0, at)).replace(
    /^\/(login|integrations\/onedrive\/start)\/[^/]+/,
    "/$1/[redacted]",
  );
  if (at === -1) return path;
  const names = url
    .slice(at + 1)
    .split("&")
    .filter((pair) => pair !== "")
    .map((pair) => `${pair.split("=")[0]}=[redacted]`);
  return `${path}?${names.join("&")}`;
}
