import { Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { redactDeep } from './log-redaction';

/**
 * JSON logs (pino). Every log object passes through redactDeep, so a token, grant, key, certificate or
 * password is cut out wherever it hides; health probes are not request-logged (they would drown the rest).
 */
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        pinoHttp: {
          level: config.logLevel,
          autoLogging: { ignore: (req) => (req.url ?? '').startsWith('/health') || req.url === '/metrics' },
          formatters: { log: (object: Record<string, unknown>) => redactDeep(object) as Record<string, unknown> },
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
