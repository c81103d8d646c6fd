import type { Peer } from '../http/peer-error';
import { statusText } from '../http/peer-outcome';
import type { PeerState } from './shared-health';

/**
 * A peer's last outcome in one line an operator can act on, e.g. "brreg: every call since 2026-…Z (95 s) answers
 * 404 Not Found at /available — check BRREG_BASE_URL (it must end in /outbound)".
 */
export function describePeer(peer: Peer, state: PeerState | undefined, nowMs: number): string {
  if (!state) {
    return `${peer}: no call recorded yet`;
  }
  const { call, atMs, sinceMs } = state;
  const ago = seconds(nowMs - atMs);
  if (call.outcome === 'ok') {
    return `${peer}: ok (last call ${call.operation}, ${ago} s ago)`;
  }
  const answer =
    call.status !== undefined && (call.status < 200 || call.status >= 300)
      ? `answers ${statusText(call.status)}${call.path ? ` at ${call.path}` : ''} (${call.operation})` +
        // What the peer said matters when it refused what we sent, and in Maskinporten's grant errors.
        (call.detail && (call.outcome === 'refused' || peer === 'maskinporten') ? `: ${call.detail}` : '')
      : `fails: ${call.detail ?? call.outcome}`;
  const run =
    sinceMs < atMs
      ? `every call since ${new Date(sinceMs).toISOString()} (${seconds(nowMs - sinceMs)} s)`
      : `the last call (${ago} s ago)`;
  return `${peer}: ${run} ${answer}${call.advice ? ` — ${call.advice}` : ''}`;
}

function seconds(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}
