import { Processor, WorkerHost } from '@nestjs/bullmq';
import { QueueName } from '../queues/queue-names';
import { ReconcileService, type ReconcileResult } from './reconcile.service';

@Processor(QueueName.Reconcile)
export class ReconcileProcessor extends WorkerHost {
  constructor(private readonly reconcileService: ReconcileService) {
    super();
  }

  async process(): Promise<ReconcileResult> {
    return this.reconcileService.reconcile();
  }
}
