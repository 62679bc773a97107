import type { Figures } from './figures';

/**
 * How figures read to supervisors, the same on the dashboard and in `npm run report`'s Markdown:
 * percentages, durations, pounds and the plain-English names of reasons.
 */

export const REASON_WORDS: Record<string, string> = {
  asked: 'Asked for a person',
  misses: 'Bot did not understand, twice or more',
  feedback: 'Answer did not help',
  urgent: 'Urgent topic',
  topic: 'Topic that needs a person',
  lookup: 'Bin day lookup failed',
  closed: 'Out of hours',
  'nobody-on-duty': 'Nobody on duty',
  overflow: 'Queue full (wait too long)',
};

export const reasonWords = (reason: string): string => REASON_WORDS[reason] ?? reason;

export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** "60%", "66.7%"; a dash when there was nothing to divide. */
export function percent(rate: number | null): string {
  if (rate === null) return '–';
  const p = Math.round(rate * 1000) / 10;
  return `${p}%`;
}

/** "45 s", "4 min 30 s", "2 h 5 min", "3 days 4 h"; a dash for none. */
export function duration(seconds: number | null): string {
  if (seconds === null) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return s % 60 ? `${Math.floor(s / 60)} min ${s % 60} s` : `${s / 60} min`;
  const minutes = Math.round(s / 60);
  if (minutes < 24 * 60) return minutes % 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes / 60} h`;
  const hours = Math.round(minutes / 60);
  const days = Math.floor(hours / 24);
  return `${days} day${days === 1 ? '' : 's'}${hours % 24 ? ` ${hours % 24} h` : ''}`;
}

/** "£1,234.50", "−£3.00". */
export function pounds(amount: number): string {
  const text = Math.abs(amount).toLocaleString('en-GB', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${amount < 0 ? '−' : ''}£${text}`;
}

/** An average to one decimal place, or a dash. */
export const oneDecimal = (value: number | null): string => (value === null ? '–' : (Math.round(value * 10) / 10).toFixed(1));

/** "25 Nov" */
export function shortDate(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** "Wednesday 25 November 2026" */
export function longDate(date: string): string {
  return new Date(`${date}T12:00:00Z`).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).replace(',', '');
}

export const hourLabel = (hour: number): string => `${String(hour).padStart(2, '0')}:00`;

/** The officers' table, in words, for the dashboard and the Markdown report alike. */
export const OFFICER_COLUMNS = ['Officer', 'Picked up', 'Chats handled', 'Handling time (median)', '90% within', 'Average rating', 'Most chats at once', 'Average at once'];

export function officerRows(agents: Figures['agents']): (string | number)[][] {
  return agents.map((a) => [
    a.name ?? `Agent ${a.agent}`,
    a.pickedUp,
    a.chats,
    duration(a.handlingSeconds.median),
    duration(a.handlingSeconds.p90),
    a.ratings.count ? `${oneDecimal(a.ratings.average)} (${a.ratings.count})` : '–',
    a.concurrent.peak,
    oneDecimal(a.concurrent.average),
  ]);
}
