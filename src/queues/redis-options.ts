import type { RedisOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { AppConfig } from '../config/app-config';

/** What every Redis connection of the bridge is opened with: ioredis's `new Redis(url, options)`. */
export type RedisConnectionOptions = RedisOptions & { url: string };

/** Where Redis is: REDIS_URL, and the Sentinel group when REDIS_SENTINELS is set. */
export type RedisTarget = Pick<AppConfig['redis'], 'url' | 'sentinel'>;

/**
 * The one place that decides how the bridge reaches Redis; BullMQ's connection, the shared health facts and the
 * settings check all open theirs from it. REDIS_URL goes to ioredis as it is (BullMQ hands `url` through as
 * `new Redis(url, rest)`), so ioredis parses it: `rediss://` turns TLS on, the password, user and database are
 * taken from it, and its options can ride along as query parameters (`?family=6`, `?tls=RedisCloudFixed`).
 *
 * With Sentinel, ioredis asks the sentinels for the master of the group and connects to whatever they answer, so
 * the URL's host and port are not used (a URL cannot hold a host list). `rediss://` then means TLS both to the
 * master and to the sentinels: ioredis only applies `tls` to the master it was pointed at with
 * `enableTLSForSentinelMode`, and the sentinels' own connections take `sentinelTLS`.
 *
 * `extra` is the caller's own needs (timeouts, retries).
 */
export function redisConnectionOptions(
  redis: RedisTarget,
  extra: Omit<RedisOptions, 'url'> = {},
): RedisConnectionOptions {
  const sentinel = redis.sentinel;
  if (sentinel === undefined) {
    return { ...extra, url: redis.url };
  }
  const tls = redis.url.startsWith('rediss://');
  return {
    ...extra,
    url: redis.url,
    sentinels: sentinel.sentinels.map(({ host, port }) => ({ host, port })),
    name: sentinel.masterName,
    sentinelPassword: sentinel.password,
    ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
  };
}

/** A connection of our own (not BullMQ's), opened as `redisConnectionOptions` says. */
export function openRedis(redis: RedisTarget, extra: Omit<RedisOptions, 'url'> = {}): Redis {
  const { url, ...options } = redisConnectionOptions(redis, extra);
  return new Redis(url, options);
}

/** BullMQ's connection: `maxRetriesPerRequest: null` is what its workers require (docs/development.md, trap 8). */
export function bullmqConnection(redis: RedisTarget): RedisConnectionOptions {
  return redisConnectionOptions(redis, { maxRetriesPerRequest: null, enableReadyCheck: true });
}
