import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { openRedis } from './redis-options';

/**
 * Redis holds the queues: with eviction on, BullMQ loses jobs silently; without persistence a restart loses
 * them. Postgres plus reconcile repair both (docs/architecture.md), but ops should know: warned at start-up.
 */
@Injectable()
export class RedisSettingsCheck implements OnApplicationBootstrap {
  private readonly logger = new Logger('Redis');

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async onApplicationBootstrap(): Promise<void> {
    const redis = openRedis(this.config.redis, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as string[];
      const [, appendonly] = (await redis.config('GET', 'appendonly')) as string[];
      if (policy !== undefined && policy !== 'noeviction') {
        this.logger.warn({
          msg: 'Redis may evict queue keys; set maxmemory-policy noeviction',
          maxmemoryPolicy: policy,
        });
      }
      if (appendonly !== undefined && appendonly !== 'yes') {
        this.logger.warn({
          msg: 'Redis does not persist (appendonly no): a restart drops queued jobs until reconcile re-enqueues them',
        });
      }
    } catch (error) {
      // Managed Redis often forbids CONFIG; not being able to check is not a reason to stop.
      this.logger.log({ msg: 'could not read Redis settings', error: String(error) });
    } finally {
      redis.disconnect();
    }
  }
}
