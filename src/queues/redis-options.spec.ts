import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from './redis-options';

const REDIS = 'redis://127.0.0.1:6379';

describe('redisOptionsFromUrl', () => {
  it('keeps what BullMQ workers need', () => {
    expect(redisOptionsFromUrl(REDIS)).toMatchObject({ url: REDIS, maxRetriesPerRequest: null });
  });

  it("hands the URL to ioredis, so the database and ioredis' query options reach the connection", async () => {
    const name = `bridge-url-${process.pid}`;
    const queue = new Queue('url-test', { connection: redisOptionsFromUrl(`${REDIS}/5?connectionName=${name}`) });
    const observer = new Redis(REDIS);
    try {
      await queue.count();
      const clients = (await observer.client('LIST')) as string;
      const ours = clients.split('\n').find((line) => line.includes(` name=${name} `));
      expect(ours).toMatch(/ db=5 /);
    } finally {
      await queue.close();
      observer.disconnect();
    }
  });
});
