/** The codes the broker's OAuth callback sends back in `?error=` (broker: callbackRoute.ts), in words. */
const CALLBACK_ERRORS: Record<string, string> = {
  access_denied: "You declined the connection at Microsoft, so nothing was stored.",
  state_expired: "The sign-in took longer than 10 minutes and expired, so nothing was stored. Try again.",
  state_used: "That sign-in was already used. Start a new one.",
  state_unknown: "That sign-in answer did not belong to this broker, so nothing was stored.",
  wrong_user: "That sign-in was started by another Ferry user, so it was not completed.",
  code_rejected: "Microsoft refused to finish the sign-in, so nothing was stored.",
  provider_unavailable: "Microsoft could not be reached to finish the sign-in. Try again.",
  profile_failed: "You signed in, but the account's profile could not be read, so nothing was stored.",
  no_refresh_token: "Microsoft granted no offline access, so the connection could not be kept.",
  authorization_error: "Microsoft ended the sign-in with an error, so nothing was stored.",
  cancelled: "You cancelled the connection before it was stored, so nothing was stored.",
  confirm_expired:
    "The connection waited more than 5 minutes for your answer, so nothing was stored. Try again.",
};

export interface CallbackResult {
  tone: "success" | "error";
  text: string;
}

/**
 * The outcome of a return from Microsoft (`/?connected=onedrive` or `/?error=<code>`), read once; the query is then
 * dropped from the address bar so a reload does not repeat the message. Unknown codes are not echoed.
 */
export function takeCallbackResult(location: Location, history: History): CallbackResult | null {
  const params = new URLSearchParams(location.search);
  const connected = params.get("connected");
  const error = params.get("error");
  if (connected === null && error === null) return null;
  history.replaceState(null, "", location.pathname);
  if (error !== null) {
    return { tone: "error", text: CALLBACK_ERRORS[error] ?? "The sign-in at Microsoft did not complete." };
  }
  return { tone: "success", text: "OneDrive is connected." };
}
