import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { bullmqConnection, redisConnectionOptions } from './redis-options';

const REDIS = 'redis://127.0.0.1:6379';
const SENTINEL = {
  sentinels: [
    { host: 'sentinel-a', port: 26379 },
    { host: 'sentinel-b', port: 26380 },
  ],
  masterName: 'bridge',
  password: 'sentinel-pw',
};

describe('redisConnectionOptions', () => {
  it('keeps what BullMQ workers need', () => {
    expect(bullmqConnection({ url: REDIS })).toMatchObject({ url: REDIS, maxRetriesPerRequest: null });
  });

  it('without sentinels hands over the URL alone, with the caller’s own options', () => {
    expect(redisConnectionOptions({ url: REDIS }, { connectTimeout: 2_000 })).toEqual({
      url: REDIS,
      connectTimeout: 2_000,
    });
  });

  it('with sentinels asks them for the named master, keeping the URL for password, database and TLS', () => {
    const url = 'redis://:master-pw@ignored:6379/3';
    expect(redisConnectionOptions({ url, sentinel: SENTINEL })).toEqual({
      url,
      sentinels: SENTINEL.sentinels,
      name: 'bridge',
      sentinelPassword: 'sentinel-pw',
    });
  });

  it('with sentinels and rediss:// reaches both the master and the sentinels over TLS', () => {
    const options = redisConnectionOptions({ url: 'rediss://ignored:6379', sentinel: SENTINEL });
    expect(options).toMatchObject({ enableTLSForSentinelMode: true, sentinelTLS: {} });
  });

  it("hands the URL to ioredis, so the database and ioredis' query options reach the connection", async () => {
    const name = `bridge-url-${process.pid}`;
    const queue = new Queue('url-test', { connection: bullmqConnection({ url: `${REDIS}/5?connectionName=${name}` }) });
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
