import { Processor, WorkerHost } from '@nestjs/bullmq';
import { QueueName } from '../queues/queue-names';
import { ReceiptReader, type ReceiptTickResult } from './receipt-reader.service';

@Processor(QueueName.Receipts)
export class ReceiptsProcessor extends WorkerHost {
  constructor(private readonly reader: ReceiptReader) {
    super();
  }

  async process(): Promise<ReceiptTickResult> {
    return this.reader.tick();
  }
}
