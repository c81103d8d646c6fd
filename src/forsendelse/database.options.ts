import type { DataSourceOptions } from 'typeorm';
import { InitialSchema1764633600000 } from '../../migrations/1764633600000-InitialSchema';
import { RetentionIndex1796587433000 } from '../../migrations/1796587433000-RetentionIndex';
import { SendCancelledAt1796598524000 } from '../../migrations/1796598524000-SendCancelledAt';
import { ReceiptIndex1796610000000 } from '../../migrations/1796610000000-ReceiptIndex';
import { ForsendelseAttemptEntity } from './forsendelse-attempt.entity';
import { ForsendelseEventEntity } from './forsendelse-event.entity';
import { ForsendelseEntity } from './forsendelse.entity';

/** One definition for the app and the migration CLI. Migrations are listed, not globbed: the build is the truth. */
export function databaseOptions(url: string, migrationsRun: boolean): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: [ForsendelseEntity, ForsendelseAttemptEntity, ForsendelseEventEntity],
    migrations: [
      InitialSchema1764633600000,
      RetentionIndex1796587433000,
      SendCancelledAt1796598524000,
      ReceiptIndex1796610000000,
    ],
    migrationsTableName: 'migrations',
    migrationsRun,
    synchronize: false,
    applicationName: 'brreg-efm-bridge',
  };
}
