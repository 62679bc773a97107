import type { Figures } from './figures';
import { OFFICER_COLUMNS, officerRows, duration, longDate, oneDecimal, percent, pounds, reasonWords, WEEKDAY_NAMES, hourLabel } from './words';

/**
 * The figures as a Markdown report (`npm run report`'s default): headings and tables with the same
 * words as the dashboard, to read in a terminal, paste into an email or commit to a wiki.
 */

/** Pipes and line breaks would break a table row. */
const cell = (value: string | number) => String(value).replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

function table(head: string[], rows: (string | number)[][]): string[] {
  if (!rows.length) return ['None in this period.'];
  return [`| ${head.map(cell).join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)];
}

/** How many weekday-hours the busiest-hours table lists. */
const BUSIEST = 10;

export function markdownReport(f: Figures, departmentName?: string): string {
  const who = f.period.department === null ? 'All departments' : (departmentName ?? f.period.department);
  const when = f.period.from === f.period.to ? longDate(f.period.from) : `${longDate(f.period.from)} to ${longDate(f.period.to)}`;
  const slots = f.busiestHours.conversations
    .flatMap((row, day) => row.map((n, hour) => ({ day, hour, conversations: n, handoffs: f.busiestHours.handoffs[day]?.[hour] ?? 0 })))
    .filter((s) => s.conversations + s.handoffs > 0)
    .sort((a, b) => b.conversations - a.conversations || b.handoffs - a.handoffs || a.day - b.day || a.hour - b.hour)
    .slice(0, BUSIEST);
  const s = f.savings;

  const lines = [
    `# Parley report: ${who}, ${when}`,
    '',
    `Days on the council's clocks (${f.period.timeZone}). A conversation, chat or message counts on the day it started.`,
    '',
    '## Summary',
    '',
    ...table(
      ['Figure', 'Value'],
      [
        ['Conversations', f.conversations.started],
        ['Contained by the bot', `${percent(f.conversations.containmentRate)} (${f.conversations.contained})`],
        ['Handed to a person', `${percent(f.conversations.handoffRate)} (${f.conversations.handedOff})`],
        ['Questions asked', f.questions.asked],
        ['Not understood', `${percent(f.questions.notUnderstoodRate)} (${f.questions.notUnderstood})`],
        ['Joined the queue', f.queue.queued],
        ['Wait before pick-up', `${duration(f.queue.waitSeconds.median)} median, 90% within ${duration(f.queue.waitSeconds.p90)}`],
        ['Left the queue before pick-up', `${percent(f.queue.abandonmentRate)} (${f.queue.abandoned})`],
        ['Still waiting', f.queue.stillWaiting],
        ['Chats handled', f.handling.chats],
        ['Handling time', `${duration(f.handling.seconds.median)} median, 90% within ${duration(f.handling.seconds.p90)}`],
        ['Average rating', f.ratings.average === null ? '–' : `${oneDecimal(f.ratings.average)} out of 5 (${f.ratings.count} ratings)`],
        ['Messages left', `${f.leftMessages.left} (${f.leftMessages.answered} answered, ${f.leftMessages.open} open)`],
        ['Time to reply to a message', `${duration(f.leftMessages.replySeconds.median)} median, 90% within ${duration(f.leftMessages.replySeconds.p90)}`],
        ['Estimated saving', pounds(s.total)],
      ],
    ),
    '',
    '## Conversations per day',
    '',
    ...table(['Date', 'Conversations', 'Contained', 'Containment'], f.daily.map((d) => [d.date, d.conversations, d.contained, percent(d.containmentRate)])),
    '',
    '## Handoffs to a person',
    '',
    ...table(['Reason', 'Offered', 'Accepted', 'Declined', 'Share of conversations'], f.handoffs.byReason.map((r) => [reasonWords(r.reason), r.offered, r.accepted, r.declined, percent(r.rate)])),
    '',
    'Accepted but could not connect:',
    '',
    ...table(['Why', 'Times'], f.handoffs.unavailable.map((u) => [reasonWords(u.reason), u.count])),
    '',
    '## Entries answered most',
    '',
    ...table(['Entry', 'Id', 'Answered'], f.topEntries.map((e) => [e.title ?? e.entry, e.entry, e.answered])),
    '',
    '## "Did this help?" by entry, lowest first',
    '',
    ...table(['Entry', 'Id', 'Yes', 'No', 'Yes-rate'], f.feedback.map((e) => [e.title ?? e.entry, e.entry, e.yes, e.no, percent(e.yesRate)])),
    '',
    '## Ratings',
    '',
    ...table(['Rating', 'Chats'], f.ratings.distribution.map((r) => [`${r.rating} out of 5`, r.count])),
    '',
    '## Left messages by why',
    '',
    ...table(['Why', 'Messages'], f.leftMessages.byReason.map((r) => [reasonWords(r.reason), r.count])),
    '',
    '## Officers',
    '',
    ...table(
      OFFICER_COLUMNS,
      officerRows(f.agents),
    ),
    '',
    '## Busiest hours',
    '',
    ...table(['Weekday', 'Hour', 'Conversations started', 'Requests for a person'], slots.map((x) => [WEEKDAY_NAMES[x.day]!, hourLabel(x.hour), x.conversations, x.handoffs])),
    '',
    '## Estimated saving',
    '',
    ...table(
      ['', 'Amount'],
      [
        [`${s.containedConversations} contained conversations × ${pounds(s.costPerCall)} a call`, pounds(s.fromContained)],
        [`${s.chatsHandled} chats × (${pounds(s.costPerCall)} a call − ${pounds(s.costPerChat)} a chat)`, pounds(s.fromChats)],
        ['Total', pounds(s.total)],
      ],
    ),
    '',
    `Assumptions: every conversation the bot contained is counted as a phone call avoided (PARLEY_COST_PER_CALL), every chat an officer handled as a call replaced by a chat (PARLEY_COST_PER_CHAT). Not every resident who gets an answer would otherwise have phoned, so this is the most the council could have saved.`,
    '',
  ];
  return lines.join('\n');
}
