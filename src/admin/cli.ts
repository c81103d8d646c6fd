import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { ClockModule } from '../clock/clock.module';
import type { AppConfig } from '../config/app-config';
import { ConfigError, loadConfig } from '../config/config.loader';
import { ConfigModule } from '../config/config.module';
import { MetricsModule } from '../ops/metrics.module';
import { QueuesModule } from '../queues/queues.module';
import { AdminModule } from './admin.module';
import { AdminRequestError, AdminService, MAY_STILL_DELIVER } from './admin.service';
import { renderTable } from './text-table';

const USAGE = `Usage: npm run cli -- <command> [options]      (in the image: node dist/src/admin/cli.js …)

Commands:
  list [--state STATE] [--page N] [--size N]   forsendelser, newest change first
  list --late [--page N] [--size N]            those with a FEIL after delivery (cannot be undone)
  list --rejected [--page N] [--size N]        those the receiver's archive refused in a receipt
  show MOTTAK_ID                               one forsendelse with its full event log
  replay MOTTAK_ID                             a FAILED one as a new attempt (new messageId)
  replay-failed [--reason TEXT]                every FAILED one whose reason contains TEXT (all without it)
  recheck MOTTAK_ID                            enqueue now what a stuck one waits for

Options:
  --json        machine-readable output
  -h, --help    this text

Uses the bridge's own environment (DATABASE_URL, REDIS_URL, QUEUE_PREFIX, …).
`;

/** What the CLI needs: the database and the queues, no workers, no schedulers, no HTTP. */
@Module({})
class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), ClockModule, MetricsModule, QueuesModule, AdminModule],
    };
  }
}

function output(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(`${json ? JSON.stringify(value, null, 2) : human()}\n`);
}

function iso(date: Date | null | undefined): string {
  return date ? date.toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

async function run(
  admin: AdminService,
  command: string,
  args: string[],
  values: Record<string, unknown>,
): Promise<number> {
  const json = values.json === true;
  const id = args[0];
  switch (command) {
    case 'list': {
      const flags = (['late', 'rejected'] as const).filter((flag) => values[flag] === true);
      if (flags.length > 1) {
        throw new AdminRequestError('--late and --rejected are two lists; ask for one');
      }
      if (flags.length === 1 && values.state !== undefined) {
        throw new AdminRequestError(`--${flags[0]} lists every state; leave --state out`);
      }
      const page =
        flags.length === 1
          ? await admin.listFlagged(flags[0], Number(values.page ?? 0), Number(values.size ?? 50))
          : await admin.list(values.state as string | undefined, Number(values.page ?? 0), Number(values.size ?? 50));
      output(json, page, () => {
        const rows = page.items.map((f) => [
          f.mottakId,
          f.state,
          String(f.attempt),
          iso(f.stateChangedAt),
          f.failureReason ?? '',
        ]);
        const shown = `${page.page * page.size + 1}–${page.page * page.size + page.items.length} of ${page.total}`;
        return `${renderTable(['mottakId', 'state', 'attempt', 'changed', 'reason'], rows)}\n(${page.items.length ? shown : `0 of ${page.total}`})`;
      });
      return 0;
    }
    case 'show': {
      if (!id) {
        throw new AdminRequestError('show needs a mottakId');
      }
      const found = await admin.show(id);
      if (!found) {
        process.stderr.write(`no forsendelse ${id}\n`);
        return 2;
      }
      output(json, found, () => {
        const f = found.forsendelse;
        const facts = [
          ['mottakId', f.mottakId],
          ['state', f.state],
          ['attempt', String(f.attempt)],
          ['messageId', f.messageId],
          ['conversationId', f.conversationId],
          ['oppdatert', f.oppdatert ?? ''],
          ['bytes', f.bytes === null ? '' : String(f.bytes)],
          ['sha256', f.sha256 ?? ''],
          ['delivered by', f.deliveredMessageId ?? ''],
          ['delivered at', iso(f.deliveredAt)],
          ['confirmed at', iso(f.confirmedAt)],
          ['reason', f.failureReason ?? ''],
        ];
        const events = found.events.map((e) => [
          iso(e.at),
          e.kind,
          e.kind === 'transition' ? `${e.fromState ?? ''} → ${e.toState ?? ''}` : (e.status ?? ''),
          e.attempt === null ? '' : String(e.attempt),
          e.messageId ?? '',
          e.detail ? JSON.stringify(e.detail) : '',
        ]);
        return `${renderTable(['', ''], facts)}\n\n${renderTable(['at', 'kind', 'what', 'attempt', 'messageId', 'detail'], events)}`;
      });
      return 0;
    }
    case 'replay': {
      if (!id) {
        throw new AdminRequestError('replay needs a mottakId');
      }
      const outcome = await admin.replay(id);
      const reason = outcome === 'may-still-deliver' ? MAY_STILL_DELIVER : undefined;
      output(json, { mottakId: id, outcome, reason }, () => `${id}: ${outcome}${reason ? ` (${reason})` : ''}`);
      return outcome === 'replayed' ? 0 : 2;
    }
    case 'replay-failed': {
      const result = await admin.replayFailed(values.reason as string | undefined);
      output(
        json,
        result,
        () => `replayed ${result.replayed.length}${result.replayed.map((r) => `\n  ${r}`).join('')}`,
      );
      return 0;
    }
    case 'recheck': {
      if (!id) {
        throw new AdminRequestError('recheck needs a mottakId');
      }
      const outcome = await admin.recheck(id);
      output(json, { mottakId: id, outcome }, () => `${id}: ${outcome}`);
      return outcome === 'not-found' ? 2 : 0;
    }
    default:
      throw new AdminRequestError(`unknown command "${command}"`);
  }
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      state: { type: 'string' },
      page: { type: 'string' },
      size: { type: 'string' },
      reason: { type: 'string' },
      late: { type: 'boolean' },
      rejected: { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 1;
  }
  const app = await NestFactory.createApplicationContext(CliModule.forRoot(loadConfig()), { logger: false });
  try {
    return await run(app.get(AdminService), command, args, values);
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof AdminRequestError) {
      process.stderr.write(`${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof ConfigError || error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
