/**
 * The bridge side of bench:status, in its own process: the whole bridge (AppModule) against the simulators,
 * listening on the port the parent chose so that the IP's webhook pushes can reach it.
 */
import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { loadConfig } from '../src/config/config.loader';
import { serve } from './common';

export interface StatusWorkerSetup {
  type: 'setup';
  env: Record<string, string>;
  port: number;
}

Logger.overrideLogger(['error', 'warn']);

let app: INestApplication | undefined;

serve(async (message) => {
  if (message.type === 'setup') {
    const setup = message as unknown as StatusWorkerSetup;
    app = await NestFactory.create(AppModule.forRoot(loadConfig(setup.env)), { logger: ['error', 'warn'] });
    await app.listen(setup.port, '127.0.0.1');
    return { type: 'ready' };
  }
  if (message.type === 'stop') {
    await app?.close();
    process.exit(0);
  }
  return undefined;
});
