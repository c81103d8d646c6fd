/**
 * An append-only list that forgets its oldest entries past a capacity, so a simulator left running
 * under a long benchmark keeps a bounded amount of memory.
 */
export class BoundedLog<T> {
  private readonly items: T[] = [];
  private dropped = 0;

  constructor(private readonly capacity: number) {}

  push(item: T): void {
    this.items.push(item);
    if (this.items.length > this.capacity) {
      // Drop in batches: Array#shift on every push would be O(n) per call.
      const excess = this.items.length - this.capacity + Math.ceil(this.capacity / 10);
      this.items.splice(0, excess);
      this.dropped += excess;
    }
  }

  all(): readonly T[] {
    return this.items;
  }

  /** How many entries aged out since the last clear. */
  droppedCount(): number {
    return this.dropped;
  }

  clear(): void {
    this.items.length = 0;
    this.dropped = 0;
  }
}

/**
 * A Map that forgets its oldest-inserted keys past a capacity (same reason as BoundedLog).
 */
export class BoundedMap<K, V> extends Map<K, V> {
  constructor(private readonly capacity: number) {
    super();
  }

  override set(key: K, value: V): this {
    super.set(key, value);
    while (this.size > this.capacity) {
      const oldest = this.keys().next();
      if (oldest.done) {
        break;
      }
      this.delete(oldest.value);
    }
    return this;
  }
}
