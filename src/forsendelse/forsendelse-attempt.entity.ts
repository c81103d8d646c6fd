import { Column, Entity, PrimaryColumn } from 'typeorm';

/** messageId → (mottakId, attempt): statuses name only the messageId, and an older attempt can still deliver. */
@Entity({ name: 'forsendelse_attempt' })
export class ForsendelseAttemptEntity {
  @PrimaryColumn({ name: 'message_id', type: 'uuid', primaryKeyConstraintName: 'forsendelse_attempt_pkey' })
  messageId: string;

  @Column({ name: 'mottak_id', type: 'uuid' })
  mottakId: string;

  @Column({ type: 'int' })
  attempt: number;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
