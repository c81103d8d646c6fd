import { canonicalMottakId } from '../forsendelse/forsendelse-ids';

/** Every queue of docs/architecture.md, in one place. BullMQ forbids ':' in names and job ids. */
export enum QueueName {
  BrregPoll = 'brreg-poll',
  Forward = 'forward',
  Track = 'track',
  Confirm = 'confirm',
  Reconcile = 'reconcile',
  Retention = 'retention',
  Receipts = 'receipts',
}

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

/** Deterministic job ids: a duplicate enqueue of the same work is ignored by BullMQ while the job exists. */
export const jobIds = {
  forward: (mottakId: string, attempt: number) => `forward-${canonicalMottakId(mottakId)}-${attempt}`,
  confirm: (mottakId: string) => `confirm-${canonicalMottakId(mottakId)}`,
  scheduler: (queue: QueueName) => `${queue}-scheduler`,
};
