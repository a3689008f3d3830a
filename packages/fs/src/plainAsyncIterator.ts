// The async-iterator protocol of the row iterators that are plain objects rather than async generators
// (`CsvRowIterator`, `RowBatchIterator`: a generator's `yield` costs each row two trips through the microtask
// queue). Written once here so that both end the way a generator does for `for await`: an error ends the
// iterator and closes its source, and `return()` (a `break` in the loop) closes it too.

/** What `held()` returns when no row is in hand: rows may be any value, `undefined` included. */
export const NO_ROW: unique symbol = Symbol("no row");

export abstract class PlainAsyncIterator<T> implements AsyncGenerator<T, undefined> {
  private done = false;
  /** The refill under way, so that calls made without waiting queue behind it. */
  private refilling: Promise<IteratorResult<T, undefined>> | undefined;

  /** The next row of what the iterator holds, or `NO_ROW` when it holds no more. */
  protected abstract held(): T | typeof NO_ROW;

  /** Takes the next piece of the source into what the iterator holds; false at the source's end. */
  protected abstract advance(): Promise<boolean>;

  next(): Promise<IteratorResult<T, undefined>> {
    if (this.refilling) return this.refilling.then(() => this.next());
    let row: T | typeof NO_ROW;
    try {
      row = this.held();
    } catch (error) {
      return this.fail(error);
    }
    if (row !== NO_ROW) return Promise.resolve({ done: false, value: row });
    if (this.done) return Promise.resolve({ done: true, value: undefined });
    this.refilling = this.refill().finally(() => {
      this.refilling = undefined;
    });
    return this.refilling;
  }

  /** The first row of the next piece that has one; a source that fails or ends ends the iterator. */
  private async refill(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      let more: boolean;
      try {
        more = await this.advance();
      } catch (error) {
        // The source failed, so it is finished already: nothing to close.
        this.done = true;
        throw error;
      }
      if (!more) {
        this.done = true;
        return { done: true, value: undefined };
      }
      let row: T | typeof NO_ROW;
      try {
        row = this.held();
      } catch (error) {
        return this.fail(error);
      }
      if (row !== NO_ROW) return { done: false, value: row };
    }
  }

  /** Drops what the iterator holds and closes its source. */
  protected abstract release(): Promise<void>;

  [Symbol.asyncIterator](): this {
    return this;
  }

  protected async fail(error: unknown): Promise<never> {
    await this.close();
    throw error;
  }

  protected async close(): Promise<void> {
    this.done = true;
    await this.release();
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    await this.close();
    return { done: true, value: undefined };
  }

  async throw(error: unknown): Promise<IteratorResult<T, undefined>> {
    await this.close();
    throw error;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
