/** What each scope Ferry requests (`Files.ReadWrite offline_access User.Read`) lets it do, in one line. */
export const SCOPE_DESCRIPTIONS: Record<string, string> = {
  "Files.ReadWrite": "Read, create, change and delete the files in your OneDrive.",
  offline_access: "Stay connected: Ferry refreshes access without asking you to sign in again.",
  "User.Read": "Read your basic profile, to show which account is connected.",
};

export const REQUESTED_SCOPES = ["Files.ReadWrite", "offline_access", "User.Read"] as const;
