import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';

import { keyId, KeyRingNames, keyRingSource, loadKeyRing } from '../../config/key-ring-files';
import {
  KeyRingSettings,
  LATCH_SETTINGS,
  LatchSettings,
  REFRESH_KEY_SETTINGS,
} from '../../latch.settings';

/** The refresh derivation ring's variables and key-file header. */
export const REFRESH_KEY_RING: KeyRingNames = {
  inlineName: 'AUTH_REFRESH_KEY',
  fileName: 'AUTH_REFRESH_KEY_FILE',
  header:
    '# Latch refresh-token derivation keys, oldest first: the last one derives new successors,\n' +
    '# every one is tried when a token is replayed inside AUTH_REUSE_GRACE. Keep this file 0600.\n',
};

/**
 * The key ring that derives a refresh token's successor, shared by every instance and kept
 * outside the database (a database read plus one spent token must not yield the live one).
 * Sources, in order: AUTH_REFRESH_KEY, AUTH_REFRESH_KEY_FILE, or (outside production) a key
 * file generated under DATA_DIR. The newest (last) key derives; every key is tried when a
 * spent token is replayed inside the grace window, so adding a key breaks no chain. Read at
 * start; a new key takes effect when the instance restarts.
 */
@Injectable()
export class RefreshDerivationKey implements OnModuleInit {
  private readonly logger = new Logger(RefreshDerivationKey.name);
  private ring: Buffer[] = [];

  constructor(
    @Inject(REFRESH_KEY_SETTINGS) private readonly config: KeyRingSettings,
    @Inject(LATCH_SETTINGS) private readonly app: LatchSettings,
  ) {}

  onModuleInit(): void {
    this.ring = loadKeyRing(
      keyRingSource(REFRESH_KEY_RING, this.config, this.app.production),
      this.logger,
    );
    this.logger.log(
      `deriving refresh tokens with key ${keyId(this.current, 'refresh')}; ${this.ring.length} key(s) verify`,
    );
  }

  /** The key that derives new successors. */
  get current(): Buffer {
    return this.ring[this.ring.length - 1];
  }

  /** Every key of the ring, newest first: the ones a grace replay may have been derived with. */
  get all(): readonly Buffer[] {
    return [...this.ring].reverse();
  }
}
