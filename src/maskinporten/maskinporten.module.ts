import { Module } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { OutboundHttp } from '../http/outbound-http';
import { Metrics } from '../ops/metrics';
import { SharedHealth } from '../ops/shared-health';
import { MaskinportenClient } from './maskinporten.client';
import { MaskinportenTokenProvider } from './maskinporten-token.provider';
import { loadSigningKey } from './signing-key.loader';

@Module({
  providers: [
    {
      provide: MaskinportenClient,
      inject: [OutboundHttp, APP_CONFIG, Metrics, SharedHealth],
      useFactory: (http: OutboundHttp, config: AppConfig, metrics: Metrics, health: SharedHealth) =>
        new MaskinportenClient(http, config.maskinporten, loadSigningKey(config.maskinporten.key), metrics, health),
    },
    {
      provide: MaskinportenTokenProvider,
      inject: [MaskinportenClient, Clock, SharedHealth],
      useFactory: (client: MaskinportenClient, clock: Clock, health: SharedHealth) =>
        new MaskinportenTokenProvider(client, clock, (expiresAtMs) => health.tokenFetched(expiresAtMs)),
    },
  ],
  exports: [MaskinportenTokenProvider],
})
export class MaskinportenModule {}
