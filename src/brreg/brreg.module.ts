import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { ForsendelseModule } from '../forsendelse/forsendelse.module';
import { OutboundHttp } from '../http/outbound-http';
import { Metrics } from '../ops/metrics';
import { SharedHealth } from '../ops/shared-health';
import { MaskinportenModule } from '../maskinporten/maskinporten.module';
import { MaskinportenTokenProvider } from '../maskinporten/maskinporten-token.provider';
import { BrregClient } from './brreg.client';
import { PollHealth } from './poll-health';
import { PollProcessor } from './poll.processor';
import { PollService } from './poll.service';

@Module({
  imports: [MaskinportenModule, ForsendelseModule],
  providers: [
    {
      provide: BrregClient,
      inject: [OutboundHttp, APP_CONFIG, MaskinportenTokenProvider, Metrics, SharedHealth],
      useFactory: (
        http: OutboundHttp,
        config: AppConfig,
        tokens: MaskinportenTokenProvider,
        metrics: Metrics,
        health: SharedHealth,
      ) => new BrregClient(http, config.brreg.baseUrl, tokens, metrics, health),
    },
    PollHealth,
    PollService,
    PollProcessor,
  ],
  exports: [BrregClient, PollHealth],
})
export class BrregModule {}
