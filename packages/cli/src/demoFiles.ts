// The files the getting-started examples read, for `ferry dev --seed-demo-files`: small, but shaped like real
// data (headers, dates, decimals, a Parquet file with typed columns) so examples show something real.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeParquet } from "@ferry/fs";

export const DEMO_PATHS = [
  "reports/q1.csv",
  "data/measurements.csv",
  "exports/cities.parquet",
  "input/raw.csv",
];

export async function demoFiles(): Promise<{ path: string; contentBase64: string }[]> {
  const text = (s: string) => Buffer.from(s).toString("base64");
  return [
    { path: "reports/q1.csv", contentBase64: text(q1()) },
    { path: "data/measurements.csv", contentBase64: text(measurements()) },
    { path: "exports/cities.parquet", contentBase64: (await citiesParquet()).toString("base64") },
    { path: "input/raw.csv", contentBase64: text(raw()) },
  ];
}

function q1(): string {
  const regions = ["North", "South", "East", "West"];
  const months = ["2026-01", "2026-02", "2026-03"];
  const lines = ["month,region,revenue,orders"];
  let i = 0;
  for (const month of months) {
    for (const region of regions) {
      i++;
      lines.push(
        `${month},${region},${(12000 + ((i * 7919) % 9000) + 0.5).toFixed(2)},${80 + ((i * 31) % 70)}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}

function measurements(): string {
  const lines = ["timestamp,sensor,temperature_c,humidity_pct"];
  for (let h = 0; h < 48; h++) {
    for (const sensor of ["greenhouse-1", "greenhouse-2"]) {
      const t = 18 + 6 * Math.sin((h / 24) * 2 * Math.PI) + (sensor.endsWith("2") ? 1.2 : 0);
      const ts = new Date(Date.UTC(2026, 2, 1, h)).toISOString();
      lines.push(`${ts},${sensor},${t.toFixed(2)},${(55 + 10 * Math.cos(h / 5)).toFixed(1)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Weather-station readings with a gap, as raw input usually has: three numeric columns to describe(). */
function raw(): string {
  return [
    "reading_id,station,taken_at,temperature_c,humidity_pct,wind_kmh",
    "1,Oslo,2026-03-01T06:00Z,-2.5,81,12.0",
    "2,Oslo,2026-03-01T12:00Z,3.1,64,18.5",
    "3,Oslo,2026-03-01T18:00Z,0.4,72,9.0",
    "4,Lisbon,2026-03-01T06:00Z,11.2,77,6.5",
    "5,Lisbon,2026-03-01T12:00Z,17.8,58,14.0",
    "6,Lisbon,2026-03-01T18:00Z,14.6,66,",
    "7,Cairo,2026-03-01T06:00Z,15.9,45,5.5",
    "8,Cairo,2026-03-01T12:00Z,27.3,28,11.0",
    "9,Cairo,2026-03-01T18:00Z,22.0,36,8.5",
    "",
  ].join("\n");
}

async function citiesParquet(): Promise<Buffer> {
  const rows = [
    { name: "Tokyo", country: "Japan", pop: 37_115_000, area_km2: 2194 },
    { name: "Delhi", country: "India", pop: 33_807_000, area_km2: 1484 },
    { name: "Shanghai", country: "China", pop: 29_868_000, area_km2: 6341 },
    { name: "São Paulo", country: "Brazil", pop: 22_806_000, area_km2: 1521 },
    { name: "Mexico City", country: "Mexico", pop: 22_505_000, area_km2: 1485 },
    { name: "Cairo", country: "Egypt", pop: 22_183_000, area_km2: 3085 },
    { name: "Mumbai", country: "India", pop: 21_673_000, area_km2: 603 },
    { name: "Lagos", country: "Nigeria", pop: 16_536_000, area_km2: 1171 },
  ];
  // writeParquet writes to a URL; a plain path is local, which is then handed to the emulator's seed.
  const dir = await mkdtemp(join(tmpdir(), "ferry-demo-"));
  try {
    const file = join(dir, "cities.parquet");
    await writeParquet(file, rows);
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
