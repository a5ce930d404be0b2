import { Inject, Injectable } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { authConfig } from '../../config/namespaces';

export interface PasswordCheck {
  valid: boolean;
  /** The hash was made with other parameters than today's; store a fresh one. */
  needsRehash: boolean;
}

/** argon2id hashing with OWASP parameters; all the work runs on libuv's thread pool. */
@Injectable()
export class PasswordHasher {
  private readonly options: argon2.HashOptions & { raw?: false };
  private dummyHash?: Promise<string>;

  constructor(@Inject(authConfig.KEY) auth: ConfigType<typeof authConfig>) {
    this.options = { type: argon2.argon2id, ...auth.argon2 };
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, this.options);
  }

  async verify(hash: string, password: string): Promise<PasswordCheck> {
    // A corrupt hash never authenticates.
    const valid = await argon2.verify(hash, password).catch(() => false);
    return { valid, needsRehash: valid && argon2.needsRehash(hash, this.options) };
  }

  /**
   * Spends one verification against a fixed hash, so a login for an unknown email costs
   * the same time as one for a known email with a wrong password.
   */
  async verifyDummy(password: string): Promise<void> {
    this.dummyHash ??= this.hash(randomBytes(32).toString('base64url'));
    await argon2.verify(await this.dummyHash, password).catch(() => false);
  }
}
