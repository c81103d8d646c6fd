import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A receiver's receipt (arkivmelding_kvittering) is recorded as a note event once per receipt messageId: a crash
 * between recording it and deleting it at the IP reads it again after the IP's lock runs out, and the insert then
 * does nothing (`ON CONFLICT … DO NOTHING`, src/forsendelse/forsendelse-transitions.ts, `recordReceipt`). Partial,
 * so only receipt notes are in it; built at once, since no event has that key before this version.
 */
export class ReceiptIndex1796610000000 implements MigrationInterface {
  name = 'ReceiptIndex1796610000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE UNIQUE INDEX forsendelse_event_receipt_idx ON forsendelse_event ((detail->>'receiptMessageId'))
        WHERE kind = 'note' AND detail ? 'receiptMessageId'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX forsendelse_event_receipt_idx`);
  }
}
