import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A comparison of two byte strings that always looks at every byte (XOR, then OR, like
 * crypto.timingSafeEqual), so a refresh token's secret hash can be checked inside the
 * statement that spends it: one round trip per rotation, and the comparison stays
 * constant-time. PostgreSQL's own `=` on bytea stops at the first differing byte.
 */
export class CreateConstantTimeEqual1763770000007 implements MigrationInterface {
  name = 'CreateConstantTimeEqual1763770000007';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION constant_time_equal(a bytea, b bytea) RETURNS boolean
      LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
      AS $$
        SELECT CASE WHEN length(a) <> length(b) THEN false
          ELSE coalesce((SELECT bit_or(get_byte(a, i) # get_byte(b, i))
                         FROM generate_series(0, length(a) - 1) AS i), 0) = 0
        END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION constant_time_equal(bytea, bytea)`);
  }
}
