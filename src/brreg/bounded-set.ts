/** A Set that forgets its oldest entries past a capacity: "have I logged this already?" without a leak. */
export class BoundedSet<T> {
  private readonly items = new Set<T>();

  constructor(private readonly capacity: number) {}

  has(item: T): boolean {
    return this.items.has(item);
  }

  add(item: T): void {
    this.items.add(item);
    if (this.items.size > this.capacity) {
      const oldest = this.items.values().next();
      if (!oldest.done) {
        this.items.delete(oldest.value);
      }
    }
  }
}
