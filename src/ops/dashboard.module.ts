import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { BullBoardModule } from '@bull-board/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { ALL_QUEUES } from '../queues/queue-names';
import { basicAuth } from './basic-auth';

export const DASHBOARD_ROUTE = '/queues';

/** bull-board at /queues with every queue, behind basic auth. Only built when credentials are configured. */
@Module({})
export class DashboardModule {
  static forRoot(admin: { username: string; password: string }): DynamicModule {
    return {
      module: DashboardModule,
      imports: [
        BullBoardModule.forRoot({
          route: DASHBOARD_ROUTE,
          adapter: ExpressAdapter,
          middleware: basicAuth(admin.username, admin.password),
          boardOptions: { uiConfig: { boardTitle: 'brreg-efm-bridge' } },
        }),
        ...ALL_QUEUES.map((name) => BullBoardModule.forFeature({ name, adapter: BullMQAdapter })),
      ],
    };
  }
}
