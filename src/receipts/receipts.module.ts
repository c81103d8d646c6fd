import { Module } from '@nestjs/common';
import { EformidlingModule } from '../eformidling/eformidling.module';
import { ForsendelseModule } from '../forsendelse/forsendelse.module';
import { ReceiptReader } from './receipt-reader.service';
import { ReceiptsProcessor } from './receipts.processor';

/**
 * The receivers' receipts for our conversations, on the receipts queue's scheduler; the scheduler exists only
 * with EFM_RECEIPTS=true (src/queues/scheduler.service.ts), so otherwise this worker never gets a job.
 */
@Module({
  imports: [ForsendelseModule, EformidlingModule],
  providers: [ReceiptReader, ReceiptsProcessor],
})
export class ReceiptsModule {}
