import { Processor, WorkerHost } from '@nestjs/bullmq';
import { QueueName } from '../queues/queue-names';
import { PollService, type PollResult } from './poll.service';

@Processor(QueueName.BrregPoll)
export class PollProcessor extends WorkerHost {
  constructor(private readonly pollService: PollService) {
    super();
  }

  async process(): Promise<PollResult> {
    return this.pollService.poll();
  }
}
