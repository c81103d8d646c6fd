import { ExpressAdapter } from '@bull-board/express';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { BullBoardModule } from '@bull-board/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { ALL_QUEUES } from '../queues/queue-names';
import { basicAuth } from './basic-auth';

export const DASHBOARD_ROUTE = '/queues';

/**
 * bull-board at /queues with every queue, behind basic auth. Only built when credentials are configured.
 * Read-only by default: a retried, promoted or removed job would bypass the state machine in Postgres (the
 * admin API's replay and recheck go through it); bull-board then hides those buttons and refuses the calls.
 */
@Module({})
export class DashboardModule {
  static forRoot(admin: { username: string; password: string }, options: { readOnly: boolean }): DynamicModule {
    return {
      module: DashboardModule,
      imports: [
        BullBoardModule.forRoot({
          route: DASHBOARD_ROUTE,
          adapter: ExpressAdapter,
          middleware: basicAuth(admin.username, admin.password),
          boardOptions: { uiConfig: { boardTitle: 'brreg-efm-bridge' } },
        }),
        ...ALL_QUEUES.map((name) =>
          BullBoardModule.forFeature({ name, adapter: BullMQAdapter, options: { readOnlyMode: options.readOnly } }),
        ),
      ],
    };
  }
}
