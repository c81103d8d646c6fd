import { Module } from '@nestjs/common';
import { ForsendelseModule } from '../forsendelse/forsendelse.module';
import { TrackingModule } from '../tracking/tracking.module';
import { ReconcileProcessor } from './reconcile.processor';
import { ReconcileService } from './reconcile.service';

@Module({ imports: [ForsendelseModule, TrackingModule], providers: [ReconcileService, ReconcileProcessor] })
export class ReconcileModule {}
