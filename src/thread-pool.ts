import { availableParallelism } from 'node:os';

/**
 * Sizes libuv's thread pool to the cores before anything uses it (libuv reads this once, at
 * first use). argon2 runs there and at most one hash per core runs at once anyway
 * (PasswordHasher); every extra pool thread that ever hashes keeps its own ~19 MiB malloc
 * arena, which showed up as resident memory that never went away.
 */
process.env.UV_THREADPOOL_SIZE ??= String(Math.max(2, availableParallelism()));
