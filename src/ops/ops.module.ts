import { Module } from '@nestjs/common';
import { BrregModule } from '../brreg/brreg.module';
import { MaskinportenModule } from '../maskinporten/maskinporten.module';
import { HealthController } from './health.controller';
import { ReadinessService } from './readiness.service';

@Module({
  imports: [BrregModule, MaskinportenModule],
  controllers: [HealthController],
  providers: [ReadinessService],
})
export class OpsModule {}
