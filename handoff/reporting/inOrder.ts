/**
 * Background writes that keep their order per key. Events are recorded without holding up the
 * resident's reply or the desk, but one conversation's (or one escalation's) steps must land in
 * the order they happened: two events with the same time are read back in the order of their ids,
 * and on PostgreSQL two inserts sent at once on a pool can take their ids in either order.
 * Different keys run side by side.
 */
export class InOrder {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `work` after the key's earlier work has settled; a failure goes to `failed`, never further. */
  run(key: string, work: () => Promise<void>, failed: (err: unknown) => void): void {
    const tail = (this.tails.get(key) ?? Promise.resolve()).then(work).catch(failed);
    this.tails.set(key, tail);
    // Forget the key once its last write is done, so the map holds only keys with work pending.
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
  }

  /** Settles when everything started so far has (for shutdown and tests). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
