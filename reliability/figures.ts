import { appendFileSync } from "node:fs";

// Reliability tests report what they tried and what held (faults injected, crashes survived, hostile
// inputs refused…). `npm run test:reliability` collects these lines from every test worker through one
// append-only file and prints them as a table after the run; README's "Reliability" section quotes it.

export interface Figure {
  /** The area of the issue the figure belongs to, e.g. "chaos", "broker crashes". */
  area: string;
  /** What was counted or measured, in words a reader understands without the test open. */
  name: string;
  value: number | string;
  /** The bar it had to meet, when there is one, e.g. "0" or "< 40". */
  bar?: string;
}

/** Env var naming the file figures are appended to; set by scripts/reliability.mjs. */
export const FIGURES_FILE_ENV = "FERRY_FIGURES_FILE";

export function recordFigure(figure: Figure): void {
  const file = process.env[FIGURES_FILE_ENV];
  // One line per write: appends of a single short line from several processes do not interleave.
  if (file) appendFileSync(file, `${JSON.stringify(figure)}\n`);
  else
    console.info(
      `[figure] ${figure.area}: ${figure.name} = ${figure.value}${figure.bar ? ` (bar ${figure.bar})` : ""}`,
    );
}

export function recordFigures(area: string, figures: Record<string, number | string>): void {
  for (const [name, value] of Object.entries(figures)) recordFigure({ area, name, value });
}
