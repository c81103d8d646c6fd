import type { Request, Response } from 'express';
import { z } from 'zod';

/** `POST /_sim/faults/hang-upload`: the next `times` matching uploads stop reading after `afterBytes`. */
export const hangUploadSchema = z.strictObject({
  afterBytes: z.number().int().min(0).default(0),
  /** A regular expression on the upload's filename; every file when absent. */
  filename: z.string().min(1).max(500).optional(),
  messageId: z.string().min(1).max(100).optional(),
  times: z.number().int().min(1).max(1_000).default(1),
});
export type HangUploadRequest = z.infer<typeof hangUploadSchema>;

interface ArmedHang {
  afterBytes: number;
  filename?: RegExp;
  messageId?: string;
  remaining: number;
}

/**
 * A stalled integrasjonspunkt: an upload that has read part of its body and then neither reads on nor
 * answers (a full disk, a stuck proxy). The client's own timeout is the only way out; the held connections
 * are released on DELETE /_sim/faults/ip, reset and close.
 */
export class UploadHangs {
  private armed: ArmedHang[] = [];
  private readonly held = new Set<Response>();
  private hungCount = 0;

  arm(request: HangUploadRequest): void {
    this.armed.push({
      afterBytes: request.afterBytes,
      filename: request.filename === undefined ? undefined : new RegExp(request.filename),
      messageId: request.messageId,
      remaining: request.times,
    });
  }

  /** The byte count after which this upload hangs, if a fault is armed for it (and uses it up). */
  take(messageId: string, filename: string | null): number | undefined {
    const index = this.armed.findIndex(
      (h) =>
        (h.messageId === undefined || h.messageId === messageId) &&
        (h.filename === undefined || (filename !== null && h.filename.test(filename))),
    );
    if (index === -1) {
      return undefined;
    }
    const hang = this.armed[index];
    hang.remaining -= 1;
    if (hang.remaining <= 0) {
      this.armed.splice(index, 1);
    }
    return hang.afterBytes;
  }

  /** Stops answering: resolves once the connection is gone (the client gave up, or a release). */
  hold(req: Request, res: Response): Promise<void> {
    this.hungCount += 1;
    this.held.add(res);
    return new Promise((resolve) => {
      const done = (): void => {
        this.held.delete(res);
        resolve();
      };
      if (req.socket.destroyed) {
        done();
        return;
      }
      req.socket.once('close', done);
    });
  }

  snapshot(): {
    armed: { afterBytes: number; filename?: string; messageId?: string; remaining: number }[];
    hung: number;
    open: number;
  } {
    return {
      armed: this.armed.map((h) => ({
        afterBytes: h.afterBytes,
        filename: h.filename?.source,
        messageId: h.messageId,
        remaining: h.remaining,
      })),
      hung: this.hungCount,
      open: this.held.size,
    };
  }

  /** Disarms everything and drops the held connections. */
  clear(): void {
    this.armed = [];
    this.hungCount = 0;
    for (const res of this.held) {
      res.socket?.destroy();
    }
    this.held.clear();
  }
}
