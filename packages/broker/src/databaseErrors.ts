// Failures of the broker's own database link (not of a query): a PostgreSQL backend terminated or restarted,
// a failover, a network cut, SQLite busy past its timeout. They pass, so the caller is told to retry (503 with
// Retry-After), never an opaque 500 that reads as a bug.

// SQLSTATE classes 08 (connection exception) and 57P (operator intervention: terminated, shutting down,
// cannot connect now), from PostgreSQL's errcodes.
const PG_UNAVAILABLE = /^(08|57P)/;
const NODE_UNAVAILABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "SQLITE_BUSY",
  "SQLITE_LOCKED",
]);
// node-postgres reports a dropped or unusable connection with a plain Error and no code.
const PG_MESSAGES =
  /^(Connection terminated|Client has encountered a connection error|Client was closed|timeout exceeded when trying to connect)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && (PG_UNAVAILABLE.test(code) || NODE_UNAVAILABLE.has(code))) return true;
    if (PG_MESSAGES.test(e.message)) return true;
  }
  return false;
}
