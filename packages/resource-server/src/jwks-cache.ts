import { importJWK, type CryptoKey, type JWK } from 'jose';

export interface JwksTiming {
  /** Least time between two fetches: unknown `kid`s cannot make Latch's JWKS a target. */
  cooldownMs: number;
  /** Keys are fetched again after this long even when every `kid` is known (retired keys go). */
  maxAgeMs: number;
  /** A fetch that takes longer fails. */
  timeoutMs: number;
}

export const DEFAULT_JWKS_TIMING: JwksTiming = {
  cooldownMs: 5_000,
  maxAgeMs: 10 * 60_000,
  timeoutMs: 5_000,
};

/** The key for a token's header, or why there is none. */
export type KeyLookup =
  | { kind: 'key'; key: CryptoKey | Uint8Array }
  | { kind: 'unknown_key' }
  /** Never fetched successfully: the keys cannot be known, which is not the token's fault. */
  | { kind: 'unavailable' };

interface CachedKey {
  alg: string;
  key: CryptoKey | Uint8Array;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Latch's public keys by `kid`, fetched from its JWKS and kept. A `kid` it does not know (a
 * key Latch has just added with `keys:rotate`) makes it fetch again, at most once per
 * cooldown: a request that arrives inside the cooldown waits for that next fetch (at most the
 * cooldown) instead of being refused, and every request waiting shares the one fetch.
 */
export class JwksCache {
  private keys = new Map<string, CachedKey>();
  private attemptedAt = -Infinity;
  private loadedAt = -Infinity;
  private pending?: Promise<void>;
  private fetchCount = 0;

  constructor(
    private readonly url: URL,
    private readonly algorithms: readonly string[],
    private readonly timing: JwksTiming = DEFAULT_JWKS_TIMING,
    private readonly onError: (message: string) => void = () => undefined,
  ) {}

  /** How many fetches were made (for the specs and for diagnostics). */
  get fetches(): number {
    return this.fetchCount;
  }

  async keyFor(kid: unknown, alg: string): Promise<KeyLookup> {
    if (Date.now() - this.loadedAt > this.timing.maxAgeMs) await this.refresh();
    let cached = typeof kid === 'string' ? this.keys.get(kid) : undefined;
    if (!cached && typeof kid === 'string') {
      await this.refresh();
      cached = this.keys.get(kid);
    }
    if (cached)
      return cached.alg === alg ? { kind: 'key', key: cached.key } : { kind: 'unknown_key' };
    return this.loadedAt === -Infinity ? { kind: 'unavailable' } : { kind: 'unknown_key' };
  }

  /** The next permitted fetch, shared by every caller until it is done. */
  private refresh(): Promise<void> {
    this.pending ??= (async () => {
      const wait = this.attemptedAt + this.timing.cooldownMs - Date.now();
      if (wait > 0) await sleep(wait);
      await this.load();
    })().finally(() => (this.pending = undefined));
    return this.pending;
  }

  private async load(): Promise<void> {
    this.attemptedAt = Date.now();
    this.fetchCount++;
    try {
      const response = await fetch(this.url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.timing.timeoutMs),
        redirect: 'error',
      });
      if (response.status !== 200) throw new Error(`status ${response.status}`);
      const body = (await response.json()) as { keys?: unknown };
      if (!Array.isArray(body?.keys)) throw new Error('no "keys" array');
      const keys = new Map<string, CachedKey>();
      for (const jwk of body.keys as JWK[]) {
        const usable =
          typeof jwk?.kid === 'string' &&
          typeof jwk.alg === 'string' &&
          this.algorithms.includes(jwk.alg) &&
          (jwk.use === undefined || jwk.use === 'sig') &&
          jwk.d === undefined;
        if (!usable) continue;
        keys.set(jwk.kid!, { alg: jwk.alg!, key: await importJWK(jwk, jwk.alg) });
      }
      this.keys = keys;
      this.loadedAt = Date.now();
    } catch (error) {
      // The keys known so far keep verifying; the next attempt waits for the cooldown.
      this.onError(
        `could not fetch Latch's JWKS from ${this.url.origin}: ${(error as Error).message}`,
      );
    }
  }
}
