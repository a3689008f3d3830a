// One round of the SQL row of `npm run bench:fs` (see lib/sql.ts), in a fresh process so its peak
// RSS is its own: an aggregate over the bench CSV by `query()` on onedrive:// (through the read
// cache in `cacheDir`: cold on the first round, warm on the second), by DuckDB on a local copy of
// the file (the limit), or by a `streamCsv` loop (Ferry without SQL).

import { OneDriveClient } from "@ferry/graph";
import { OneDriveFileSystem, query, setDefaultOneDrive, streamCsv } from "ferry";
import { serveScenarios, type WorkerArgs } from "../lib/report.ts";

interface Args extends WorkerArgs {
  path: string;
  cacheDir: string;
  localFile: string;
}

const AGGREGATE = (from: string) =>
  `SELECT category, count(*) AS n, round(sum(value::DOUBLE), 3) AS total FROM ${from} GROUP BY category ORDER BY category`;

function connect(a: Args): void {
  const client = new OneDriveClient({ baseUrl: a.graphUrl, token: async () => a.token });
  setDefaultOneDrive(new OneDriveFileSystem(client));
}

await serveScenarios<Args>("fsSql", {
  async query(a) {
    connect(a);
    const t = performance.now();
    const rows = await query(AGGREGATE(`'onedrive://${a.path}'`), { cache: { dir: a.cacheDir } });
    return { seconds: (performance.now() - t) / 1000, result: JSON.stringify(rows, big) };
  },
  async duckdbLocal(a) {
    // Loading DuckDB is in the time, as it is in query()'s (which loads it on first use).
    const t = performance.now();
    const { DuckDBInstance } = await import("@duckdb/node-api");
    const db = await DuckDBInstance.create(":memory:");
    const connection = await db.connect();
    const reader = await connection.runAndReadAll(AGGREGATE(`'${a.localFile.replaceAll("'", "''")}'`));
    const rows = reader.getRowObjectsJS();
    return { seconds: (performance.now() - t) / 1000, result: JSON.stringify(rows, big) };
  },
  async streamCsv(a) {
    connect(a);
    const t = performance.now();
    const groups = new Map<string, { n: bigint; total: number }>();
    for await (const row of streamCsv<{ category: string; value: number }>(`onedrive://${a.path}`, {
      cast: true,
    })) {
      const g = groups.get(row.category) ?? { n: 0n, total: 0 };
      g.n++;
      g.total += row.value;
      groups.set(row.category, g);
    }
    const rows = [...groups.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([category, g]) => ({ category, n: g.n, total: Math.round(g.total * 1000) / 1000 }));
    return { seconds: (performance.now() - t) / 1000, result: JSON.stringify(rows, big) };
  },
});

function big(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? Number(value) : value;
}
