import { z } from 'zod';

/** `POST /_sim/faults/webhooks`: what happens to status pushes from now on (fields not given are kept). */
export const webhookFaultsSchema = z.strictObject({
  /** Status pushes are not sent at all (logged as dropped): a subscriber must not depend on them. */
  drop: z.boolean().optional(),
  /** Each status push is sent this many times. */
  copies: z.number().int().min(1).max(10).optional(),
  /**
   * Pushes are held this long after the first one of a batch, then sent newest first: a later status's
   * event arrives before an earlier one's. 0 sends at once.
   */
  reorderWindowMs: z.number().int().min(0).max(600_000).optional(),
});
export type WebhookFaultSettings = z.infer<typeof webhookFaultsSchema>;

type Push = () => void;

/** Lost, repeated and reordered status pushes (the IP's own pushes are fire-and-forget, without retry). */
export class WebhookFaults {
  private drop = false;
  private copies = 1;
  private reorderWindowMs = 0;
  private dropped = 0;
  private held: Push[] = [];
  private timer?: NodeJS.Timeout;

  apply(settings: WebhookFaultSettings): void {
    this.drop = settings.drop ?? this.drop;
    this.copies = settings.copies ?? this.copies;
    this.reorderWindowMs = settings.reorderWindowMs ?? this.reorderWindowMs;
  }

  /** Sends `push` as the faults say; returns false when it was dropped. */
  dispatch(push: Push): boolean {
    if (this.drop) {
      this.dropped += 1;
      return false;
    }
    for (let copy = 0; copy < this.copies; copy++) {
      if (this.reorderWindowMs === 0) {
        push();
      } else {
        this.hold(push);
      }
    }
    return true;
  }

  snapshot(): { drop: boolean; copies: number; reorderWindowMs: number; dropped: number; held: number } {
    return {
      drop: this.drop,
      copies: this.copies,
      reorderWindowMs: this.reorderWindowMs,
      dropped: this.dropped,
      held: this.held.length,
    };
  }

  /** Back to faithful pushes; held ones are sent (in order) rather than lost. */
  clear(): void {
    this.drop = false;
    this.copies = 1;
    this.reorderWindowMs = 0;
    this.dropped = 0;
    this.flush(false);
  }

  /** Forgets held pushes without sending them (reset and close). */
  discard(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.held = [];
  }

  private hold(push: Push): void {
    this.held.push(push);
    this.timer ??= setTimeout(() => this.flush(true), this.reorderWindowMs);
  }

  private flush(newestFirst: boolean): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = newestFirst ? this.held.reverse() : this.held;
    this.held = [];
    for (const push of batch) {
      push();
    }
  }
}
