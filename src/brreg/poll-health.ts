import { Injectable, Optional } from '@nestjs/common';
import { SharedHealth } from '../ops/shared-health';

/**
 * When a poll last reached Brreg. Only one replica runs each poll, so the time is handed to the shared health,
 * where every replica's readiness body and metrics read it.
 */
@Injectable()
export class PollHealth {
  lastSuccessAtMs?: number;

  constructor(@Optional() private readonly shared?: SharedHealth) {}

  succeeded(atMs: number): void {
    this.lastSuccessAtMs = atMs;
    this.shared?.pollSucceeded(atMs);
  }
}
