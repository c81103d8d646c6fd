import { Injectable } from '@nestjs/common';

/** When a poll last reached Brreg, for readiness ("the last Brreg poll reached Brreg within a bound"). */
@Injectable()
export class PollHealth {
  lastSuccessAtMs?: number;
  lastError?: string;

  succeeded(atMs: number): void {
    this.lastSuccessAtMs = atMs;
    this.lastError = undefined;
  }

  failed(reason: string): void {
    this.lastError = reason;
  }
}
