import { type DynamicModule, Module } from '@nestjs/common';
import { AdminApiModule } from './admin/admin.module';
import { BrregModule } from './brreg/brreg.module';
import { ClockModule } from './clock/clock.module';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { EformidlingModule } from './eformidling/eformidling.module';
import { ForsendelseModule } from './forsendelse/forsendelse.module';
import { HttpModule } from './http/http.module';
import { DashboardModule } from './ops/dashboard.module';
import { LoggingModule } from './ops/logging.module';
import { MetricsModule } from './ops/metrics.module';
import { OpsModule } from './ops/ops.module';
import { QueuesModule } from './queues/queues.module';
import { SchedulerModule } from './queues/scheduler.module';
import { ReceiptsModule } from './receipts/receipts.module';
import { ReconcileModule } from './reconcile/reconcile.module';
import { RetentionModule } from './retention/retention.module';
import { TrackingModule } from './tracking/tracking.module';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        MetricsModule,
        ClockModule,
        HttpModule,
        QueuesModule,
        SchedulerModule,
        ForsendelseModule,
        BrregModule,
        EformidlingModule,
        TrackingModule,
        ReconcileModule,
        RetentionModule,
        ReceiptsModule,
        OpsModule,
        // Without credentials the dashboard is not there at all: off, not open.
        ...(config.admin ? [DashboardModule.forRoot(config.admin, config.dashboard), AdminApiModule] : []),
      ],
    };
  }
}
