import { z } from 'zod';
import { SeededRandom } from '../common/seeded-random';
import { IpHttpError } from './ip.errors';

/**
 * Where a failing send POST fails, relative to `InternalQueue.enqueueNextMove` (the IP's send has no other
 * side effect): `before-queue` nothing is queued and the out-message stays (the JMS broker or the database
 * failed); `after-queue` the copy is queued and goes out as any other, only the answer is a 5xx (a failed
 * commit after the enqueue, or a proxy in front of the IP that gave up while the IP went on).
 */
export const SEND_FAULT_POINTS = ['before-queue', 'after-queue'] as const;
export type SendFaultPoint = (typeof SEND_FAULT_POINTS)[number];

/** `POST /_sim/faults/send`: the next `times` sends that pass the IP's checks fail as `when` says. */
export const sendFaultSchema = z.strictObject({
  when: z.enum(SEND_FAULT_POINTS),
  /** 500 is the IP's own error JSON; any other 5xx is a proxy's HTML page. */
  status: z.number().int().min(500).max(599).default(500),
  messageId: z.string().min(1).max(100).optional(),
  times: z.number().int().min(1).max(1_000_000).default(1),
  /** Each matching send fails with this probability (seeded, like the shared `errorRate`); 1 = every one. */
  rate: z.number().min(0).max(1).default(1),
  /** Restarts the draws of `rate` from this seed. */
  seed: z.number().int().optional(),
});
export type SendFaultRequest = z.infer<typeof sendFaultSchema>;

interface ArmedSendFault {
  when: SendFaultPoint;
  status: number;
  messageId?: string;
  remaining: number;
  rate: number;
}

export interface SendFault {
  when: SendFaultPoint;
  error: IpHttpError | ProxyError;
}

/** A 5xx that did not come from the IP: a reverse proxy's own page. */
export class ProxyError extends Error {
  constructor(readonly status: number) {
    super(`${status} from the proxy in front of the IP`);
  }

  html(): string {
    return `<html><head><title>${this.status}</title></head><body><center><h1>${this.status} Proxy Error</h1></center></body></html>`;
  }
}

/** The IP's 500 for each point, as its error controller would write the exception that caused it. */
function ipError(when: SendFaultPoint): IpHttpError {
  if (when === 'before-queue') {
    return new IpHttpError(
      500,
      'org.springframework.jms.UncategorizedJmsException',
      'Uncategorized exception occurred during JMS processing',
    );
  }
  return new IpHttpError(
    500,
    'org.springframework.transaction.TransactionSystemException',
    'Could not commit JPA transaction',
  );
}

/** Send POSTs that answer 5xx before or after their copy was queued. */
export class SendFaults {
  private armed: ArmedSendFault[] = [];
  private random: SeededRandom;
  private failed: Record<SendFaultPoint, number> = { 'before-queue': 0, 'after-queue': 0 };

  constructor(private readonly seed: number) {
    this.random = new SeededRandom(seed);
  }

  arm(request: SendFaultRequest): void {
    if (request.seed !== undefined) {
      this.random = new SeededRandom(request.seed);
    }
    this.armed.push({
      when: request.when,
      status: request.status,
      messageId: request.messageId,
      remaining: request.times,
      rate: request.rate,
    });
  }

  /** The fault for this send, if one is armed and its draw says so (a fault that applies is used up). */
  take(messageId: string): SendFault | undefined {
    const index = this.armed.findIndex((f) => f.messageId === undefined || f.messageId === messageId);
    if (index === -1) {
      return undefined;
    }
    const fault = this.armed[index];
    if (fault.rate < 1 && this.random.next() >= fault.rate) {
      return undefined;
    }
    fault.remaining -= 1;
    if (fault.remaining <= 0) {
      this.armed.splice(index, 1);
    }
    this.failed[fault.when] += 1;
    return { when: fault.when, error: fault.status === 500 ? ipError(fault.when) : new ProxyError(fault.status) };
  }

  snapshot(): {
    armed: { when: SendFaultPoint; status: number; messageId?: string; remaining: number; rate: number }[];
    failedBeforeQueue: number;
    failedAfterQueue: number;
  } {
    return {
      armed: this.armed.map((f) => ({ ...f })),
      failedBeforeQueue: this.failed['before-queue'],
      failedAfterQueue: this.failed['after-queue'],
    };
  }

  clear(): void {
    this.armed = [];
    this.failed = { 'before-queue': 0, 'after-queue': 0 };
    this.random = new SeededRandom(this.seed);
  }
}
