import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { Response } from 'express';
import { ReadinessService, type Readiness } from './readiness.service';

@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessService) {}

  /** Liveness: the process answers. Dependencies belong to readiness, or a Redis outage would restart pods. */
  @Get('live')
  @HttpCode(200)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /**
   * 200 while Postgres and Redis answer, else 503 naming the failing check and why. `info` tells how the peers
   * fare (shared across replicas), without bearing on the status.
   */
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response): Promise<Readiness & { status: 'ok' | 'unavailable' }> {
    const readiness = await this.readiness.check();
    res.status(readiness.ready ? 200 : 503);
    return { status: readiness.ready ? 'ok' : 'unavailable', ...readiness };
  }
}
