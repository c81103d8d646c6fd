import type { Client } from 'pg';
import { cpuMsOf } from './common';

/**
 * CPU time spent by the PostgreSQL backends serving one database, from `start()` on. Backends come and go with
 * the bridge's pool, so each `sample()` notes every backend's CPU so far; a backend that exits between two
 * samples loses at most one interval of its time.
 */
export class PgBackendCpu {
  private readonly atStart = new Map<number, number>();
  private readonly latest = new Map<number, number>();

  constructor(private readonly pg: Client) {}

  async start(): Promise<void> {
    for (const [pid, ms] of await this.read()) {
      this.atStart.set(pid, ms);
      this.latest.set(pid, ms);
    }
  }

  async sample(): Promise<void> {
    for (const [pid, ms] of await this.read()) {
      this.latest.set(pid, ms);
    }
  }

  /** CPU ms since `start()`: a backend first seen later counts from its own start. */
  get ms(): number {
    let total = 0;
    for (const [pid, ms] of this.latest) {
      total += ms - (this.atStart.get(pid) ?? 0);
    }
    return total;
  }

  private async read(): Promise<Map<number, number>> {
    const { rows } = await this.pg.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    const cpu = new Map<number, number>();
    for (const { pid } of rows) {
      try {
        cpu.set(pid, cpuMsOf(pid));
      } catch {
        // Exited since the query: its last sample stands.
      }
    }
    return cpu;
  }
}
