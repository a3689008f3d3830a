/** Times in the HTTP API are ISO 8601 strings in UTC; the database keeps epoch milliseconds. */
export function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
