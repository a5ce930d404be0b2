import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Every statement on `deleted_sessions`. */
@Injectable()
export class DeletedSessionsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Records the ids of every session of a user about to be deleted. */
  async rememberAllOfUser(userId: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO deleted_sessions (id)
       SELECT id FROM sessions WHERE user_id = $1
       ON CONFLICT (id) DO UPDATE SET deleted_at = now()`,
      [userId],
    );
  }

  /** Ids of the sessions deleted within the last `seconds`. */
  async deletedWithin(seconds: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM deleted_sessions WHERE deleted_at > now() - make_interval(secs => $1::float8)`,
      [seconds],
    );
    return rows.map((row) => row.id);
  }

  /** Deletes up to `limit` records older than `seconds`. */
  async deleteOlderThan(seconds: number, limit: number): Promise<number> {
    const [, affected] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM deleted_sessions WHERE id IN (
         SELECT id FROM deleted_sessions
         WHERE deleted_at < now() - make_interval(secs => $1::float8)
         LIMIT $2::int)`,
      [seconds, limit],
    );
    return affected;
  }
}
