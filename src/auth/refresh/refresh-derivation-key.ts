import { Injectable } from '@nestjs/common';
import { ServerSecretsRepository } from '../store/server-secrets.repository';

const SECRET_NAME = 'refresh_derivation';

/**
 * The key that derives a refresh token's successor, shared by every instance. Read once,
 * then cached for the process.
 */
@Injectable()
export class RefreshDerivationKey {
  private key?: Promise<Buffer>;

  constructor(private readonly secrets: ServerSecretsRepository) {}

  get(): Promise<Buffer> {
    this.key ??= this.read().catch((error: unknown) => {
      this.key = undefined; // retry next time (the database may be back)
      throw error;
    });
    return this.key;
  }

  private async read(): Promise<Buffer> {
    const value = await this.secrets.find(SECRET_NAME);
    if (!value) throw new Error(`server secret ${SECRET_NAME} is missing`);
    return value;
  }
}
