import { addDays, dateIn, weekdayOf } from '../knowledge/bins/schedule';
import type { Department } from '../knowledge/schema';
import { dateFormat } from '../knowledge/dateFormat';

/**
 * Opening hours in the council's time zone, with bank holidays. Pure: the clock comes in as
 * `now`. Calendar dates are "YYYY-MM-DD" strings, as in knowledge/bins/schedule.ts; a department's
 * "08:30-17:00" is wall-clock time in the council's zone, so it follows BST and GMT, and the
 * results are `Date`s (instants) for the caller to format.
 */

export type OpeningHours = Department['hours'];
/** Calendar date → holiday name, as `loadBankHolidays` (knowledge/holidays.ts) returns them. */
export type BankHolidays = ReadonlyMap<string, string>;

/** After this many closed days in a row we stop looking: the department is not coming back soon. */
export const LOOKAHEAD_DAYS = 14;

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** One stretch of opening, as instants (ms since the epoch), `to` exclusive. */
interface Opening {
  from: number;
  to: number;
}


/** "08:30" → 510. The schema lets "24:00" through as the end of the day; nothing later exists. */
function minuteOfDay(time: string): number {
  const [h = 0, m = 0] = time.split(':').map(Number);
  return Math.min(h * 60 + m, 24 * 60);
}

function wallClock(timeZone: string): Intl.DateTimeFormat {
  return dateFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** How far the zone's clocks are ahead of UTC at an instant (BST: one hour). */
function offsetAt(timeZone: string, at: number): number {
  const parts = wallClock(timeZone).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return wall - Math.floor(at / 1000) * 1000;
}

/**
 * The instant at which the zone's clocks show `minute` past midnight on `date`. On the days the
 * clocks change, the offset differs between morning and evening, so try the offset of the day
 * before and of the day after and keep the one that is true at the result. A time shown twice
 * (01:30 on the last Sunday of October) is taken the first time; a time never shown (01:30 on the
 * last Sunday of March) is moved on by the lost hour, as a clock on the wall would be.
 */
function instantAt(timeZone: string, date: string, minute: number): number {
  const wall = Date.parse(`${date}T00:00:00Z`) + minute * MINUTE_MS;
  const before = offsetAt(timeZone, wall - DAY_MS);
  const after = offsetAt(timeZone, wall + DAY_MS);
  if (offsetAt(timeZone, wall - before) === before) return wall - before;
  if (offsetAt(timeZone, wall - after) === after) return wall - after;
  return wall - before;
}

/** When the department is open on a calendar date; undefined when it is closed all day. */
function openingOn(hours: OpeningHours, holidays: BankHolidays, timeZone: string, date: string): Opening | undefined {
  if (holidays.has(date)) return undefined;
  const times = hours[weekdayOf(date)];
  if (!times) return undefined;
  const [open = '', close = ''] = times.split('-');
  const from = minuteOfDay(open);
  const to = minuteOfDay(close);
  // The schema does not stop "17:00-08:30". Overnight opening is not something any department
  // does, so such hours read as closed rather than as a shift running into the next day.
  if (to <= from) return undefined;
  return { from: instantAt(timeZone, date, from), to: instantAt(timeZone, date, to) };
}

/**
 * The openings still ahead at `now`, in order, the current one (if open) cut to start at `now`.
 * Stops after LOOKAHEAD_DAYS closed days in a row, so a department with no hours ends the search.
 */
function* openingsFrom(hours: OpeningHours, holidays: BankHolidays, timeZone: string, now: Date): Generator<Opening> {
  const today = dateIn(timeZone, now);
  const at = now.getTime();
  for (let day = 0, closedRun = 0; closedRun <= LOOKAHEAD_DAYS; day++) {
    const opening = openingOn(hours, holidays, timeZone, addDays(today, day));
    if (!opening || opening.to <= at) {
      closedRun++;
      continue;
    }
    closedRun = 0;
    yield { from: Math.max(opening.from, at), to: opening.to };
  }
}

/** Whether the department is open at `now`: inside today's hours, and today is not a bank holiday. */
export function isOpen(hours: OpeningHours, holidays: BankHolidays, timeZone: string, now: Date): boolean {
  const opening = openingOn(hours, holidays, timeZone, dateIn(timeZone, now));
  return opening !== undefined && opening.from <= now.getTime() && now.getTime() < opening.to;
}

/**
 * The first moment at or after `now` at which the department is open: `now` itself when it is
 * open now. Undefined when it stays closed today and the next LOOKAHEAD_DAYS days.
 */
export function nextOpening(hours: OpeningHours, holidays: BankHolidays, timeZone: string, now: Date): Date | undefined {
  const first = openingsFrom(hours, holidays, timeZone, now).next();
  return first.done ? undefined : new Date(first.value.from);
}

/**
 * When a message left at `now` can expect a reply, if the department answers within
 * `workingHoursToReply` hours of its opening time: only open hours count, so a message left on
 * Friday evening with 8.5 working hours to reply is due at Monday's close. The hours are real
 * elapsed time (an opening that spans the clocks going forward is an hour shorter). Undefined
 * when the department closes for more than LOOKAHEAD_DAYS days in a row before the time is used.
 */
export function replyBy(
  hours: OpeningHours,
  holidays: BankHolidays,
  timeZone: string,
  now: Date,
  workingHoursToReply: number,
): Date | undefined {
  if (!Number.isFinite(workingHoursToReply) || workingHoursToReply < 0) {
    throw new RangeError(`workingHoursToReply must be a number of hours, 0 or more (got ${workingHoursToReply})`);
  }
  let left = workingHoursToReply * HOUR_MS;
  for (const { from, to } of openingsFrom(hours, holidays, timeZone, now)) {
    if (left <= to - from) return new Date(from + left);
    left -= to - from;
  }
  return undefined;
}
