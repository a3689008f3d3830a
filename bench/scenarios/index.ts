import type { Scenario } from "../lib/harness.ts";
import { download } from "./download.ts";
import { list } from "./list.ts";
import { PARQUET_SCENARIOS } from "./parquet.ts";
import { smallFiles } from "./smallFiles.ts";
import { tokenMint } from "./tokenMint.ts";
import { upload } from "./upload.ts";

/** Every scenario, in the order the table shows them. */
export const SCENARIOS: Scenario[] = [list, download, upload, smallFiles, ...PARQUET_SCENARIOS, tokenMint];
