import Redis from 'ioredis';

/**
 * Deletes the BullMQ keys of one bench run (its own QUEUE_PREFIX) from the shared Redis, so repeated runs do
 * not leave schedulers and jobs behind. Only keys under that prefix are touched.
 */
export async function removeQueueKeys(prefix: string, redisUrl = 'redis://127.0.0.1:6379'): Promise<number> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  let removed = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) {
        removed += await redis.del(...keys);
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return removed;
}
