/**
 * At most `max` turns run at once on this instance; the others wait, in the order they came.
 *
 * Why: a Parley turn awaits twice or more (matching on its thread, the group commit of its
 * writes), and everything it has built so far stays alive across each wait. With every request the
 * server has read under way at once (a thousand, at a busy moment), V8's young-generation
 * collections copy that live state over and over: measured at 1,000 conversations, a quarter of
 * the main thread went to garbage collection. A request waiting here holds only its parsed body.
 * The limit does not lower what a resident waits for in all (the same turns, answered in order),
 * and 48 turns at once still fill each group commit. See docs/reliability.md, "The fourth round".
 * A turn keeps its slot while it sends its replies: behind Azure Bot Service those are calls over
 * the internet, so there the limit also caps messages a second at about 48 / (seconds a turn).
 */
export interface TurnCounts {
  running: number;
  waiting: number;
  max: number;
}

export class TurnLimit {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  /** `max` 0: no limit. */
  constructor(readonly max: number) {
    if (!Number.isInteger(max) || max < 0) throw new RangeError(`a turn limit must be a whole number, 0 or more; got ${max}`);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.max === 0 || this.running < this.max) this.running++;
    // The slot is handed over by `release`, so `running` already counts this turn.
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  counts(): TurnCounts {
    return { running: this.running, waiting: this.waiting.length, max: this.max };
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
