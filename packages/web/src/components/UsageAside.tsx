/** How code uses the connection: the broker holds the secret, a job asks it for a short-lived token. */
export function UsageAside() {
  return (
    <aside className="aside" aria-labelledby="usage-title">
      <h2 id="usage-title">Use it from code</h2>
      <p>
        Jobs that hold your Ferry API key read and write OneDrive without ever seeing your Microsoft sign-in:
      </p>
      <pre className="code-block">
        <code>{`import { onedriveConnect } from "ferry";

const conn = onedriveConnect();
const files = await conn.list("reports");
const token = await conn.token();`}</code>
      </pre>
      <p className="muted">
        The refresh token never leaves the broker, where it is stored encrypted; not even this page sees it.
      </p>
    </aside>
  );
}
