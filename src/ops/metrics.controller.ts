import { Controller, Get, Header } from '@nestjs/common';
import { register } from 'prom-client';
import { Metrics } from './metrics';

@Controller()
export class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  /**
   * Serializes what is in the registry and reads nothing else: the database and queue figures come from the
   * background collector (metrics.collector.ts), so a scrape answers at once while Postgres or Redis is away.
   */
  @Get('metrics')
  @Header('Content-Type', register.contentType)
  @Header('Cache-Control', 'no-store')
  async scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
