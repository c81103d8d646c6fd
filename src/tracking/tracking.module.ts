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

@Module({
  imports: [ForsendelseModule, BrregModule, EformidlingModule],
  providers: [StatusCursorRepository, StatusApplier, StatusTracker, TrackProcessor, ConfirmService, ConfirmProcessor],
  exports: [StatusTracker],
})
export class TrackingModule {}
