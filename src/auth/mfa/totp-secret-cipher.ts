import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { keyId, KeyRingNames, keyRingSource, loadKeyRing } from '../../config/key-ring-files';
import { LATCH_SETTINGS, LatchSettings, MFA_SETTINGS, MfaSettings } from '../../latch.settings';

/** The TOTP encryption ring's variables and key-file header. */
export const MFA_KEY_RING: KeyRingNames = {
  inlineName: 'AUTH_MFA_KEY',
  fileName: 'AUTH_MFA_KEY_FILE',
  header:
    '# Latch TOTP secret encryption keys (AES-256-GCM), oldest first: the last one encrypts,\n' +
    '# every one decrypts. Keep this file 0600 and keep every key a stored secret still uses.\n',
};

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A TOTP secret as stored: the ciphertext and the id of the key that made it. */
export interface SealedSecret {
  ciphertext: Buffer;
  keyId: string;
}

/**
 * Encrypts TOTP secrets with AES-256-GCM under a key ring kept outside the database (like the
 * signing keys): a database dump alone yields no secret. The ciphertext is bound to its user
 * (additional data), so a row copied onto another account does not decrypt. The newest key
 * encrypts; a secret sealed by an older key stays readable and is sealed again at its next use.
 */
@Injectable()
export class TotpSecretCipher implements OnModuleInit {
  private readonly logger = new Logger(TotpSecretCipher.name);
  private keys = new Map<string, Buffer>();
  private currentId = '';

  constructor(
    @Inject(MFA_SETTINGS) private readonly config: MfaSettings,
    @Inject(LATCH_SETTINGS) private readonly app: LatchSettings,
  ) {}

  onModuleInit(): void {
    const ring = loadKeyRing(
      keyRingSource(MFA_KEY_RING, this.config, this.app.production),
      this.logger,
    );
    this.keys = new Map(ring.map((key) => [keyId(key, 'mfa'), key]));
    this.currentId = keyId(ring[ring.length - 1], 'mfa');
    this.logger.log(`encrypting TOTP secrets with key ${this.currentId}; ${ring.length} key(s)`);
  }

  /** Whether a secret sealed by `id` should be sealed again with the newest key. */
  isStale(id: string): boolean {
    return id !== this.currentId;
  }

  seal(secret: Buffer, userId: string): SealedSecret {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId)!, iv);
    cipher.setAAD(additionalData(userId));
    const body = Buffer.concat([cipher.update(secret), cipher.final()]);
    return { ciphertext: Buffer.concat([iv, cipher.getAuthTag(), body]), keyId: this.currentId };
  }

  /** The secret, or an error when its key is no longer in the ring or the data was altered. */
  open(sealed: SealedSecret, userId: string): Buffer {
    const key = this.keys.get(sealed.keyId);
    if (!key) {
      throw new Error(
        `a TOTP secret is sealed with key ${sealed.keyId}, which is not in AUTH_MFA_KEY(_FILE); put it back`,
      );
    }
    const iv = sealed.ciphertext.subarray(0, IV_BYTES);
    const tag = sealed.ciphertext.subarray(IV_BYTES, IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAAD(additionalData(userId));
    decipher.setAuthTag(tag);
    return Buffer.concat([
      decipher.update(sealed.ciphertext.subarray(IV_BYTES + TAG_BYTES)),
      decipher.final(),
    ]);
  }
}

const additionalData = (userId: string) => Buffer.from(`latch/totp-secret\0${userId}`);
