import { Controller, Get } from '@nestjs/common';

@Controller('health')
export class HealthController {
  /** Liveness: the process answers. Readiness (dependencies) comes with the pipeline. */
  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }
}
