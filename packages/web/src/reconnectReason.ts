/**
 * Why a connection needs reconnecting, for a person. `lastError` is Microsoft's own words (an AADSTS message);
 * the common causes get a plain sentence, the raw text stays available as detail.
 */
export function reconnectReason(lastError: string | null): string {
  const text = lastError ?? "";
  if (/revoked|AADSTS50173|AADSTS70008[^2]/i.test(text)) {
    return "Access was revoked at Microsoft (the app was removed, sessions were revoked, or the password changed).";
  }
  if (/AADSTS700082|inactive|expired/i.test(text)) {
    return "The sign-in expired at Microsoft after a long time without use.";
  }
  if (/AADSTS65001|consent|interaction_required/i.test(text)) {
    return "Microsoft needs you to sign in and consent again.";
  }
  return "Microsoft no longer accepts Ferry's stored sign-in.";
}
