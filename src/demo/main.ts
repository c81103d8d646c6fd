import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { renderTable } from '../admin/text-table';
import { AppModule } from '../app.module';
import { loadConfig, loadInfrastructureUrls } from '../config/config.loader';
import { ForsendelseEntity } from '../forsendelse/forsendelse.entity';
import { mintTestKeys } from '../simulator/maskinporten/test-keys';
import { startSimulators, type SimulatorSet } from '../simulator/start-simulators';
import { seedDemoCases } from './demo-cases';
import { provisionPostgres, provisionRedis, type Provisioned } from './infrastructure';

/** The demo gives up after this long; a healthy run takes a few seconds. */
const TIMEOUT_MS = 120_000;
const RECEIVER = '310000001';

interface Delivered {
  title: string;
  documents: number;
}

/**
 * What the receiving archive got for a forsendelse, from the IP simulator: the journalpost's title in the uploaded
 * arkivmelding.xml and the number of documents beside it (one zip today; one per Vedlegg when documents are sent).
 */
async function deliveredAt(sims: SimulatorSet, messageId: string): Promise<Delivered | undefined> {
  const response = await fetch(`${sims.integrasjonspunkt.url}/_sim/messages/${messageId}`);
  if (!response.ok) {
    return undefined;
  }
  const message = (await response.json()) as {
    files: { filename: string | null }[];
    arkivmelding: { tittel: string | null; offentligTittel: string | null } | null;
  };
  return {
    title: message.arkivmelding?.tittel ?? message.arkivmelding?.offentligTittel ?? '-',
    documents: message.files.filter((f) => f.filename !== 'arkivmelding.xml').length,
  };
}

function clock(): string {
  return new Date().toISOString().slice(11, 23);
}

async function main(): Promise<number> {
  const cleanups: (() => Promise<void>)[] = [];
  try {
    process.stdout.write('brreg-efm-bridge demo: simulators + bridge, end to end\n\n');
    const urls = loadInfrastructureUrls();
    const postgres: Provisioned = await provisionPostgres(urls.databaseUrl);
    cleanups.push(() => postgres.release());
    const redis: Provisioned = await provisionRedis(urls.redisUrl);
    cleanups.push(() => redis.release());
    process.stdout.write(`  database: ${postgres.origin}\n  queues:   ${redis.origin}\n`);

    const keysDir = mkdtempSync(join(tmpdir(), 'bridge-demo-keys-'));
    cleanups.push(() => Promise.resolve(rmSync(keysDir, { recursive: true, force: true })));
    const keys = await mintTestKeys(keysDir);
    const sims = await startSimulators({
      maskinporten: { port: 0, keysDir },
      brreg: { port: 0 },
      // As unkind as the real IP: statuses readable only after their webhook event, some LEST and ANNET.
      integrasjonspunkt: {
        port: 0,
        statusDelayMs: 300,
        sendDelayMs: 50,
        ttlCheckIntervalMs: 0,
        statusCommitDelayMs: 200,
        lestRate: 0.5,
        annetRate: 0.34,
      },
    });
    cleanups.push(() => sims.close());
    process.stdout.write(
      `  simulators: Maskinporten ${sims.maskinporten.url}, Brreg ${sims.brreg.outboundUrl}, IP ${sims.integrasjonspunkt.url}\n\n`,
    );
    const cases = await seedDemoCases(sims, keys.orgnr);

    const config = loadConfig({
      ...keys.env.x5c,
      MASKINPORTEN_ISSUER: sims.maskinporten.issuer,
      MASKINPORTEN_TOKEN_URL: sims.maskinporten.tokenUrl,
      BRREG_BASE_URL: sims.brreg.outboundUrl,
      EFM_BASE_URL: sims.integrasjonspunkt.url,
      EFM_SENDER_ORGNR: keys.orgnr,
      EFM_RECEIVER_ORGNR: RECEIVER,
      DATABASE_URL: postgres.url,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: `demo${randomBytes(3).toString('hex')}`,
      BRREG_POLL_INTERVAL_MS: '1000',
      EFM_STATUS_POLL_INTERVAL_MS: '250',
    });
    // The progress lines below say what happened; the bridge's own JSON logs would drown them.
    Logger.overrideLogger(false);
    const app = await NestFactory.create(AppModule.forRoot(config), { logger: false });
    await app.listen(0, '127.0.0.1');
    cleanups.unshift(() => app.close());
    const dataSource = app.get<DataSource>(getDataSourceToken());
    const started = Date.now();

    const seen = new Map<string, string>();
    const label = new Map(cases.map((c) => [c.mottakId, c.label]));
    let rows: ForsendelseEntity[] = [];
    while (Date.now() - started < TIMEOUT_MS) {
      rows = await dataSource.getRepository(ForsendelseEntity).find();
      for (const row of rows) {
        const key = `${row.state}/${row.attempt}`;
        if (seen.get(row.mottakId) !== key) {
          const from = seen.get(row.mottakId)?.split('/')[0] ?? '';
          seen.set(row.mottakId, key);
          process.stdout.write(
            `${clock()}  ${row.mottakId.slice(0, 8)}  ${(label.get(row.mottakId) ?? '').padEnd(20)} ${from ? `${from} → ` : ''}${row.state}` +
              `${row.attempt > 1 ? ` (attempt ${row.attempt})` : ''}${row.failureReason ? ` — ${row.failureReason}` : ''}\n`,
          );
        }
      }
      if (rows.length === cases.length && rows.every((r) => r.state === 'CONFIRMED' || r.state === 'FAILED')) {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }

    const byId = new Map(rows.map((r) => [r.mottakId, r]));
    const failures: string[] = [];
    const delivered = new Map<string, Delivered | undefined>();
    for (const row of rows) {
      delivered.set(row.mottakId, await deliveredAt(sims, row.deliveredMessageId ?? row.messageId));
    }
    const table = cases.map((c) => {
      const row = byId.get(c.mottakId);
      const got = delivered.get(c.mottakId);
      const ok = row?.state === c.expected && row.attempt === c.expectedAttempts;
      if (!ok) {
        failures.push(
          `${c.mottakId} (${c.label}): expected ${c.expected} after ${c.expectedAttempts} attempt(s), got ${row?.state ?? 'nothing'}`,
        );
      }
      return [
        c.mottakId,
        c.label,
        c.expected,
        row?.state ?? '-',
        String(row?.attempt ?? '-'),
        row?.bytes === null || row?.bytes === undefined ? '-' : String(row.bytes),
        got === undefined ? '-' : String(got.documents),
        got?.title ?? '-',
        ok ? 'ok' : 'NOT OK',
      ];
    });
    const header = ['mottakId', 'case', 'expected', 'final', 'attempts', 'bytes', 'documents', 'journalpost title', ''];
    process.stdout.write(`\n${renderTable(header, table)}\n\n`);
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (failures.length > 0) {
      process.stdout.write(`FAILED after ${seconds} s:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
      return 1;
    }
    process.stdout.write(`All ${cases.length} forsendelser reached their expected final state in ${seconds} s.\n`);
    return 0;
  } finally {
    for (const cleanup of cleanups) {
      await cleanup().catch(() => undefined);
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
