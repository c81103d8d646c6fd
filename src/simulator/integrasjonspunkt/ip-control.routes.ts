import express, { type Router } from 'express';
import { z } from 'zod';
import { parseControlBody } from '../common/simulator-app';
import { receiverConfigSchema } from './capability.registry';
import { incomingSchema, kvitteringFor, kvitteringSchema, otherIncoming } from './incoming-messages';
import type { IncomingMessage } from './incoming-queue';
import { SIMULATED_SERVICES } from './integrasjonspunkt-sim.options';
import { queryString, statusJson, timeText, type IpContext } from './ip.context';
import { STATUS_NAMES, type Conversation } from './ip.store';
import { sendFaultSchema } from './send-faults';
import { COPY_STAGES } from './status-progression';
import { scriptRuleSchema } from './status-script';
import { hangUploadSchema } from './upload-hangs';
import { busySchema } from './busy-answers';
import { webhookFaultsSchema } from './webhook-faults';
import type { JsonObject } from './sbd.validation';

const settingsSchema = z.strictObject({
  statusDelayMs: z.number().int().min(0).max(86_400_000).optional(),
  lestRate: z.number().min(0).max(1).optional(),
  annetRate: z.number().min(0).max(1).optional(),
  autoKvitteringRate: z.number().min(0).max(1).optional(),
  incomingLockTimeoutMs: z.number().int().min(0).max(86_400_000).optional(),
  incomingUnlockIntervalMs: z.number().int().min(1).max(600_000).optional(),
  sendDelayMs: z.number().int().min(0).max(86_400_000).optional(),
  sendTransmitMs: z.number().int().min(0).max(86_400_000).optional(),
  defaultCapability: z.enum(SIMULATED_SERVICES).optional(),
  knownOrganisations: z.union([z.literal('*'), z.array(z.string().regex(/^\d{9}$/)).max(100_000)]).optional(),
  orgnr: z
    .string()
    .regex(/^\d{9}$/)
    .optional(),
  ttlCheckIntervalMs: z.number().int().min(0).max(86_400_000).optional(),
  statusQueueIncludes: z.array(z.enum(SIMULATED_SERVICES)).optional(),
  statusTimeFilterExclusive: z.boolean().optional(),
  statusCommitDelayMs: z.number().int().min(0).max(600_000).optional(),
  sbdShapeErrorStatus: z.union([z.literal(400), z.literal(500)]).optional(),
  uploadLimits: z
    .partialRecord(z.enum(SIMULATED_SERVICES), z.number().int().min(0).max(Number.MAX_SAFE_INTEGER))
    .optional(),
});

/** Hurries the copies of one stage along instead of waiting out `sendDelayMs` / `sendTransmitMs`. */
const releaseSchema = z.strictObject({ stage: z.enum(COPY_STAGES) });

const injectSchema = z.strictObject({
  status: z.enum(STATUS_NAMES),
  description: z.string().max(2000).optional(),
});

function outMessageState(ctx: IpContext, c: Conversation): string {
  if (ctx.store.outMessage(c.messageId) !== undefined) {
    return 'present';
  }
  return c.trace.outMessageDeleted ?? 'present';
}

function filesView(files: Conversation['trace']['files']): Record<string, unknown>[] {
  return files.map((f) => ({
    filename: f.filename,
    title: f.title,
    contentType: f.contentType,
    declaredSize: f.declaredSize,
    size: f.size,
    sha256: f.sha256,
    stored: f.stored,
  }));
}

/** What the simulator knows about one message, for tests and benchmarks. */
function messageView(ctx: IpContext, c: Conversation): Record<string, unknown> {
  return {
    messageId: c.messageId,
    conversationId: c.conversationId,
    convId: c.id,
    receiver: c.receiverIdentifier,
    service: c.serviceIdentifier,
    process: c.processIdentifier,
    type: c.trace.type,
    messageTitle: c.messageTitle,
    messageReference: c.messageReference,
    createdAt: timeText(ctx, c.trace.createdMs),
    expiry: timeText(ctx, c.expiryMs),
    outMessage: outMessageState(ctx, c),
    files: filesView(c.trace.files),
    arkivmelding: c.trace.arkivmelding ?? null,
    sendAccepted: c.trace.sendAccepted,
    sendRejected: c.trace.sendRejected,
    sendFailed: c.trace.sendFailed,
    copiesPending: c.trace.copiesPending,
    copiesDelivered: c.trace.copiesDelivered,
    copiesFailed: c.trace.copiesFailed,
    doubleDelivery: c.trace.copiesDelivered > 1,
    script: c.trace.script,
    finished: c.finished,
    statuses: [...c.statuses]
      .sort((a, b) => a.id - b.id)
      .map((s) => ({
        id: s.id,
        status: s.status,
        description: s.description,
        lastUpdate: timeText(ctx, s.lastUpdateMs),
      })),
  };
}

