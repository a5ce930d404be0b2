import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Secrets every instance must share, kept in the database (created by a migration): the key
 * that derives a refresh token's successor. Read once, then cached for the process.
 */
@Injectable()
export class ServerSecrets {
  private derivationKey?: Promise<Buffer>;

  constructor(private readonly dataSource: DataSource) {}

  refreshDerivationKey(): Promise<Buffer> {
    this.derivationKey ??= this.read('refresh_derivation').catch((error: unknown) => {
      this.derivationKey = undefined; // retry next time (the database may be back)
      throw error;
    });
    return this.derivationKey;
  }

  private async read(name: string): Promise<Buffer> {
    const rows: { value: Buffer }[] = await this.dataSource.query(
      `SELECT value FROM server_secrets WHERE name = $1`,
      [name],
    );
    if (rows.length === 0) throw new Error(`server secret ${name} is missing`);
    return rows[0].value;
  }
}
