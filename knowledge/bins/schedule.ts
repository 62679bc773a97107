import { weekdays, type Weekday } from '../schema';
import { dateFormat } from '../dateFormat';

/**
 * Bin collection dates. Each round is collected on one weekday; weeks alternate between a
 * recycling week (blue bin, plus garden waste for subscribers) and a general-waste week
 * (black bin); food waste goes every week. A round's `recyclingAnchor` is any date of a
 * recycling collection, which fixes which week is which. Dates are calendar dates
 * ("2026-12-01") with no time of day, so no clock or time zone can shift them.
 */

export interface Round {
  round: string;
  day: Weekday;
  recyclingAnchor: string;
}

export interface Change {
  from: string;
  to: string;
  reason: string;
}

export interface Collection {
  /** When the crew comes, after any bank-holiday change. */
  date: string;
  /** When it would have been without the change. */
  scheduled: string;
  bins: string[];
  /** Why it moved, when it did. */
  movedBecause?: string;
}

export const RECYCLING_WEEK_BINS = ['recycling (blue bin)', 'garden waste (brown bin, if you subscribe)', 'food waste (caddy)'];
export const GENERAL_WEEK_BINS = ['general waste (black bin)', 'food waste (caddy)'];

const DAY_MS = 86_400_000;
const WEEKDAY_INDEX: Record<Weekday, number> = {
  sunday: 0,
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
};

const toDays = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const fromDays = (days: number) => new Date(days * DAY_MS).toISOString().slice(0, 10);

/** The calendar date `days` after (or before) `date`. */
export const addDays = (date: string, days: number): string => fromDays(toDays(date) + days);

/** The weekday of a calendar date. */
export const weekdayOf = (date: string): Weekday => weekdays[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;

/**
 * The next `count` collections on or after `today`. Changes are looked up by scheduled
 * date and not chained: a change says where that one collection goes.
 */
export function nextCollections(
  round: Round,
  today: string,
  changes: ReadonlyMap<string, Change>,
  count = 2,
): Collection[] {
  const start = toDays(today);
  const anchor = toDays(round.recyclingAnchor);
  // Begin a week back: a collection moved later by a bank holiday may still be ahead.
  let day = start - 7;
  while (new Date(day * DAY_MS).getUTCDay() !== WEEKDAY_INDEX[round.day]) day += 1;

  const found: Collection[] = [];
  // Look a few weeks past `count`: moved collections can reorder, and the horizon must be finite.
  for (let week = 0; week < count + 4; week++, day += 7) {
    const scheduled = fromDays(day);
    const change = changes.get(scheduled);
    const date = change?.to ?? scheduled;
    if (toDays(date) < start) continue;
    const recyclingWeek = (((day - anchor) / 7) % 2 + 2) % 2 === 0;
    found.push({
      date,
      scheduled,
      bins: recyclingWeek ? RECYCLING_WEEK_BINS : GENERAL_WEEK_BINS,
      ...(change ? { movedBecause: change.reason } : {}),
    });
  }
  return found.sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0)).slice(0, count);
}

// toLocaleDateString builds a new formatter on every call; bin-day replies format several dates.
const longDate = dateFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', timeZone: 'UTC' });

/** "Tuesday 1 December" */
export function formatDate(date: string): string {
  return longDate.format(new Date(`${date}T12:00:00Z`)).replace(',', '');
}

/** The calendar date at `now` in a time zone, e.g. "2026-11-25" in Europe/London. */
export function dateIn(timeZone: string, now: Date): string {
  return dateFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}