/** The simulator's own control routes (beside the shared /_sim/calls, /_sim/faults, /_sim/reset). */
export function createIpControlRouter(ctx: IpContext): Router {
  const control = express.Router();
  control.use(express.json({ limit: '1mb' }));

  control.get('/messages', (req, res) => {
    const messageId = queryString(req, 'messageId');
    const receiver = queryString(req, 'receiver');
    const conversations = ctx.store
      .allConversations()
      .filter(
        (c) =>
          (messageId === undefined || c.messageId === messageId) &&
          (receiver === undefined || c.receiverIdentifier === receiver),
      );
    res.json(conversations.map((c) => messageView(ctx, c)));
  });

  control.get('/messages/:messageId', (req, res) => {
    const conversation = ctx.store.conversationByMessageId(req.params.messageId);
    if (conversation === undefined) {
      res.status(404).json({ error: `no message ${req.params.messageId}` });
      return;
    }
    res.json(messageView(ctx, conversation));
  });

  control.get('/messages/:messageId/files', (req, res) => {
    const conversation = ctx.store.conversationByMessageId(req.params.messageId);
    if (conversation === undefined) {
      res.status(404).json({ error: `no message ${req.params.messageId}` });
      return;
    }
    res.json(filesView(conversation.trace.files));
  });

  control.get('/messages/:messageId/arkivmelding.xml', (req, res) => {
    const text = ctx.store.conversationByMessageId(req.params.messageId)?.trace.arkivmeldingText;
    if (text === undefined) {
      res.status(404).json({ error: 'no arkivmelding.xml (≤ 1 MiB) uploaded for that message' });
      return;
    }
    res.type('application/xml').send(text);
  });

  control.get('/messages/:messageId/files/:filename', (req, res) => {
    const conversation = ctx.store.conversationByMessageId(req.params.messageId);
    const file = conversation?.trace.files.find((f) => f.filename === req.params.filename);
    const content = ctx.store.content(req.params.messageId, req.params.filename);
    if (file === undefined || content === undefined) {
      res.status(404).json({ error: 'no stored file by that name (only files ≤ 1 MiB are kept)' });
      return;
    }
    res
      .status(200)
      .type(file.contentType || 'application/octet-stream')
      .send(content);
  });

  control.post('/messages/:messageId/statuses', (req, res) => {
    const body = parseControlBody(injectSchema, req.body);
    const conversation = ctx.store.conversationByMessageId(req.params.messageId);
    if (conversation === undefined) {
      res.status(404).json({ error: `no message ${req.params.messageId}` });
      return;
    }
    const status = ctx.progression.inject(conversation, body.status, body.description);
    res.json({ added: status !== undefined, status: status === undefined ? undefined : statusJson(ctx, status) });
  });

  control.get('/receivers', (_req, res) => {
    res.json(ctx.registry.configured());
  });

  control.put('/receivers/:orgnr', (req, res) => {
    const config = parseControlBody(receiverConfigSchema, req.body);
    ctx.registry.configure(req.params.orgnr, config);
    res.json({ orgnr: req.params.orgnr, capabilities: ctx.registry.lookup(req.params.orgnr) ?? null });
  });

  control.delete('/receivers/:orgnr', (req, res) => {
    ctx.registry.remove(req.params.orgnr);
    res.status(204).end();
  });

  control.get('/scripts', (_req, res) => {
    res.json(ctx.progression.listRules());
  });

  control.post('/scripts', (req, res) => {
    res.json(ctx.progression.addRule(parseControlBody(scriptRuleSchema, req.body)));
  });

  control.delete('/scripts', (_req, res) => {
    ctx.progression.clearRules();
    res.status(204).end();
  });

  control.get('/settings', (_req, res) => {
    res.json(publicSettings(ctx));
  });

  control.post('/settings', (req, res) => {
    const changes = parseControlBody(settingsSchema, req.body);
    Object.assign(ctx.settings, changes);
    if (changes.ttlCheckIntervalMs !== undefined) {
      ctx.ttl.start();
    }
    res.json(publicSettings(ctx));
  });

  control.get('/webhooks', (_req, res) => {
    res.json(ctx.pusher.log.all());
  });

  control.post('/faults/hang-upload', (req, res) => {
    ctx.uploadHangs.arm(parseControlBody(hangUploadSchema, req.body));
    res.json(ipFaults(ctx));
  });

  control.post('/faults/send', (req, res) => {
    ctx.sendFaults.arm(parseControlBody(sendFaultSchema, req.body));
    res.json(ipFaults(ctx));
  });

  control.post('/faults/busy', (req, res) => {
    ctx.busy.arm(parseControlBody(busySchema, req.body));
    res.json(ipFaults(ctx));
  });

  control.post('/faults/webhooks', (req, res) => {
    ctx.pusher.faults.apply(parseControlBody(webhookFaultsSchema, req.body));
    res.json(ipFaults(ctx));
  });

  control.get('/faults/ip', (_req, res) => {
    res.json(ipFaults(ctx));
  });

  control.delete('/faults/ip', (_req, res) => {
    ctx.uploadHangs.clear();
    ctx.busy.clear();
    ctx.pusher.faults.clear();
    ctx.sendFaults.clear();
    res.json(ipFaults(ctx));
  });

  control.post('/incoming/kvittering', (req, res) => {
    const body = parseControlBody(kvitteringSchema, req.body);
    const conversation = ctx.store.conversationByMessageId(body.messageId);
    if (conversation === undefined) {
      res.status(404).json({ error: `no message ${body.messageId}` });
      return;
    }
    res.json(incomingView(ctx, kvitteringFor(ctx, conversation, body.receiptType, body.messages)));
  });

  control.post('/incoming', async (req, res) => {
    res.json(incomingView(ctx, await otherIncoming(ctx, parseControlBody(incomingSchema, req.body))));
  });

  control.get('/incoming', (_req, res) => {
    res.json(ctx.incoming.all().map((m) => incomingView(ctx, m)));
  });

  control.delete('/incoming', (_req, res) => {
    ctx.incoming.clear();
    res.status(204).end();
  });

  control.get('/send-queue', (_req, res) => {
    res.json(ctx.progression.pendingCounts());
  });

  control.post('/send-queue/release', (req, res) => {
    const { stage } = parseControlBody(releaseSchema, req.body);
    res.json({ released: ctx.progression.release(stage), ...ctx.progression.pendingCounts() });
  });

  control.get('/status-queue', (_req, res) => {
    const head = ctx.store.peekQueue();
    res.json({ length: ctx.store.queueLength(), head: head === undefined ? null : statusJson(ctx, head) });
  });

  return control;
}

