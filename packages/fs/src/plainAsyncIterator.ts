// The async-iterator protocol of the row iterators that are plain objects rather than async generators
// (`CsvRowIterator`, `RowBatchIterator`: a generator's `yield` costs each row two trips through the microtask
// queue). Written once here so that both end the way a generator does for `for await`: an error ends the
// iterator and closes its source, and `return()` (a `break` in the loop) closes it too.

export abstract class PlainAsyncIterator<T> implements AsyncGenerator<T, undefined> {
  protected done = false;

  abstract next(): Promise<IteratorResult<T, undefined>>;

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
