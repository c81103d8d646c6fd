import { Module } from '@nestjs/common';
import { SchedulerService } from './scheduler.service';

/** The periodic ticks; imported by the service, not by one-shot tools such as the admin CLI. */
@Module({ providers: [SchedulerService] })
export class SchedulerModule {}
