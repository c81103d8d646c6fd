import type { Request, Router } from 'express';
import { bindingTypeMismatch, pathLong, queryString, statusJson, type IpContext } from './ip.context';
import { ipErrors, springErrors, type SpringFieldError } from './ip.errors';
import { compareIpDateTime, instant, parseIsoDateTime, type IpDateTime } from './ip-time';
import type { StatusRecord } from './ip.store';
import { parsePageable, sortItems, toPage, type SortValue } from './spring-page';

const QUERY_OBJECT = 'messageStatusQueryInput';

function statusProperties(ctx: IpContext): Record<string, (s: StatusRecord) => SortValue> {
  const conversation = (s: StatusRecord) => ctx.store.conversation(s.convId);
  return {
    id: (s) => s.id,
    lastUpdate: (s) => s.lastUpdateMs,
    status: (s) => s.status,
    description: (s) => s.description,
    rawReceipt: () => undefined,
    'conversation.id': (s) => s.convId,
    'conversation.messageId': (s) => conversation(s)?.messageId,
    'conversation.conversationId': (s) => conversation(s)?.conversationId,
  };
}

const DEFAULT_SORT = [{ property: 'id', direction: 'ASC' as const }];

/**
 * `MessageStatusQueryInput` bound from the query string. Both date-times are converted (and refused with
 * 400 when they lack an offset or carry a raw `+` that arrived as a space) even though the filter applies
 * only when both are present.
 */
function statusFilter(req: Request, ctx: IpContext): (s: StatusRecord) => boolean {
  const errors: SpringFieldError[] = [];
  const checks: ((s: StatusRecord) => boolean)[] = [];
  const idText = queryString(req, 'id');
  if (idText !== undefined && idText !== '') {
    if (!/^[+-]?\d{1,18}$/.test(idText)) {
      errors.push(bindingTypeMismatch(QUERY_OBJECT, 'id', 'java.lang.Long', idText, `For input string: "${idText}"`));
    } else {
      const id = Number(idText);
      checks.push((s) => s.id === id);
    }
  }
  const bounds: Record<'fromDateTime' | 'toDateTime', IpDateTime | undefined> = {
    fromDateTime: undefined,
    toDateTime: undefined,
  };
  for (const key of ['fromDateTime', 'toDateTime'] as const) {
    const text = queryString(req, key);
    if (text === undefined || text === '') {
      continue;
    }
    const parsed = parseIsoDateTime(text);
    if (parsed === undefined) {
      errors.push(
        bindingTypeMismatch(
          QUERY_OBJECT,
          key,
          'java.time.OffsetDateTime',
          text,
          `Failed to convert from type [java.lang.String] to type [@org.springframework.format.annotation.DateTimeFormat java.time.OffsetDateTime] for value [${text}]`,
        ),
      );
    }
    bounds[key] = parsed;
  }
  if (errors.length > 0) {
    throw springErrors.argumentNotValid(QUERY_OBJECT, errors);
  }
  for (const key of ['conversationId', 'messageId'] as const) {
    const wanted = queryString(req, key);
    if (wanted !== undefined) {
      checks.push((s) => ctx.store.conversation(s.convId)?.[key] === wanted);
    }
  }
  const status = queryString(req, 'status');
  if (status !== undefined) {
    checks.push((s) => s.status === status);
  }
  const { fromDateTime: from, toDateTime: to } = bounds;
  if (from !== undefined && to !== undefined) {
    const exclusive = ctx.settings.statusTimeFilterExclusive;
    checks.push((s) => {
      const at = instant(s.lastUpdateMs);
      const afterFrom = compareIpDateTime(at, from);
      const beforeTo = compareIpDateTime(at, to);
      return exclusive ? afterFrom > 0 && beforeTo < 0 : afterFrom >= 0 && beforeTo <= 0;
    });
  }
  return (s) => checks.every((check) => check(s));
}

/** MessageStatusController. */
export function registerStatusRoutes(router: Router, ctx: IpContext): void {
  router.get('/api/statuses', (req, res) => {
    const pageable = parsePageable(req.query, DEFAULT_SORT);
    const filter = statusFilter(req, ctx);
    const sorted = sortItems(
      ctx.store.allStatuses().filter(filter),
      pageable.sort,
      'MessageStatus',
      statusProperties(ctx),
    );
    res.json(toPage(sorted, pageable, (s) => statusJson(ctx, s)));
  });

  router.get('/api/statuses/peek', (_req, res) => {
    const status = ctx.store.peekQueue();
    if (status === undefined) {
      throw ipErrors.noContent();
    }
    res.json(statusJson(ctx, status));
  });

  router.get('/api/statuses/:messageId', (req, res) => {
    const pageable = parsePageable(req.query, DEFAULT_SORT);
    const conversation = ctx.store.conversationByMessageId(req.params.messageId);
    const statuses = conversation === undefined ? [] : [...conversation.statuses];
    const sorted = sortItems(statuses, pageable.sort, 'MessageStatus', statusProperties(ctx));
    res.json(toPage(sorted, pageable, (s) => statusJson(ctx, s)));
  });

  router.delete('/api/statuses/:id', (req, res) => {
    // ResponseEntity.notFound(): a bare 404, not the error JSON.
    res.status(ctx.store.removeFromQueue(pathLong(req.params.id)) ? 200 : 404).end();
  });
}
