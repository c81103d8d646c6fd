import { Module } from '@nestjs/common';
import { ForsendelseModule } from '../forsendelse/forsendelse.module';
import { RetentionProcessor } from './retention.processor';
import { RetentionService } from './retention.service';

/** Deletes CONFIRMED forsendelser past RETENTION_DAYS, on the retention queue's hourly scheduler. */
@Module({
  imports: [ForsendelseModule],
  providers: [RetentionService, RetentionProcessor],
  exports: [RetentionService],
})
export class RetentionModule {}
