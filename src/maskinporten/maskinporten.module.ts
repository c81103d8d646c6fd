import { Module } from '@nestjs/common';
import { Clock } from '../clock/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { OutboundHttp } from '../http/outbound-http';
import { Metrics } from '../ops/metrics';
import { MaskinportenClient } from './maskinporten.client';
import { MaskinportenTokenProvider } from './maskinporten-token.provider';
import { loadSigningKey } from './signing-key.loader';

@Module({
  providers: [
    {
      provide: MaskinportenClient,
      inject: [OutboundHttp, APP_CONFIG, Metrics],
      useFactory: (http: OutboundHttp, config: AppConfig, metrics: Metrics) =>
        new MaskinportenClient(http, config.maskinporten, loadSigningKey(config.maskinporten.key), metrics),
    },
    {
      provide: MaskinportenTokenProvider,
      inject: [MaskinportenClient, Clock],
      useFactory: (client: MaskinportenClient, clock: Clock) => new MaskinportenTokenProvider(client, clock),
    },
  ],
  exports: [MaskinportenTokenProvider],
})
export class MaskinportenModule {}
