import type { Figures, Spread } from './figures';
import { WEEKDAY_NAMES } from './words';

/**
 * The figures as CSV for a council's own BI tools (Power BI, Excel, a data warehouse): one table
 * per file, so each loads as a table of its own. Every row starts with the period and department,
 * so exports of several periods can be appended to one table. RFC 4180: a header row, commas,
 * CRLF line ends, quotes around fields that need them; UTF-8. Rates are fractions (0.25, not 25%),
 * times are seconds, money is pounds; an empty field means there was nothing to measure.
 */

export type CsvTables = Record<string, string>;

type Cell = string | number | null;

/** Quotes a field when it holds a comma, quote or line break; text that a spreadsheet would run as a formula gets a leading apostrophe. */
export function csvField(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csv(header: string[], rows: Cell[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\r\n') + '\r\n';
}

const spreadCells = (s: Spread): Cell[] => [s.median, s.p90];

export function csvTables(f: Figures): CsvTables {
  const head = ['period_from', 'period_to', 'department'];
  const lead: Cell[] = [f.period.from, f.period.to, f.period.department];
  const table = (columns: string[], rows: Cell[][]) => csv([...head, ...columns], rows.map((r) => [...lead, ...r]));

  const summary: [string, Cell][] = [
    ['conversations', f.conversations.started],
    ['contained', f.conversations.contained],
    ['containment_rate', f.conversations.containmentRate],
    ['handed_off', f.conversations.handedOff],
    ['handoff_rate', f.conversations.handoffRate],
    ['questions', f.questions.asked],
    ['questions_answered', f.questions.answered],
    ['questions_did_you_mean', f.questions.didYouMean],
    ['questions_not_understood', f.questions.notUnderstood],
    ['not_understood_rate', f.questions.notUnderstoodRate],
    ['queued', f.queue.queued],
    ['picked_up', f.queue.pickedUp],
    ['abandoned', f.queue.abandoned],
    ['abandonment_rate', f.queue.abandonmentRate],
    ['still_waiting', f.queue.stillWaiting],
    ['wait_median_seconds', f.queue.waitSeconds.median],
    ['wait_p90_seconds', f.queue.waitSeconds.p90],
    ['chats_handled', f.handling.chats],
    ['handling_median_seconds', f.handling.seconds.median],
    ['handling_p90_seconds', f.handling.seconds.p90],
    ['ratings', f.ratings.count],
    ['rating_average', f.ratings.average],
    ['messages_left', f.leftMessages.left],
    ['messages_answered', f.leftMessages.answered],
    ['messages_open', f.leftMessages.open],
    ['reply_median_seconds', f.leftMessages.replySeconds.median],
    ['reply_p90_seconds', f.leftMessages.replySeconds.p90],
    ['cost_per_call', f.savings.costPerCall],
    ['cost_per_chat', f.savings.costPerChat],
    ['saving_from_contained', f.savings.fromContained],
    ['saving_from_chats', f.savings.fromChats],
    ['saving_total', f.savings.total],
  ];

  const hours: Cell[][] = [];
  f.busiestHours.conversations.forEach((row, day) =>
    row.forEach((n, hour) => hours.push([WEEKDAY_NAMES[day]!, hour, n, f.busiestHours.handoffs[day]?.[hour] ?? 0])),
  );

  return {
    'summary.csv': table(['figure', 'value'], summary),
    'daily.csv': table(['date', 'conversations', 'contained', 'containment_rate'], f.daily.map((d) => [d.date, d.conversations, d.contained, d.containmentRate])),
    'handoff-reasons.csv': table(
      ['reason', 'offered', 'accepted', 'declined', 'accepted_per_conversation'],
      f.handoffs.byReason.map((r) => [r.reason, r.offered, r.accepted, r.declined, r.rate]),
    ),
    'handoff-unavailable.csv': table(['reason', 'count'], f.handoffs.unavailable.map((u) => [u.reason, u.count])),
    'top-entries.csv': table(['entry', 'title', 'answered'], f.topEntries.map((e) => [e.entry, e.title, e.answered])),
    'feedback.csv': table(['entry', 'title', 'yes', 'no', 'yes_rate'], f.feedback.map((e) => [e.entry, e.title, e.yes, e.no, e.yesRate])),
    'ratings.csv': table(['rating', 'count'], f.ratings.distribution.map((r) => [r.rating, r.count])),
    'left-messages.csv': table(['reason', 'count'], f.leftMessages.byReason.map((r) => [r.reason, r.count])),
    'agents.csv': table(
      ['agent', 'name', 'picked_up', 'chats', 'handling_median_seconds', 'handling_p90_seconds', 'ratings', 'rating_average', 'peak_concurrent', 'average_concurrent'],
      f.agents.map((a) => [a.agent, a.name, a.pickedUp, a.chats, ...spreadCells(a.handlingSeconds), a.ratings.count, a.ratings.average, a.concurrent.peak, a.concurrent.average]),
    ),
    'busiest-hours.csv': table(['weekday', 'hour', 'conversations', 'handoffs'], hours),
  };
}
