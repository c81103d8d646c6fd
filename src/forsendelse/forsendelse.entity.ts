import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ForsendelseState } from './forsendelse-state';

/** Postgres returns bigint as a string; byte counts stay far below 2^53. */
const bigintAsNumber = {
  to: (value: number | null): number | null => value,
  from: (value: string | null): number | null => (value === null ? null : Number(value)),
};

@Entity({ name: 'forsendelse' })
export class ForsendelseEntity {
  @PrimaryColumn({ name: 'mottak_id', type: 'uuid', primaryKeyConstraintName: 'forsendelse_pkey' })
  mottakId: string;

  @Column({ type: 'text' })
  state: ForsendelseState;

  /** 1-based; grows only on LEVETID_UTLOPT or an operator's replay. */
  @Column({ type: 'int' })
  attempt: number;

  /** The IP messageId of the current attempt. */
  @Column({ name: 'message_id', type: 'uuid' })
  messageId: string;

  @Column({ name: 'conversation_id', type: 'uuid' })
  conversationId: string;

  /** As Brreg sent it: a local (Norwegian) date-time without zone. */
  @Column({ type: 'text', nullable: true })
  oppdatert: string | null;

  @Column({ type: 'text', nullable: true })
  tjeneste: string | null;

  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber })
  bytes: number | null;

  @Column({ type: 'text', nullable: true })
  sha256: string | null;

  /** Set and committed before the IP's send is POSTed: a send is never repeated for an attempt. */
  @Column({ name: 'send_requested_at', type: 'timestamptz', nullable: true })
  sendRequestedAt: Date | null;

  /** Set and committed before the attempt's out-message is DELETEd at the IP (a send answered 5xx, no SENDT). */
  @Column({ name: 'send_cancelled_at', type: 'timestamptz', nullable: true })
  sendCancelledAt: Date | null;

  @Column({ name: 'delivered_message_id', type: 'uuid', nullable: true })
  deliveredMessageId: string | null;

  /** The IP's lastUpdate of the LEVERT/LEST that delivered it. */
  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'confirmed_at', type: 'timestamptz', nullable: true })
  confirmedAt: Date | null;

  @Column({ name: 'failure_reason', type: 'text', nullable: true })
  failureReason: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'state_changed_at', type: 'timestamptz' })
  stateChangedAt: Date;
}
