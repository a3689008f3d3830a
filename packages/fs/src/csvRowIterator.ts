// `streamCsv`'s iterator for Ferry's reader, written as a plain object rather than an async
// generator: a generator's `yield` awaits its value, so each row cost two trips through the
// microtask queue, which measured as a fifth of the whole read; here a row already made costs one
// resolved promise. It behaves as a generator does for `for await`: one row a call, errors end
// it, `return()` (a `break` in the loop) stops the download.

import type { TokenSlice } from "./csvReader.ts";
import type { CsvRowBuilder } from "./csvRows.ts";
import type { CsvTokenizer } from "./csvTokenizer.ts";
import { NO_ROW, PlainAsyncIterator } from "./plainAsyncIterator.ts";

export class CsvRowIterator<T> extends PlainAsyncIterator<T> {
  private tokens: CsvTokenizer | undefined;
  private record = 0;

  constructor(
    private readonly slices: AsyncGenerator<TokenSlice>,
    private readonly builder: CsvRowBuilder,
  ) {
    super();
  }

  protected held(): T | typeof NO_ROW {
    const tokens = this.tokens;
    if (tokens !== undefined) {
      while (this.record < tokens.records) {
        const row = this.builder.row(this.record++);
        if (row !== undefined) return row as T;
      }
    }
    return NO_ROW;
  }

  protected async advance(): Promise<boolean> {
    const next = await this.slices.next();
    if (next.done) {
      this.tokens = undefined;
      return false;
    }
    this.builder.begin(next.value);
    this.tokens = next.value.tokens;
    this.record = 0;
    return true;
  }

  protected async release(): Promise<void> {
    this.tokens = undefined;
    await this.slices.return(undefined);
  }
}
