import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ForsendelseState } from './forsendelse-state';

export type ForsendelseEventKind = 'transition' | 'status' | 'note';

/** Append-only audit: every transition and every IP status seen, with time and detail. */
@Entity({ name: 'forsendelse_event' })
export class ForsendelseEventEntity {
  @PrimaryColumn({ type: 'bigint', primaryKeyConstraintName: 'forsendelse_event_pkey' })
  id: string;

  @Column({ name: 'mottak_id', type: 'uuid' })
  mottakId: string;

  @Column({ type: 'timestamptz' })
  at: Date;

  @Column({ type: 'text' })
  kind: ForsendelseEventKind;

  @Column({ name: 'from_state', type: 'text', nullable: true })
  fromState: ForsendelseState | null;

  @Column({ name: 'to_state', type: 'text', nullable: true })
  toState: ForsendelseState | null;

  @Column({ type: 'int', nullable: true })
  attempt: number | null;

  @Column({ name: 'message_id', type: 'uuid', nullable: true })
  messageId: string | null;

  /** The IP status (kind 'status'). */
  @Column({ type: 'text', nullable: true })
  status: string | null;

  /** The IP's status id, for statuses (informative; a status is unique by messageId and status). */
  @Column({ name: 'ip_status_id', type: 'bigint', nullable: true })
  ipStatusId: string | null;

  @Column({ type: 'jsonb', nullable: true })
  detail: Record<string, unknown> | null;
}
