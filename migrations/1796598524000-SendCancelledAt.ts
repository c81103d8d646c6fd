import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the forward cancelled its attempt at the IP (DELETE of the out-message) after a send that answered 5xx and
 * no SENDT within the grace period: committed before the DELETE, so a resumed forward knows the out-message is gone
 * because we removed it, not because the IP sent it (docs/architecture.md, "The forward"). Nullable, no default:
 * adding it rewrites nothing.
 */
export class SendCancelledAt1796598524000 implements MigrationInterface {
  name = 'SendCancelledAt1796598524000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE forsendelse ADD COLUMN send_cancelled_at timestamptz`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE forsendelse DROP COLUMN send_cancelled_at`);
  }
}
