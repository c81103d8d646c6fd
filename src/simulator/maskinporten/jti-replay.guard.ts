import { BoundedMap } from '../common/bounded-log';

/**
 * A grant is only acceptable until its `exp`; remembering its `jti` a minute past that covers a clock
 * moved back a little (the skew control) without growing for ever.
 */
const RETAIN_AFTER_EXP_SECONDS = 60;

/**
 * The `jti`s already used, per client (RFC 7523 §3: unique per issuer). Entries age out once their grant
 * could no longer be accepted anyway; the hard capacity only matters past ~100k grants in two minutes.
 */
export class JtiReplayGuard {
  /** key → sim-clock second after which the entry may be forgotten. */
  private readonly seen: BoundedMap<string, number>;

  constructor(capacity = 100_000) {
    this.seen = new BoundedMap<string, number>(capacity);
  }

  hasSeen(clientId: string, jti: string, nowSeconds: number): boolean {
    this.forgetExpired(nowSeconds);
    return this.seen.has(key(clientId, jti));
  }

  remember(clientId: string, jti: string, exp: number): void {
    this.seen.set(key(clientId, jti), exp + RETAIN_AFTER_EXP_SECONDS);
  }

  size(): number {
    return this.seen.size;
  }

  clear(): void {
    this.seen.clear();
  }

  /**
   * Walks from the oldest entry and stops at the first still needed: entries are roughly in `exp` order
   * (iat is pinned to ±10 s of now, exp to iat + 120), and stopping early only ever keeps more.
   */
  private forgetExpired(nowSeconds: number): void {
    for (const [k, forgetAfter] of this.seen) {
      if (forgetAfter >= nowSeconds) {
        return;
      }
      this.seen.delete(k);
    }
  }
}

function key(clientId: string, jti: string): string {
  return `${clientId}\u0000${jti}`;
}
