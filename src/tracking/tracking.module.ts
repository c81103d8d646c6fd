import { Module } from '@nestjs/common';
import { BrregModule } from '../brreg/brreg.module';
import { EformidlingModule } from '../eformidling/eformidling.module';
import { ForsendelseModule } from '../forsendelse/forsendelse.module';
import { ConfirmProcessor } from './confirm.processor';
import { ConfirmService } from './confirm.service';
import { StatusApplier } from './status-applier';
import { StatusCursorRepository } from './status-cursor.repository';
import { StatusTracker } from './status-tracker';
import { TrackProcessor } from './track.processor';
import { WebhookSubscriptionService } from './webhook-subscription.service';
import { WebhookController } from './webhook.controller';

@Module({
  imports: [ForsendelseModule, BrregModule, EformidlingModule],
  controllers: [WebhookController],
  providers: [
    StatusCursorRepository,
    StatusApplier,
    StatusTracker,
    TrackProcessor,
    ConfirmService,
    ConfirmProcessor,
    WebhookSubscriptionService,
  ],
  exports: [StatusTracker, WebhookSubscriptionService],
})
export class TrackingModule {}
