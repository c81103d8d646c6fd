import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention deletes CONFIRMED rows oldest confirm first, a batch at a time: without this index every batch
 * would scan the whole table. Partial, so in-flight rows (written all the time) do not maintain it.
 *
 * Not CONCURRENTLY: the migrations run in one transaction (exclusive-migrations.ts), where Postgres forbids
 * it. The build holds off writes to forsendelse for its duration, a few seconds at a million CONFIRMED rows
 * (docs/benchmarks.md, bench:retention); reads go on.
 */
export class RetentionIndex1796587433000 implements MigrationInterface {
  name = 'RetentionIndex1796587433000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX forsendelse_confirmed_idx ON forsendelse (confirmed_at) WHERE state = 'CONFIRMED'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX forsendelse_confirmed_idx`);
  }
}
