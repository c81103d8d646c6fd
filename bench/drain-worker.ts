/**
 * The measured side of bench:drain, in its own process. Modes:
 * - `bridge`: the whole bridge (AppModule, default concurrency) against the simulators;
 * - `naive`: a sequential client — per item download into memory, create, upload, send, poll the status until
 *   LEVERT, confirm — with no queue, no database and no concurrency.
 */
import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../src/app.module';
import { SystemClock } from '../src/clock/clock';
import type { AppConfig } from '../src/config/app-config';
import { loadConfig } from '../src/config/config.loader';
import { OutboundHttp } from '../src/http/outbound-http';
import { MaskinportenTokenProvider } from '../src/maskinporten/maskinporten-token.provider';
import { MaskinportenClient } from '../src/maskinporten/maskinporten.client';
import { loadSigningKey } from '../src/maskinporten/signing-key.loader';
import { serve, sleep } from './common';
import { ok, sendLikeAScript } from './script-send';
import { startCpuProfile } from './cpu-profile';

export interface DrainSetup {
  type: 'setup';
  mode: 'bridge' | 'naive';
  env: Record<string, string>;
  /** naive: pause between two status polls of one message. */
  pollPauseMs?: number;
}

export interface NaiveDone {
  type: 'done';
  items: number;
  ms: number;
  latenciesMs: number[];
  statusPolls: number;
}

Logger.overrideLogger(['error', 'warn']);

let config: AppConfig;
let app: INestApplication | undefined;
let http: OutboundHttp | undefined;
let token = '';
let pollPauseMs = 5;
let stopProfile: ((file: string) => Promise<void>) | undefined;

serve(async (message) => {
  if (message.type === 'setup') {
    const setup = message as unknown as DrainSetup;
    config = loadConfig(setup.env);
    pollPauseMs = setup.pollPauseMs ?? pollPauseMs;
    if (setup.mode === 'bridge') {
      app = await NestFactory.create(AppModule.forRoot(config), { logger: ['error', 'warn'] });
      await app.listen(0, '127.0.0.1');
    } else {
      http = OutboundHttp.fromConfig(config);
      const tokens = new MaskinportenTokenProvider(
        new MaskinportenClient(http, config.maskinporten, loadSigningKey(config.maskinporten.key)),
        new SystemClock(),
      );
      token = await tokens.getToken();
    }
    return { type: 'ready' };
  }
  if (message.type === 'go') {
    return naive();
  }
  if (message.type === 'profile-start') {
    stopProfile = await startCpuProfile();
    return { type: 'profiling' };
  }
  if (message.type === 'profile-stop') {
    await stopProfile?.(String(message.file));
    stopProfile = undefined;
    return { type: 'profiled' };
  }
  if (message.type === 'stop') {
    await app?.close();
    await http?.close();
    process.exit(0);
  }
  return undefined;
});

async function naive(): Promise<NaiveDone> {
  const brreg = config.brreg.baseUrl.replace(/\/+$/, '');
  const ip = `${config.efm.baseUrl.replace(/\/+$/, '')}/api`;
  const auth = { authorization: `Bearer ${token}` };
  const t0 = performance.now();
  const available = (await (await ok(await fetch(`${brreg}/available`, { headers: auth }))).json()) as {
    mottakId: string;
  }[];
  const latenciesMs: number[] = [];
  let statusPolls = 0;
  for (const { mottakId } of available) {
    const start = performance.now();
    const zip = Buffer.from(
      await (await ok(await fetch(`${brreg}/download?mottakId=${mottakId}`, { headers: auth }))).arrayBuffer(),
    );
    const messageId = await sendLikeAScript(config.efm, mottakId, zip);
    for (;;) {
      statusPolls++;
      const page = (await (await ok(await fetch(`${ip}/statuses/${messageId}`))).json()) as {
        content: { status: string }[];
      };
      if (page.content.some((s) => s.status === 'LEVERT')) {
        break;
      }
      await sleep(pollPauseMs);
    }
    await ok(await fetch(`${brreg}/confirm?mottakId=${mottakId}`, { method: 'PUT', headers: auth }));
    latenciesMs.push(performance.now() - start);
  }
  return { type: 'done', items: available.length, ms: performance.now() - t0, latenciesMs, statusPolls };
}
