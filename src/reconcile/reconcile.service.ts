import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ForsendelseQueries } from '../forsendelse/forsendelse-queries';
import { WorkQueues } from '../queues/work-queues';
import { WebhookSubscriptionService } from '../tracking/webhook-subscription.service';

/** Bounds one reconcile tick; a larger backlog is worked through over several ticks. */
const BATCH = 1000;
const RECHECK_BATCH = 100;

export interface ReconcileResult {
  forward: number;
  confirm: number;
  recheck: number;
}

/**
 * Postgres is the truth, Redis is disposable (docs/architecture.md): rows that sat too long in a state that waits
 * on our own work get that work enqueued again. Enqueueing is idempotent (deterministic job ids), so a job
 * that is merely slow is not doubled, while one that ended as failed is replaced. SENT rows wait on the IP:
 * overdue ones are re-read, never re-sent.
 */
@Injectable()
export class ReconcileService {
  private readonly logger = new Logger('Reconcile');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queries: ForsendelseQueries,
    private readonly queues: WorkQueues,
    private readonly clock: Clock,
    private readonly webhook: WebhookSubscriptionService,
  ) {}

  async reconcile(): Promise<ReconcileResult> {
    // The IP forgets subscriptions when it restarts; a missing one is registered again here.
    await this.webhook
      .ensure()
      .catch((error: unknown) =>
        this.logger.warn({ msg: 'could not check the status subscription', error: String(error) }),
      );
    const before = new Date(this.clock.now() - this.config.reconcile.staleMs);
    const toForward = [
      ...(await this.queries.findStale('DISCOVERED', before, BATCH)),
      ...(await this.queries.findStale('FORWARDING', before, BATCH)),
    ];
    const toConfirm = await this.queries.findStale('DELIVERED', before, BATCH);
    // SENT rows wait on the IP, normally up to the delivery deadline, and the status reader follows them.
    // Past the deadline they should have had LEVERT or LEVETID_UTLOPT: a few at a time are re-read directly.
    const overdue = new Date(this.clock.now() - this.config.efm.ttlHours * 3_600_000 - this.config.reconcile.staleMs);
    const toRecheck = await this.queries.findStale('SENT', overdue, RECHECK_BATCH);
    await this.queues.retryForward(toForward.map((row) => ({ mottakId: row.mottakId, attempt: row.attempt })));
    await this.queues.retryConfirm(toConfirm.map((row) => row.mottakId));
    await this.queues.recheck(toRecheck.map((row) => row.messageId));
    const result = { forward: toForward.length, confirm: toConfirm.length, recheck: toRecheck.length };
    if (result.forward + result.confirm + result.recheck > 0) {
      this.logger.log({ msg: 'stalled rows re-enqueued', ...result });
    }
    return result;
  }
}
