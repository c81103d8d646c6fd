import type { Router } from 'express';
import { pathLong, readSmallBody, requireJsonContentType, type IpContext } from './ip.context';
import { fieldError, ipErrors, springErrors, type SpringFieldError } from './ip.errors';
import { isRecord } from './sbd.validation';
import { parsePageable, sortItems, toPage, type SortValue } from './spring-page';
import { parseFilter, type Subscription } from './webhook.pusher';

const OBJECT = 'subscription';
/** Protocols `java.net.URL` has handlers for (Hibernate's @URL only asks `new URL(value)` to succeed). */
const JAVA_URL_PROTOCOLS = new Set(['http:', 'https:', 'ftp:', 'file:', 'jar:', 'mailto:']);

const SUBSCRIPTION_PROPERTIES: Record<string, (s: Subscription) => SortValue> = {
  id: (s) => s.id,
  name: (s) => s.name,
  pushEndpoint: (s) => s.pushEndpoint,
  resource: (s) => s.resource,
  event: (s) => s.event,
  filter: (s) => s.filter,
};

interface SubscriptionInput {
  id?: number;
  name?: string;
  pushEndpoint?: string;
  resource?: string;
  event?: string;
  filter?: string;
}

function isJavaUrl(value: string): boolean {
  if (value === '') {
    return true;
  }
  try {
    return JAVA_URL_PROTOCOLS.has(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** Jackson binding of the `Subscription` entity (strings coerced from scalars, `id` a Long). */
function bindSubscription(text: string): SubscriptionInput {
  if (text.trim() === '') {
    throw springErrors.notReadable('Required request body is missing');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw springErrors.notReadable(`JSON parse error: ${(error as Error).message}`);
  }
  if (!isRecord(body)) {
    throw springErrors.notReadable(
      'JSON parse error: Cannot deserialize value of type `no.difi.meldingsutveksling.domain.webhooks.Subscription` from non-Object value',
    );
  }
  const input: SubscriptionInput = {};
  for (const key of ['name', 'pushEndpoint', 'resource', 'event', 'filter'] as const) {
    const value = body[key];
    if (value === undefined || value === null) {
      continue;
    }
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw springErrors.notReadable(
        `JSON parse error: Cannot deserialize value of type \`java.lang.String\` from ${Array.isArray(value) ? 'Array' : 'Object'} value`,
      );
    }
    input[key] = String(value);
  }
  const id = body.id;
  if (id !== undefined && id !== null) {
    if (typeof id === 'number' || (typeof id === 'string' && /^[+-]?\d+$/.test(id))) {
      input.id = Number(id);
    } else {
      throw springErrors.notReadable(
        `JSON parse error: Cannot deserialize value of type \`java.lang.Long\` from ${typeof id === 'string' ? `String "${id}"` : 'value'}: not a valid \`java.lang.Long\` value`,
      );
    }
  }
  return input;
}

/** Bean validation with the Create (all constraints) or Update group (no NotNull/Null). */
function validateSubscription(input: SubscriptionInput, create: boolean): void {
  const errors: SpringFieldError[] = [];
  if (create) {
    if (input.id !== undefined) {
      errors.push(fieldError(OBJECT, 'id', 'Null', 'must be null', input.id));
    }
    for (const key of ['name', 'pushEndpoint', 'resource', 'event'] as const) {
      if (input[key] === undefined) {
        errors.push(fieldError(OBJECT, key, 'NotNull', 'must not be null'));
      }
    }
  }
  if (input.pushEndpoint !== undefined && !isJavaUrl(input.pushEndpoint)) {
    errors.push(fieldError(OBJECT, 'pushEndpoint', 'URL', 'must be a valid URL', input.pushEndpoint));
  }
  const oneOf: [keyof SubscriptionInput, string[]][] = [
    ['resource', ['all', 'messages']],
    ['event', ['all', 'status']],
  ];
  for (const [key, allowed] of oneOf) {
    const value = input[key];
    if (typeof value === 'string' && !allowed.includes(value)) {
      errors.push(fieldError(OBJECT, key, 'OneOf', `'${value}' is not expected. Allowed values are:`, value));
    }
  }
  if (input.filter !== undefined && parseFilter(input.filter) === undefined) {
    errors.push(fieldError(OBJECT, 'filter', 'WebhookFilter', 'Must be a valid filter definition.', input.filter));
  }
  if (errors.length > 0) {
    throw springErrors.argumentNotValid(OBJECT, errors);
  }
}

function subscriptionJson(s: Subscription): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    pushEndpoint: s.pushEndpoint,
    resource: s.resource,
    event: s.event,
    filter: s.filter,
  };
}

