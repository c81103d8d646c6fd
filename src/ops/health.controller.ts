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

  /** 200 when every check passes, else 503; the body names each failing check and why. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response): Promise<Readiness & { status: 'ok' | 'unavailable' }> {
    const readiness = await this.readiness.check();
    res.status(readiness.ready ? 200 : 503);
    return { status: readiness.ready ? 'ok' : 'unavailable', ...readiness };
  }
}
