import { Module } from '@nestjs/common';
import { BrregModule } from '../brreg/brreg.module';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ForsendelseModule } from '../forsendelse/forsendelse.module';
import { OutboundHttp } from '../http/outbound-http';
import { Metrics } from '../ops/metrics';
import { SharedHealth } from '../ops/shared-health';
import { CapabilitiesCache } from './capabilities.cache';
import { ForwardProcessor } from './forward.processor';
import { ForwardService } from './forward.service';
import { IntegrasjonspunktClient } from './integrasjonspunkt.client';

@Module({
  imports: [ForsendelseModule, BrregModule],
  providers: [
    {
      provide: IntegrasjonspunktClient,
      inject: [OutboundHttp, APP_CONFIG, Metrics, SharedHealth],
      useFactory: (http: OutboundHttp, config: AppConfig, metrics: Metrics, health: SharedHealth) =>
        new IntegrasjonspunktClient(http, config.efm.baseUrl, config.efm.basicAuth, metrics, health),
    },
    {
      provide: CapabilitiesCache,
      inject: [IntegrasjonspunktClient, Clock],
      useFactory: (ip: IntegrasjonspunktClient, clock: Clock) => new CapabilitiesCache(ip, clock),
    },
    ForwardService,
    ForwardProcessor,
  ],
  exports: [IntegrasjonspunktClient],
})
export class EformidlingModule {}
