import type { RedisOptions } from 'bullmq';

/**
 * REDIS_URL as BullMQ's connection: BullMQ hands `url` to ioredis as it is (`new Redis(url, rest)`), so ioredis
 * parses it: `rediss://` turns TLS on, and its options can ride along as query parameters (`?family=6`,
 * `?tls=RedisCloudFixed`). `maxRetriesPerRequest: null` is what BullMQ workers require (docs/development.md, trap 8).
 */
export function redisOptionsFromUrl(redisUrl: string): RedisOptions {
  return { url: redisUrl, maxRetriesPerRequest: null, enableReadyCheck: true };
}
