/** Thrown by Semaphore.run when the waiting line is full: the caller should refuse, not wait. */
export class SemaphoreFullError extends Error {
  constructor() {
    super('too many tasks waiting');
  }
}

/**
 * At most `limit` tasks at once; up to `maxWaiting` more wait in arrival order, and any
 * beyond that are refused at once with SemaphoreFullError.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly limit: number,
    private readonly maxWaiting = Number.POSITIVE_INFINITY,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) {
      if (this.waiting.length >= this.maxWaiting) throw new SemaphoreFullError();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.active++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next)
        next(); // hand the slot over directly
      else this.active--;
    }
  }
}