function findDuplicate(ctx: IpContext, name?: string, pushEndpoint?: string): Subscription | undefined {
  return [...ctx.subscriptions.values()].find((s) => s.name === name && s.pushEndpoint === pushEndpoint);
}

/** SubscriptionController / SubscriptionServiceImpl. */
export function registerSubscriptionRoutes(router: Router, ctx: IpContext): void {
  router.get('/api/subscriptions', (req, res) => {
    const pageable = parsePageable(req.query, []);
    const sorted = sortItems([...ctx.subscriptions.values()], pageable.sort, 'Subscription', SUBSCRIPTION_PROPERTIES);
    res.json(toPage(sorted, pageable, subscriptionJson));
  });

  router.get('/api/subscriptions/:id', (req, res) => {
    const id = pathLong(req.params.id);
    const subscription = ctx.subscriptions.get(id);
    if (subscription === undefined) {
      throw ipErrors.subscriptionNotFound(id);
    }
    res.json(subscriptionJson(subscription));
  });

  router.post('/api/subscriptions', async (req, res) => {
    requireJsonContentType(req);
    const input = bindSubscription((await readSmallBody(req, 1024 * 1024)).toString('utf8'));
    validateSubscription(input, true);
    if (findDuplicate(ctx, input.name, input.pushEndpoint) !== undefined) {
      throw ipErrors.subscriptionAlreadyExists();
    }
    // The ping's outcome is only logged: an unreachable or failing endpoint does not stop the creation.
    await ctx.pusher.ping(input.pushEndpoint as string);
    if (ctx.subscriptions.size >= 10_000) {
      throw springErrors.internal('java.lang.IllegalStateException', 'The simulator keeps at most 10000 subscriptions');
    }
    const subscription: Subscription = {
      id: ctx.store.nextId(),
      name: input.name as string,
      pushEndpoint: input.pushEndpoint as string,
      resource: input.resource as string,
      event: input.event as string,
    };
    if (input.filter !== undefined) {
      subscription.filter = input.filter;
    }
    ctx.subscriptions.set(subscription.id, subscription);
    res.json(subscriptionJson(subscription));
  });

  router.put('/api/subscriptions/:id', async (req, res) => {
    const id = pathLong(req.params.id);
    requireJsonContentType(req);
    const input = bindSubscription((await readSmallBody(req, 1024 * 1024)).toString('utf8'));
    validateSubscription(input, false);
    const existing = ctx.subscriptions.get(id);
    if (existing === undefined) {
      throw ipErrors.subscriptionNotFound(id);
    }
    const duplicate = findDuplicate(ctx, input.name, input.pushEndpoint);
    if (duplicate !== undefined && duplicate.id !== id) {
      throw ipErrors.subscriptionAlreadyExists();
    }
    if (input.pushEndpoint !== undefined) {
      if (input.pushEndpoint !== existing.pushEndpoint) {
        await ctx.pusher.ping(input.pushEndpoint);
      }
      existing.pushEndpoint = input.pushEndpoint;
    }
    existing.name = input.name ?? existing.name;
    existing.resource = input.resource ?? existing.resource;
    existing.event = input.event ?? existing.event;
    if (input.filter !== undefined) {
      existing.filter = input.filter;
    }
    res.status(200).end();
  });

  router.delete('/api/subscriptions/:id', (req, res) => {
    const id = pathLong(req.params.id);
    if (!ctx.subscriptions.has(id)) {
      throw ipErrors.subscriptionNotFound(id);
    }
    ctx.subscriptions.delete(id);
    res.status(200).end();
  });

  router.delete('/api/subscriptions', (_req, res) => {
    ctx.subscriptions.clear();
    res.status(200).end();
  });
}
