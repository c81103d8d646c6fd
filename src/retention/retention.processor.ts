import { Processor, WorkerHost } from '@nestjs/bullmq';
import { QueueName } from '../queues/queue-names';
import { RetentionService, type RetentionResult } from './retention.service';

@Processor(QueueName.Retention)
export class RetentionProcessor extends WorkerHost {
  constructor(private readonly retention: RetentionService) {
    super();
  }

  async process(): Promise<RetentionResult> {
    return this.retention.prune();
  }
}
