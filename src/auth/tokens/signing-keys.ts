import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { KeyObject } from 'node:crypto';

import {
  generateKeyFile,
  listKeyFiles,
  loadKeyDir,
  SigningKey,
  signingKeyFromPem,
} from './key-files';
import { JWT_SETTINGS, JwtSettings, LATCH_SETTINGS, LatchSettings } from '../../latch.settings';

const RELOAD_CHECK_MS = 5000;

/**
 * The key ring: the newest key signs, every loaded key verifies, every public half is
 * published. Sources, in order: JWT_KEYS_DIR, JWT_PRIVATE_KEY, or (outside production)
 * development keys generated under DATA_DIR. A keys folder is re-read when its files change,
 * so `keys:rotate` and `keys:retire` reach running instances within a few seconds.
 */
@Injectable()
export class SigningKeys implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(SigningKeys.name);
  private keys: SigningKey[] = [];
  private byKid = new Map<string, SigningKey>();
  /** Bumped on every reload, so caches keyed on verification can tell they are stale. */
  generation = 0;
  private watchedDir?: string;
  private watchedListing = '';
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(JWT_SETTINGS) private readonly jwt: JwtSettings,
    @Inject(LATCH_SETTINGS) private readonly app: LatchSettings,
  ) {}

  onModuleInit(): void {
    if (this.jwt.keysDir) {
      this.watchDir(this.jwt.keysDir);
    } else if (this.jwt.privateKeyPem) {
      this.use([signingKeyFromPem(this.jwt.privateKeyPem, this.jwt.algorithm, 'JWT_PRIVATE_KEY')]);
    } else if (this.app.production) {
      throw new Error('JWT_PRIVATE_KEY or JWT_KEYS_DIR must be set when NODE_ENV=production');
    } else {
      if (listKeyFiles(this.jwt.devKeysDir).length === 0) {
        const key = generateKeyFile(this.jwt.devKeysDir, this.jwt.algorithm);
        this.logger.log(`generated a development signing key ${key.kid} in ${this.jwt.devKeysDir}`);
      }
      this.watchDir(this.jwt.devKeysDir);
    }
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The key that signs new tokens. */
  get current(): SigningKey {
    return this.keys[this.keys.length - 1];
  }

  verificationKey(kid: unknown): KeyObject | undefined {
    return typeof kid === 'string' ? this.byKid.get(kid)?.publicKey : undefined;
  }

  jwks(): { keys: Record<string, string>[] } {
    return { keys: this.keys.map((key) => key.publicJwk) };
  }

  private watchDir(dir: string): void {
    this.watchedDir = dir;
    this.reloadIfChanged();
    this.timer = setInterval(() => {
      try {
        this.reloadIfChanged();
      } catch (error) {
        this.logger.error(`keeping the current keys: ${(error as Error).message}`);
      }
    }, RELOAD_CHECK_MS);
    this.timer.unref();
  }

  /** Re-reads the keys folder when its listing changed. */
  reloadIfChanged(): void {
    if (!this.watchedDir) return;
    const listing = listKeyFiles(this.watchedDir).join('\n');
    if (listing === this.watchedListing) return;
    const keys = loadKeyDir(this.watchedDir, this.jwt.algorithm);
    if (keys.length === 0) throw new Error(`no signing key (*.pem) in ${this.watchedDir}`);
    this.use(keys);
    this.watchedListing = listing;
    this.logger.log(`signing with ${this.current.kid}; ${keys.length} key(s) verify`);
  }

  private use(keys: SigningKey[]): void {
    this.keys = keys;
    this.byKid = new Map(keys.map((key) => [key.kid, key]));
    this.generation++;
  }
}
