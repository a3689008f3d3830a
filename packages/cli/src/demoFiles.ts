// The files the seed's examples read, for `ferry dev --seed-demo-files`: small, but shaped like real
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

function raw(): string {
  return [
    "id,name,email,signup_date,plan",
    "1,Ada Lovelace,ada@example.com,2026-01-04,pro",
    "2,Alan Turing,alan@example.com,2026-01-09,free",
    "3,Grace Hopper, grace@example.com ,2026-02-11,PRO",
    "4,Edsger Dijkstra,,2026-02-14,free",
    "5,Barbara Liskov,barbara@example.com,2026/03/01,team",
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
