// Rows one at a time out of batches that make them on demand (`streamParquet`'s row groups), as a
// plain object rather than an async generator, for the reason `CsvRowIterator` gives: a generator's
// `yield` costs each row two trips through the microtask queue and the promises that go with them.
// Here a row costs one resolved promise, and only the row asked for exists: a row group's rows are
// never all made at once. It behaves as a generator does for `for await`: errors end it, and
// `return()` (a `break` in the loop) closes the source.

import { PlainAsyncIterator } from "./plainAsyncIterator.ts";

/** A batch of `count` rows; `row(i)` makes row `i`. */
export interface RowBatch<T> {
  count: number;
  row(index: number): T;
}

export class RowBatchIterator<T> extends PlainAsyncIterator<T> {
  private batch: RowBatch<T> | undefined;
  private index = 0;
  /** The refill under way, so that calls made without waiting queue behind it. */
  private refilling: Promise<IteratorResult<T, undefined>> | undefined;

  constructor(private readonly batches: AsyncGenerator<RowBatch<T>>) {
    super();
  }

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.refilling) return this.refilling.then(() => this.next());
    const batch = this.batch;
    if (batch !== undefined && this.index < batch.count) {
      try {
        return Promise.resolve({ done: false, value: batch.row(this.index++) });
      } catch (error) {
        return this.fail(error);
      }
    }
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    this.refilling = this.refill().finally(() => {
      this.refilling = undefined;
    });
    return this.refilling;
  }

  /** Takes the next non-empty batch (or ends) and gives its first row. */
  private async refill(): Promise<IteratorResult<T, undefined>> {
    // The batch before goes now, not when the next one arrives: its columns can be collected.
    this.batch = undefined;
    for (;;) {
      let next: IteratorResult<RowBatch<T>>;
      try {
        next = await this.batches.next();
      } catch (error) {
        this.done = true;
        throw error;
      }
      if (next.done) {
        this.done = true;
        return { done: true, value: undefined };
      }
      if (next.value.count === 0) continue;
      this.batch = next.value;
      this.index = 1;
      try {
        return { done: false, value: next.value.row(0) };
      } catch (error) {
        await this.close();
        throw error;
      }
    }
  }

  protected async release(): Promise<void> {
    this.batch = undefined;
    await this.batches.return(undefined);
  }
}
