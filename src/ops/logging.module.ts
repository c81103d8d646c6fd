import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { logFormat } from './log-format';

/**
 * JSON logs (pino) in the shape of log-format.ts; health probes and scrapes are not request-logged (they
 * would drown the rest).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          ...logFormat(config.logLevel),
          autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
          serializers: {
            // The webhook's path carries its secret.
            req: (req: { method?: string; url?: string }) => ({
              method: req.method,
              url: req.url?.replace(/\/webhook\/efm\/[^/?]+/, '/webhook/efm/[redacted]'),
            }),
            // pino wraps the response and nulls statusCode when it thinks headers are unsent; raw has the truth.
            res: (res: { statusCode?: number | null; raw?: { statusCode?: number } }) => ({
              statusCode: res.raw?.statusCode ?? res.statusCode,
            }),
          },
        },
      }),
    }),
  ],
})
export class LoggingModule {}
