// The "whole file, then parse" side of the Parquet scenario. Parsing is hyparquet's, the same
// library @ferry/fs reads with, so only the way the bytes arrive differs.
import { parquetReadObjects } from "hyparquet";
import { compressors } from "hyparquet-compressors";

/** Rows of one column from a Parquet file held whole in memory. */
export async function parseColumn(bytes: Uint8Array, column: string): Promise<number> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const rows = await parquetReadObjects({ file, columns: [column], compressors });
  return rows.length;
}
