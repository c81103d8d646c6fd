import { timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { listen } from '../common/http-server';
import { RequestObserver, type RequestListener } from '../common/request-observer';
import { SeededRandom } from '../common/seeded-random';
import { createSimulatorApp, finishSimulatorApp } from '../common/simulator-app';
import { registerCapabilityRoutes } from './capabilities.routes';
import { CapabilityRegistry } from './capability.registry';
import { registerConversationRoutes } from './conversations.routes';
import {
  INTEGRASJONSPUNKT_SIM_DEFAULTS,
  SIMULATED_SERVICES,
  type IntegrasjonspunktSimulatorOptions,
} from './integrasjonspunkt-sim.options';
import { createIpControlRouter } from './ip-control.routes';
import type { IpContext } from './ip.context';
import { IpHttpError, springErrors, writeSpringError } from './ip.errors';
import { ipOperation } from './ip-operations';
import { IpStore } from './ip.store';
import { autoKvittering } from './incoming-messages';
import { IncomingQueue } from './incoming-queue';
import { registerMessageInRoutes } from './messages-in.routes';
import { registerMessageOutRoutes } from './messages-out.routes';
import { SendFaults } from './send-faults';
import { StatusProgression } from './status-progression';
import { registerStatusRoutes } from './statuses.routes';
import { registerSubscriptionRoutes } from './subscriptions.routes';
import { TimerSet } from './timer-set';
import { TtlWatcher } from './ttl.watcher';
import { UploadHangs } from './upload-hangs';
import { BusyAnswers } from './busy-answers';
import { WebhookPusher, type Subscription } from './webhook.pusher';

export interface IntegrasjonspunktSimulator {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:9093`. */
  url: string;
  port: number;
  /** In-process only: called at each phase of a create, upload, send or status read (request-observer.ts). */
  onRequest(listener: RequestListener): () => void;
  close(): Promise<void>;
}

/** Paths the IP maps, with their methods: another method on one of them is 405, not 404. */
const ROUTE_METHODS: [RegExp, string[]][] = [
  [/^\/api\/capabilities\/[^/]+$/, ['GET']],
  [/^\/api\/messages\/out$/, ['GET', 'POST']],
  [/^\/api\/messages\/out\/[^/]+$/, ['GET', 'PUT', 'POST', 'DELETE']],
  [/^\/api\/messages\/in$/, ['GET']],
  [/^\/api\/messages\/in\/peek$/, ['GET', 'DELETE']],
  [/^\/api\/messages\/in\/pop\/[^/]+$/, ['GET']],
  [/^\/api\/messages\/in\/[^/]+$/, ['DELETE']],
  [/^\/api\/conversations$/, ['GET']],
  [/^\/api\/conversations\/queue$/, ['GET']],
  [/^\/api\/conversations\/messageId\/[^/]+$/, ['GET', 'DELETE']],
  [/^\/api\/conversations\/[^/]+$/, ['GET', 'DELETE']],
  [/^\/api\/statuses$/, ['GET']],
  [/^\/api\/statuses\/[^/]+$/, ['GET', 'DELETE']],
  [/^\/api\/subscriptions$/, ['GET', 'POST', 'DELETE']],
  [/^\/api\/subscriptions\/[^/]+$/, ['GET', 'PUT', 'DELETE']],
];

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function resolveOptions(options: Partial<IntegrasjonspunktSimulatorOptions>): IntegrasjonspunktSimulatorOptions {
  const settings: IntegrasjonspunktSimulatorOptions = {
    ...INTEGRASJONSPUNKT_SIM_DEFAULTS,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  settings.statusQueueIncludes = [...settings.statusQueueIncludes];
  if (settings.knownOrganisations !== '*') {
    settings.knownOrganisations = [...settings.knownOrganisations];
  }
  settings.uploadLimits = { ...settings.uploadLimits };
  for (const [service, limit] of Object.entries(settings.uploadLimits)) {
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new Error(`uploadLimits.${service} must be a whole number of bytes`);
    }
  }
  if (!SIMULATED_SERVICES.includes(settings.defaultCapability)) {
    throw new Error(`defaultCapability must be one of ${SIMULATED_SERVICES.join(', ')}`);
  }
  if (!Number.isInteger(settings.capacity) || settings.capacity < 1) {
    throw new Error('capacity must be a positive integer');
  }
  for (const key of [
    'statusDelayMs',
    'sendDelayMs',
    'sendTransmitMs',
    'ttlCheckIntervalMs',
    'statusCommitDelayMs',
    'incomingLockTimeoutMs',
    'incomingUnlockIntervalMs',
  ] as const) {
    if (!Number.isFinite(settings[key]) || settings[key] < 0) {
      throw new Error(`${key} must be a number ≥ 0`);
    }
  }
  for (const key of ['lestRate', 'annetRate', 'autoKvitteringRate'] as const) {
    if (!Number.isFinite(settings[key]) || settings[key] < 0 || settings[key] > 1) {
      throw new Error(`${key} must be a number from 0 to 1`);
    }
  }
  new Intl.DateTimeFormat('en-US', { timeZone: settings.timeZone });
  return settings;
}

/**
 * Starts the integrasjonspunkt simulator: the eFormidling 2 REST API (capabilities, messages out,
 * conversations, statuses, subscriptions) with the IP's validation, error bodies and status behaviour,
 * plus `/_sim/...` control routes. See docs/simulators/integrasjonspunkt.md.
 */
export async function startIntegrasjonspunktSimulator(
  options: Partial<IntegrasjonspunktSimulatorOptions> = {},
): Promise<IntegrasjonspunktSimulator> {
  const settings = resolveOptions(options);
  const zone = settings.timeZone;
  const timers = new TimerSet();
  const store = new IpStore(settings, timers);
  const random = new SeededRandom(settings.seed);
  const registry = new CapabilityRegistry(
    () => settings.defaultCapability,
    () => settings.knownOrganisations,
  );
  const subscriptions = new Map<number, Subscription>();
  const pusher = new WebhookPusher(
    () => subscriptions.values(),
    () => settings.webhookTimeoutMs,
    zone,
  );
  store.onStatusAnnounced((conversation, status) => pusher.publishStatus(conversation, status));
  const progression = new StatusProgression(store, timers, settings);
  const ttl = new TtlWatcher(store, () => settings.ttlCheckIntervalMs);
  ttl.start();
  const uploadHangs = new UploadHangs();
  const incoming = new IncomingQueue(() => ({
    lockTimeoutMs: settings.incomingLockTimeoutMs,
    unlockIntervalMs: settings.incomingUnlockIntervalMs,
  }));
  const sendFaults = new SendFaults(settings.seed);
  const busy = new BusyAnswers();
  const ctx: IpContext = {
    settings,
    store,
    registry,
    progression,
    ttl,
    subscriptions,
    pusher,
    random,
    timers,
    uploadHangs,
    incoming,
    sendFaults,
    busy,
  };
  store.onStatusAnnounced(autoKvittering(ctx));

  const respondServerError = (req: Request, res: Response): void =>
    writeSpringError(
      req,
      res,
      springErrors.internal(
        'org.springframework.transaction.CannotCreateTransactionException',
        'Could not open JPA EntityManager for transaction',
      ),
      zone,
    );

  const { app } = createSimulatorApp({
    seed: settings.seed,
    respondServerError,
    onReset: () => {
      // Ids keep counting up across a reset, so a client deduplicating by status id never drops a new one.
      ctx.random = new SeededRandom(settings.seed);
      timers.clear();
      store.clear();
      progression.clear();
      ttl.clear();
      registry.clear();
      subscriptions.clear();
      pusher.abortAll();
      pusher.faults.clear();
      pusher.log.clear();
      uploadHangs.clear();
      incoming.clear();
      sendFaults.clear();
      busy.clear();
    },
  });
  const observer = new RequestObserver(ipOperation);
  app.use(observer.middleware());
  app.use('/_sim', createIpControlRouter(ctx));

  const api = express.Router({ strict: true, caseSensitive: true });
  // In front of the IP (a gateway, or the IP restarting): before its authentication.
  api.use(busy.middleware(zone));
  api.use((req, res, next) => {
    const auth = settings.basicAuth;
    if (auth === undefined || req.path.startsWith('/_sim/')) {
      next();
      return;
    }
    const header = req.headers.authorization ?? '';
    const match = /^Basic ([A-Za-z0-9+/=]+)$/i.exec(header.trim());
    const decoded = match === null ? '' : Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const ok =
      colon > 0 &&
      sameSecret(decoded.slice(0, colon), auth.username) &&
      sameSecret(decoded.slice(colon + 1), auth.password);
    if (!ok) {
      // Spring Security's BasicAuthenticationEntryPoint: realm "Realm", then the error JSON without exception.
      res.setHeader('WWW-Authenticate', 'Basic realm="Realm"');
      writeSpringError(req, res, springErrors.unauthorized(), zone);
      return;
    }
    next();
  });
  registerCapabilityRoutes(api, ctx);
  registerMessageOutRoutes(api, ctx);
  registerMessageInRoutes(api, ctx);
  registerConversationRoutes(api, ctx);
  registerStatusRoutes(api, ctx);
  registerSubscriptionRoutes(api, ctx);
  api.use((req, res, next) => {
    const route = ROUTE_METHODS.find(([pattern]) => pattern.test(req.path));
    if (route === undefined || req.path.startsWith('/_sim/')) {
      next();
      return;
    }
    res.setHeader('Allow', route[1].join(', '));
    writeSpringError(req, res, springErrors.methodNotSupported(req.method), zone);
  });
  api.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (req.path.startsWith('/_sim/')) {
      next(err);
      return;
    }
    if (res.headersSent) {
      res.socket?.destroy();
      return;
    }
    if (err instanceof IpHttpError) {
      writeSpringError(req, res, err, zone);
      return;
    }
    if (req.destroyed) {
      return;
    }
    writeSpringError(
      req,
      res,
      springErrors.internal('java.lang.RuntimeException', err instanceof Error ? err.message : String(err)),
      zone,
    );
  });
  app.use(api);

  finishSimulatorApp(app, {
    respondNotFound: (req, res) => writeSpringError(req, res, springErrors.noResource(req.path), zone),
    respondServerError,
  });

  const server = await listen(app, settings.port, settings.host, () => {
    timers.clear();
    ttl.stop();
    pusher.abortAll();
    uploadHangs.clear();
  });
  return {
    url: server.url,
    port: server.port,
    onRequest: (listener) => observer.onRequest(listener),
    close: () => server.close(),
  };
}
