import { Injectable } from '@nestjs/common';
import type { Principal } from '../principal';
import { SigningKeys } from './signing-keys';

const MAX_ENTRIES = 10_000;

interface Entry {
  principal: Principal;
  /** Milliseconds after which the token no longer verifies (exp plus leeway). */
  validUntil: number;
  /** The key ring the token was verified against; a reload (retirement) invalidates it. */
  keyGeneration: number;
}

/**
 * Tokens already verified, so the same token is never verified twice. Only a byte-for-byte
 * identical token hits; expiry is still honoured here and revocation is checked on every
 * request by the guard. Bounded: the oldest entry goes first.
 */
@Injectable()
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly keys: SigningKeys) {}

  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.validUntil <= Date.now() || entry.keyGeneration !== this.keys.generation) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.principal;
  }

  put(token: string, principal: Principal, leewaySeconds: number): void {
    if (this.entries.size >= MAX_ENTRIES) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(token, {
      principal,
      validUntil: (principal.expiresAt + leewaySeconds) * 1000,
      keyGeneration: this.keys.generation,
    });
  }
}
