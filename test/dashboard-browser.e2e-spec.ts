import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Queue } from 'bullmq';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { AppModule } from '../src/app.module';
import { prepareManagementPort } from '../src/ops/management-port';
import { QueueName } from '../src/queues/queue-names';
import { freePort } from './support/bridge-harness';
import { createTestDatabase, type TestDatabase } from './support/database';
import { aConfig } from './support/test-config';

/**
 * bull-board at /queues as an operator sees it: Debian's headless Chromium (apt-get install chromium) behind
 * basic auth. Read-only by default, so the buttons that would retry, promote, clean or remove jobs behind the
 * state machine's back are not there; with DASHBOARD_READ_ONLY=false they are, which shows the check can fail.
 * Screenshots are kept in test-artifacts/.
 */

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const ADMIN = { username: 'ops', password: 'correct horse battery' };
const MUTATING = /^(promote all|clean all|retry all|pause|resume|empty|obliterate|add job)$/i;

interface Running {
  app: INestApplication;
  management?: Server;
  url: string;
  managementUrl?: string;
  prefix: string;
}

async function boot(db: TestDatabase, env: Record<string, string>): Promise<Running> {
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const port = await freePort();
  const config = aConfig({
    DATABASE_URL: db.url,
    QUEUE_PREFIX: prefix,
    ADMIN_USERNAME: ADMIN.username,
    ADMIN_PASSWORD: ADMIN.password,
    PORT: String(port),
    ...env,
  });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  // As main.ts does it.
  const startManagement = prepareManagementPort(app, config);
  await app.listen(port, '127.0.0.1');
  const management = await startManagement?.();
  // A job waiting an hour, so the queue page has something to act on.
  const queue = new Queue(QueueName.Forward, { connection: { url: config.redis.url }, prefix });
  await queue.add('forward', { mottakId: 'browser-test' }, { delay: 3_600_000, jobId: 'browser-test' });
  await queue.close();
  return {
    app,
    management,
    prefix,
    url: `http://127.0.0.1:${port}`,
    managementUrl: config.managementPort === undefined ? undefined : `http://127.0.0.1:${config.managementPort}`,
  };
}

async function stop(running: Running | undefined): Promise<void> {
  if (!running) {
    return;
  }
  running.management?.close();
  running.management?.closeAllConnections();
  const queue = new Queue(QueueName.Forward, { connection: { url: 'redis://127.0.0.1:6379' }, prefix: running.prefix });
  await queue.obliterate({ force: true }).finally(() => queue.close());
  await running.app.close();
}

/** A mutating call that harms nothing here: removing the queue's completed jobs. */
async function cleanCompleted(base: string): Promise<number> {
  const response = await fetch(`${base}/queues/api/queues/${QueueName.Forward}/clean/completed`, {
    method: 'PUT',
    headers: { authorization: basic },
  });
  return response.status;
}

const basic = `Basic ${Buffer.from(`${ADMIN.username}:${ADMIN.password}`).toString('base64')}`;

describe('the queue dashboard in a browser', () => {
  let db: TestDatabase;
  let readOnly: Running;
  let readWrite: Running;
  let profile: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    db = await createTestDatabase();
    readOnly = await boot(db, { MANAGEMENT_PORT: String(await freePort()) });
    readWrite = await boot(db, { DASHBOARD_READ_ONLY: 'false' });
    mkdirSync(ARTIFACTS, { recursive: true });
    profile = mkdtempSync(join(tmpdir(), 'bridge-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      httpCredentials: ADMIN,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) {
      rmSync(profile, { recursive: true, force: true });
    }
    await stop(readOnly);
    await stop(readWrite);
    await db?.drop();
  }, 60_000);

  /** The buttons of the forward queue's delayed jobs page, after the queue names rendered. */
  async function openForwardQueue(base: string, screenshot: string): Promise<{ names: string; buttons: string[] }> {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/queues`);
      for (const name of Object.values(QueueName)) {
        await page.getByText(name, { exact: true }).first().waitFor({ timeout: 30_000 });
      }
      const names = await page.locator('body').innerText();
      await page.goto(`${base}/queues/queue/${QueueName.Forward}?status=delayed`);
      await page.getByText('browser-test').first().waitFor({ timeout: 30_000 });
      // bull-board renders the queue's actions after its job list: give it the moment it takes.
      await page.waitForTimeout(1_000);
      await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
      return { names, buttons: (await page.locator('button').allInnerTexts()).map((t) => t.trim()) };
    } finally {
      await page.close();
    }
  }

  it('renders every queue read-only by default: no promote, clean or retry buttons', async () => {
    const { names, buttons } = await openForwardQueue(readOnly.managementUrl ?? '', 'dashboard-read-only.png');
    for (const name of Object.values(QueueName)) {
      expect(names).toContain(name);
    }
    expect(buttons.filter((text) => MUTATING.test(text))).toEqual([]);
    // The API refuses too (405 QUEUE_READ_ONLY), not only the page.
    expect(await cleanCompleted(readOnly.managementUrl ?? '')).toBe(405);
  }, 120_000);

  it('shows the mutating buttons with DASHBOARD_READ_ONLY=false', async () => {
    const { buttons } = await openForwardQueue(readWrite.url, 'dashboard-read-write.png');
    expect(buttons.filter((text) => MUTATING.test(text)).sort()).toEqual(['Clean all', 'Promote all']);
    expect(await cleanCompleted(readWrite.url)).toBe(200);
  }, 120_000);

  it('serves the dashboard, metrics and admin only on MANAGEMENT_PORT, and the webhook and health only on PORT', async () => {
    const status = async (url: string, init?: RequestInit) => (await fetch(url, init)).status;
    const auth = { headers: { authorization: basic } };
    const { url, managementUrl } = readOnly;
    expect(await status(`${managementUrl}/queues`, auth)).toBe(200);
    expect(await status(`${managementUrl}/metrics`)).toBe(200);
    expect(await status(`${managementUrl}/admin/forsendelser`, auth)).toBe(200);
    expect(await status(`${managementUrl}/health/live`)).toBe(404);
    expect(await status(`${managementUrl}/webhook/efm/anything`, { method: 'POST' })).toBe(404);

    expect(await status(`${url}/health/live`)).toBe(200);
    expect(await status(`${url}/queues`, auth)).toBe(404);
    expect(await status(`${url}/metrics`)).toBe(404);
    expect(await status(`${url}/admin/forsendelser`, auth)).toBe(404);
    // Without MANAGEMENT_PORT everything stays on PORT.
    expect(await status(`${readWrite.url}/metrics`)).toBe(200);
    expect(await status(`${readWrite.url}/queues`, auth)).toBe(200);
  }, 60_000);
});
