import { normalizePostcode } from './postcode';
import { addDays, dateIn, nextCollections, type Collection } from './schedule';
import type { BinStore } from './store';

export type BinDayResult =
  | { kind: 'found'; postcode: string; round: string; collections: Collection[]; today: string }
  | { kind: 'unknown-postcode'; postcode: string }
  | { kind: 'invalid-postcode'; input: string };

/** The bin-day lookup behind `lookup: bin-day`: a postcode in, the next two collections out. */
export class BinDayLookup {
  constructor(
    private readonly store: BinStore,
    private readonly timeZone: string,
    private readonly now: () => Date,
  ) {}

  async lookup(input: string): Promise<BinDayResult> {
    const postcode = normalizePostcode(input);
    if (!postcode) return { kind: 'invalid-postcode', input };
    const round = await this.store.roundFor(postcode);
    if (!round) return { kind: 'unknown-postcode', postcode };
    const today = dateIn(this.timeZone, this.now());
    // Changes are keyed by scheduled date; a scheduled date up to a week back can land after today.
    const changes = await this.store.changesBetween(addDays(today, -7), addDays(today, 60));
    return { kind: 'found', postcode, round: round.round, collections: nextCollections(round, today, changes), today };
  }
}
