import type { Integration } from "@ferry/api";
import { formatTime } from "../formatTime.ts";
import { EmailAddress } from "./EmailAddress.tsx";

interface Props {
  integration: Integration | null;
}

/** When the connection was made and when its token was last refreshed; "—" while loading, same size. */
export function ConnectionTimes({ integration }: Props) {
  const loading = integration === null;
  const connected = integration !== null && integration.status !== "disconnected";
  return (
    <div className="times">
      <h3>Activity</h3>
      <dl className="facts">
        <div className="fact">
          <dt>Account</dt>
          <dd>
            {loading ? (
              "—"
            ) : integration.account?.email ? (
              <EmailAddress email={integration.account.email} />
            ) : (
              "None"
            )}
          </dd>
        </div>
        <div className="fact">
          <dt>Connected</dt>
          <dd>{loading ? "—" : connected ? formatTime(integration.connectedAt) : "—"}</dd>
        </div>
        <div className="fact">
          <dt>Last token refresh</dt>
          <dd>{loading ? "—" : connected ? formatTime(integration.lastRefreshAt, "Not yet") : "—"}</dd>
        </div>
      </dl>
    </div>
  );
}
