import type { QueueName } from './queue-names';

/** The payload of each queue's jobs (immich's typed job catalogue): producers and processors share these. */
export interface ForwardJobData {
  mottakId: string;
  attempt: number;
}

export interface ConfirmJobData {
  mottakId: string;
}

/** A scheduled tick carries nothing; a track job may name messages to re-read now (webhook, re-check). */
export interface TrackJobData {
  messageIds?: string[];
}

export interface JobCatalogue {
  [QueueName.BrregPoll]: Record<string, never>;
  [QueueName.Forward]: ForwardJobData;
  [QueueName.Track]: TrackJobData;
  [QueueName.Confirm]: ConfirmJobData;
  [QueueName.Reconcile]: Record<string, never>;
  [QueueName.Retention]: Record<string, never>;
  [QueueName.Receipts]: Record<string, never>;
}
