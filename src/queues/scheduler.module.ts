import { Module } from '@nestjs/common';
import { RedisSettingsCheck } from './redis-settings.check';
import { SchedulerService } from './scheduler.service';

/** The periodic ticks and the start-up checks of the service; not for one-shot tools such as the admin CLI. */
@Module({ providers: [SchedulerService, RedisSettingsCheck] })
export class SchedulerModule {}