/** An incoming message as the control API shows it: its ids, its lock and what the client did with it. */
export interface IncomingView {
  messageId: string;
  conversationId: string;
  process: string;
  type: string;
  sender: string;
  receiver: string;
  service: string;
  locked: boolean;
  lockTimeout: string | null;
  locks: number;
  pops: number;
  sbd: JsonObject;
}

function incomingView(ctx: IpContext, m: IncomingMessage): IncomingView {
  const locked = ctx.incoming.isLocked(m);
  return {
    messageId: m.messageId,
    conversationId: m.conversationId,
    process: m.processIdentifier,
    type: m.type,
    sender: m.senderIdentifier,
    receiver: m.receiverIdentifier,
    service: m.serviceIdentifier,
    locked,
    lockTimeout: locked && m.lockTimeoutMs !== undefined ? timeText(ctx, m.lockTimeoutMs) : null,
    locks: m.locks,
    pops: m.pops,
    sbd: m.sbd,
  };
}

function ipFaults(ctx: IpContext): Record<string, unknown> {
  return {
    hangUpload: ctx.uploadHangs.snapshot(),
    send: ctx.sendFaults.snapshot(),
    webhooks: ctx.pusher.faults.snapshot(),
    busy: ctx.busy.view(),
  };
}

function publicSettings(ctx: IpContext): Record<string, unknown> {
  const { basicAuth, ...rest } = ctx.settings;
  return { ...rest, basicAuth: basicAuth === undefined ? false : { username: basicAuth.username } };
}
