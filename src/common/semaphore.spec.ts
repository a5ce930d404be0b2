import { Semaphore, SemaphoreFullError } from './semaphore';

describe('Semaphore', () => {
  it('runs at most `limit` tasks at once, in arrival order, and passes results through', async () => {
    const semaphore = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 7 }, (_, i) =>
        semaphore.run(async () => {
          started.push(i);
          running++;
          peak = Math.max(peak, running);
          await new Promise((resolve) => setTimeout(resolve, 5));
          running--;
          return i * 10;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60]);
  });

  it('releases its slot when a task fails', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });

  it('refuses at once, without queueing, when the waiting line is full', async () => {
    const semaphore = new Semaphore(1, 2);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ran: number[] = [];
    const task = (i: number) => () => {
      ran.push(i);
      return gate;
    };
    const accepted = [semaphore.run(task(0)), semaphore.run(task(1)), semaphore.run(task(2))];
    await expect(semaphore.run(task(3))).rejects.toBeInstanceOf(SemaphoreFullError);
    release();
    await Promise.all(accepted);
    expect(ran).toEqual([0, 1, 2]);
    // With the line drained, new work is accepted again.
    await expect(semaphore.run(() => Promise.resolve('later'))).resolves.toBe('later');
  });
});
