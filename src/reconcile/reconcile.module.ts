import { Module } from '@nestjs/common';
import { ForsendelseModule } from '../forsendelse/forsendelse.module';
import { ReconcileProcessor } from './reconcile.processor';
import { ReconcileService } from './reconcile.service';

@Module({ imports: [ForsendelseModule], providers: [ReconcileService, ReconcileProcessor] })
export class ReconcileModule {}
