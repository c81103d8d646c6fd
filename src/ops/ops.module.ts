import { Module } from '@nestjs/common';
import { BrregModule } from '../brreg/brreg.module';
import { MaskinportenModule } from '../maskinporten/maskinporten.module';
import { ForsendelseModule } from '../forsendelse/forsendelse.module';
import { HealthController } from './health.controller';
import { MetricsCollector } from './metrics.collector';
import { MetricsController } from './metrics.controller';
import { ReadinessService } from './readiness.service';

@Module({
  imports: [BrregModule, MaskinportenModule, ForsendelseModule],
  controllers: [HealthController, MetricsController],
  providers: [ReadinessService, MetricsCollector],
})
export class OpsModule {}
