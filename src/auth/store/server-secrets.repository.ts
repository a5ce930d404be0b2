import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The `server_secrets` table: secrets every instance shares, created by a migration. */
@Injectable()
export class ServerSecretsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async find(name: string): Promise<Buffer | undefined> {
    const rows: { value: Buffer }[] = await this.dataSource.query(
      `SELECT value FROM server_secrets WHERE name = $1`,
      [name],
    );
    return rows[0]?.value;
  }
}
