import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/** The status feed's high-water mark, persisted so a restart neither re-reads everything nor skips a gap. */
@Injectable()
export class StatusCursorRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async get(name: string): Promise<Date | null> {
    const rows = await this.dataSource.query<{ high_water: Date }[]>(
      `SELECT high_water FROM status_cursor WHERE name = $1`,
      [name],
    );
    return rows[0]?.high_water ?? null;
  }

  /** Never moves backwards, even if two ticks overlap. */
  async advance(name: string, highWater: Date): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO status_cursor (name, high_water) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE
         SET high_water = GREATEST(status_cursor.high_water, EXCLUDED.high_water), updated_at = now()`,
      [name, highWater],
    );
  }
}
