import { DataSource, type DataSourceOptions } from 'typeorm';

/**
 * Replicas that start together all run the migrations at start-up, and TypeORM takes no lock: two of them
 * both create the `migrations` table or both apply the same migration, and one fails to start. A Postgres
 * advisory lock makes them take turns; whoever comes second finds nothing pending. The lock belongs to the
 * session, so a process killed while holding it releases it.
 */
const LOCK = `SELECT pg_advisory_lock(hashtext('brreg-efm-bridge migrations'))`;
const UNLOCK = `SELECT pg_advisory_unlock(hashtext('brreg-efm-bridge migrations'))`;

/** The app's DataSource, initialised, with the pending migrations run one replica at a time if `migrationsRun`. */
export async function initializeWithMigrations(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = await new DataSource({ ...options, migrationsRun: false }).initialize();
  if (!options.migrationsRun) {
    return dataSource;
  }
  try {
    await runMigrationsExclusively(dataSource);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

async function runMigrationsExclusively(dataSource: DataSource): Promise<void> {
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    await lockHolder.query(LOCK);
    try {
      await dataSource.runMigrations({ transaction: 'all' });
    } finally {
      await lockHolder.query(UNLOCK);
    }
  } finally {
    await lockHolder.release();
  }
}
