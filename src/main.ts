import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { loadConfig } from './config/config.loader';
import { prepareManagementPort } from './ops/management-port';
import { logStartupFailure, StartupError } from './ops/startup-failure';

async function bootstrap(): Promise<void> {
  // Validate before Nest opens anything, so a bad variable stops start-up with its name.
  const config = loadConfig();
  // Logs stay buffered until the JSON logger takes over. When start-up fails they are dropped, not flushed to
  // Nest's coloured console: the failure is reported as one JSON line below, with its cause, not 11 lines later.
  // abortOnError: false hands that failure to the catch below instead of process.abort().
  const app = await NestFactory.create(AppModule.forRoot(config), {
    bufferLogs: true,
    autoFlushLogs: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  const startManagement = prepareManagementPort(app, config);
  await app.listen(config.port).catch((error: unknown) => {
    throw listenFailure('PORT', error);
  });
  const management = await startManagement?.().catch((error: unknown) => {
    throw listenFailure('MANAGEMENT_PORT', error);
  });
  // Not enableShutdownHooks(): Nest re-raises the signal after closing, so the process would end with 143.
  // A clean drain ends with 0.
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      app.get(Logger).log({ msg: 'shutting down', signal });
      management?.close();
      management?.closeIdleConnections();
      app.close().then(
        () => process.exit(0),
        (error: unknown) => {
          app.get(Logger).fatal({ msg: 'shutdown failed', error });
          process.exit(1);
        },
      );
    });
  }
}

function listenFailure(variable: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE' || code === 'EACCES') {
    return new StartupError(variable, `cannot listen (${code})`, { cause: error });
  }
  return error;
}

bootstrap().catch((error: unknown) => {
  logStartupFailure(error);
  process.exit(1);
});
