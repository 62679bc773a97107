import { z } from 'zod';
import { addDays, dateIn } from '../../knowledge/bins/schedule';
import { calendarDate } from '../../knowledge/schema';
import type { EventRange } from './store';
import { dateFormat } from '../../knowledge/dateFormat';

/**
 * A reporting period: whole days in the council's time zone, `from` and `to` inclusive. The
 * events to read for it, and the local day, weekday and hour of an instant.
 */

export interface Period {
  from: string;
  to: string;
}

/** Longer periods are refused: a year is what a council reports on, and the events are read into memory. */
export const MAX_PERIOD_DAYS = 366;
/**
 * How long after the period its chats and left messages are followed: a message left on the last
 * day and answered within this time counts as answered.
 */
export const FOLLOW_DAYS = 31;
/** No time zone is further than this from UTC, so these many hours either side cover any zone's day. */
const ZONE_SLACK_MS = 14 * 3_600_000;
const DAY_MS = 86_400_000;

export const periodSchema = z
  .object({ from: calendarDate, to: calendarDate })
  .refine((p) => p.from <= p.to, { path: ['to'], message: 'must not be before from' })
  .refine((p) => daysIn(p) <= MAX_PERIOD_DAYS, { path: ['to'], message: `a period is at most ${MAX_PERIOD_DAYS} days` });

/** Every calendar date of the period, in order. */
export function datesOf(period: Period): string[] {
  const dates: string[] = [];
  for (let d = period.from; d <= period.to; d = addDays(d, 1)) dates.push(d);
  return dates;
}

export function daysIn(period: Period): number {
  return Math.round((Date.parse(`${period.to}T00:00:00Z`) - Date.parse(`${period.from}T00:00:00Z`)) / DAY_MS) + 1;
}

/** The last `days` days to `today`, the dashboard's default. */
export function lastDays(today: string, days: number): Period {
  return { from: addDays(today, 1 - days), to: today };
}

/**
 * The events a report on the period needs: from a little before its first day (the zone's day may
 * begin before UTC's) to FOLLOW_DAYS after its last. The figures keep only what started in the period.
 */
export function eventRange(period: Period): EventRange {
  return {
    from: new Date(Date.parse(`${period.from}T00:00:00Z`) - ZONE_SLACK_MS),
    to: new Date(Date.parse(`${period.to}T00:00:00Z`) + DAY_MS + ZONE_SLACK_MS + FOLLOW_DAYS * DAY_MS),
  };
}

/** "2026-11-25": the calendar date at an instant on the zone's clocks. */
export const localDate = (timeZone: string, at: Date): string => dateIn(timeZone, at);

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/** Monday 0 … Sunday 6, and the hour 0-23, on the zone's clocks. */
export function weekdayAndHour(timeZone: string, at: Date): { weekday: number; hour: number } {
  const parts = dateFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', hourCycle: 'h23' }).formatToParts(at);
  const weekday = WEEKDAYS.indexOf(parts.find((p) => p.type === 'weekday')?.value ?? '');
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  if (weekday < 0 || !Number.isInteger(hour)) throw new Error(`Could not read the weekday and hour of ${at.toISOString()} in ${timeZone}`);
  return { weekday, hour };
}
