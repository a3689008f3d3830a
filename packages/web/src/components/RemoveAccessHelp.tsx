import type { Disconnected } from "@ferry/api";

interface Props {
  result: Disconnected;
}

/**
 * After a disconnect: the files are untouched, and since Microsoft has no way for an app to revoke its own access,
 * where the user removes Ferry from the Microsoft account.
 */
export function RemoveAccessHelp({ result }: Props) {
  return (
    <>
      <p>
        {result.disconnected
          ? "Every token Ferry stored for OneDrive is deleted."
          : "OneDrive was not connected, so nothing was stored."}{" "}
        <strong>Your files in OneDrive are untouched.</strong>
      </p>
      <p>
        Microsoft has no way for an app to revoke its own access. To remove Ferry from your Microsoft account
        too:
      </p>
      <ul className="help-list">
        <li>
          <strong>Personal account:</strong> account.microsoft.com → Privacy → Apps and services (
          <a href="https://account.live.com/consent/Manage" target="_blank" rel="noreferrer noopener">
            account.live.com/consent/Manage
          </a>
          ), then remove Ferry.
        </li>
        <li>
          <strong>Work or school account:</strong>{" "}
          <a href="https://myapps.microsoft.com" target="_blank" rel="noreferrer noopener">
            myapps.microsoft.com
          </a>{" "}
          → Ferry → Manage your application → Revoke permissions.
        </li>
      </ul>
    </>
  );
}
