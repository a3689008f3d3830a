// Rows one at a time out of batches that make them on demand (`streamParquet`'s row groups), as a
// plain object rather than an async generator, for the reason `CsvRowIterator` gives: a generator's
// `yield` costs each row two trips through the microtask queue and the promises that go with them.
// Here a row costs one resolved promise, and only the row asked for exists: a row group's rows are
// never all made at once. It behaves as a generator does for `for await`: errors end it, and
// `return()` (a `break` in the loop) closes the source.

import { NO_ROW, PlainAsyncIterator } from "./plainAsyncIterator.ts";

/** A batch of `count` rows; `row(i)` makes row `i`. */
export interface RowBatch<T> {
  count: number;
  row(index: number): T;
}

export class RowBatchIterator<T> extends PlainAsyncIterator<T> {
  private batch: RowBatch<T> | undefined;
  private index = 0;
  constructor(private readonly batches: AsyncGenerator<RowBatch<T>>) {
    super();
  }

  protected held(): T | typeof NO_ROW {
    const batch = this.batch;
    return batch !== undefined && this.index < batch.count ? batch.row(this.index++) : NO_ROW;
  }

  protected async advance(): Promise<boolean> {
    // The batch before goes now, not when the next one arrives: its columns can be collected.
    this.batch = undefined;
    const next = await this.batches.next();
    if (next.done) return false;
    this.batch = next.value;
    this.index = 0;
    return true;
  }

  protected async release(): Promise<void> {
    this.batch = undefined;
    await this.batches.return(undefined);
  }
}
