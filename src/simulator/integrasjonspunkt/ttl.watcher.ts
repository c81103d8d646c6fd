import type { Conversation, IpStore } from './ip.store';

interface Entry {
  expiryMs: number;
  convId: number;
}

/**
 * The IP's TTL job (`TimeToLiveTasks`): a conversation whose expiry has passed (`expiry < now`) and that is
 * not finished gets LEVETID_UTLOPT. A min-heap on expiry keeps each check O(expired · log n), so thousands of
 * pending messages cost nothing between deadlines.
 */
export class TtlWatcher {
  private heap: Entry[] = [];
  private interval: NodeJS.Timeout | undefined;
  private exact: { timer: NodeJS.Timeout; at: number } | undefined;

  constructor(
    private readonly store: IpStore,
    private readonly intervalMs: () => number,
  ) {}

  start(): void {
    this.stop();
    if (this.intervalMs() > 0) {
      this.interval = setInterval(() => this.check(), this.intervalMs());
      this.interval.unref();
    } else {
      this.armExact();
    }
  }

  stop(): void {
    if (this.interval !== undefined) {
      clearInterval(this.interval);
      this.interval = undefined;
    }
    if (this.exact !== undefined) {
      clearTimeout(this.exact.timer);
      this.exact = undefined;
    }
  }

  clear(): void {
    this.heap = [];
    this.start();
  }

  watch(conversation: Conversation): void {
    this.push({ expiryMs: conversation.expiryMs, convId: conversation.id });
    if (this.heap.length > 10_000 && this.heap.length > 2 * this.store.conversationCount()) {
      // Entries of finished or aged-out conversations pile up under load; rebuild from the live ones.
      const live = this.store.allConversations().filter((c) => !c.finished);
      this.heap = [];
      for (const c of live) {
        this.push({ expiryMs: c.expiryMs, convId: c.id });
      }
    }
    if (this.interval === undefined) {
      this.armExact();
    }
  }

  check(): void {
    const now = Date.now();
    while (this.heap.length > 0 && this.heap[0].expiryMs < now) {
      const entry = this.pop();
      const conversation = this.store.conversation(entry.convId);
      if (conversation !== undefined && !conversation.finished && conversation.expiryMs === entry.expiryMs) {
        this.store.registerStatus(conversation, 'LEVETID_UTLOPT');
      }
    }
    if (this.interval === undefined) {
      this.armExact();
    }
  }

  private armExact(): void {
    const next = this.heap[0];
    if (next === undefined) {
      return;
    }
    // `expiry < now` is strict: fire one millisecond after the deadline.
    const at = next.expiryMs + 1;
    if (this.exact !== undefined && this.exact.at <= at) {
      return;
    }
    if (this.exact !== undefined) {
      clearTimeout(this.exact.timer);
    }
    const timer = setTimeout(
      () => {
        this.exact = undefined;
        this.check();
      },
      Math.min(Math.max(0, at - Date.now()), 2_147_483_647),
    );
    timer.unref();
    this.exact = { timer, at };
  }

  private push(entry: Entry): void {
    const heap = this.heap;
    heap.push(entry);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent].expiryMs <= heap[i].expiryMs) {
        break;
      }
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private pop(): Entry {
    const heap = this.heap;
    const top = heap[0];
    const last = heap.pop() as Entry;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let smallest = i;
        if (left < heap.length && heap[left].expiryMs < heap[smallest].expiryMs) {
          smallest = left;
        }
        if (right < heap.length && heap[right].expiryMs < heap[smallest].expiryMs) {
          smallest = right;
        }
        if (smallest === i) {
          break;
        }
        [heap[smallest], heap[i]] = [heap[i], heap[smallest]];
        i = smallest;
      }
    }
    return top;
  }
}
