import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { ConfigType } from '@nestjs/config';
import { existsSync } from 'node:fs';
import { appConfig, refreshKeyConfig } from '../../config/namespaces';
import { ConfigurationError } from '../../config/environment';
import {
  addRefreshKey,
  readRefreshKeyFile,
  refreshKeyId,
  refreshKeysFrom,
} from './refresh-key-files';

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
    @Inject(refreshKeyConfig.KEY) private readonly config: ConfigType<typeof refreshKeyConfig>,
    @Inject(appConfig.KEY) private readonly app: ConfigType<typeof appConfig>,
  ) {}

  onModuleInit(): void {
    const keys = this.load();
    this.ring = keys;
    this.logger.log(
      `deriving refresh tokens with key ${refreshKeyId(this.current)}; ${keys.length} key(s) verify`,
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

  private load(): Buffer[] {
    const { inline, file, devFile } = this.config;
    if (inline) return refreshKeysFrom(inline, 'AUTH_REFRESH_KEY');
    if (file) return readRefreshKeyFile(file, 'AUTH_REFRESH_KEY_FILE');
    if (this.app.production) {
      throw new ConfigurationError(
        'Invalid configuration: AUTH_REFRESH_KEY or AUTH_REFRESH_KEY_FILE must be set when NODE_ENV=production',
      );
    }
    if (!existsSync(devFile)) {
      const id = addRefreshKey(devFile);
      this.logger.log(`generated a development refresh key ${id} in ${devFile}`);
    }
    return readRefreshKeyFile(devFile, `the development refresh key file`);
  }
}
