import { barChart, COLOURS, escapeXml as h, heatMap, lineChart } from './charts';
import type { Figures, Spread } from './figures';
import { OFFICER_COLUMNS, officerRows, duration, hourLabel, longDate, oneDecimal, percent, pounds, reasonWords, shortDate, WEEKDAY_NAMES } from './words';

/**
 * The supervisors' dashboard as one HTML page, made on the server: a GET form to choose the
 * period and department, the figures, SVG charts each with a table of its numbers, and the
 * definitions. No script: the page works with the console's strict CSP and without a network.
 */

export interface DashboardView {
  figures: Figures;
  departments: { id: string; name: string }[];
  /** Who is looking: "Signed in as …". */
  agentName: string;
  /** Query string of the current choice, for the JSON link. */
  query: string;
}

const HOURS = Array.from({ length: 24 }, (_, i) => hourLabel(i));
const SHORT_WEEKDAYS = WEEKDAY_NAMES.map((d) => d.slice(0, 3));

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${h(title)}</title>
  <link rel="stylesheet" href="/console/dashboard.css">
</head>
<body>
${body}
</body>
</html>
`;
}

/** A short page for someone who may not see the dashboard (not signed in, or not a supervisor). */
export function refusalPage(heading: string, message: string): string {
  return page(`${heading} – Parley dashboard`, `<main class="narrow"><h1>${h(heading)}</h1><p>${h(message)}</p><p><a href="/console">Go to the console</a></p></main>`);
}

/** A wide table scrolls sideways in a region the keyboard can reach and scroll (WCAG 2.1.1). */
const table = (caption: string, head: string[], rows: (string | number)[][], wide = false) => {
  const t = plainTable(caption, head, rows);
  return wide ? `<div class="scroll" role="region" tabindex="0" aria-label="${h(caption)}">${t}</div>` : t;
};

const plainTable = (caption: string, head: string[], rows: (string | number)[][]) =>
  `<table><caption>${h(caption)}</caption><thead><tr>${head.map((c) => `<th scope="col">${h(c)}</th>`).join('')}</tr></thead><tbody>${
    rows.length
      ? rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${h(String(c))}</th>` : `<td>${h(String(c))}</td>`)).join('')}</tr>`).join('')
      : `<tr><td colspan="${head.length}">None in this period.</td></tr>`
  }</tbody></table>`;

const figure = (chart: string, data: string, open = false) =>
  `<figure class="chart-figure"><div class="chart-box">${chart}</div><details class="chart-data"${open ? ' open' : ''}><summary>The numbers in this chart</summary>${data}</details></figure>`;

const stat = (label: string, value: string, note = '') => `<div class="stat"><dt>${h(label)}</dt><dd><span class="value">${h(value)}</span>${note ? ` <span class="note">${h(note)}</span>` : ''}</dd></div>`;

const times = (s: Spread) => `${duration(s.median)} (90% within ${duration(s.p90)})`;

export function dashboardPage(view: DashboardView): string {
  const f = view.figures;
  const department = f.period.department;
  const departmentName = department === null ? 'All departments' : (view.departments.find((d) => d.id === department)?.name ?? department);
  const when = f.period.from === f.period.to ? longDate(f.period.from) : `${longDate(f.period.from)} to ${longDate(f.period.to)}`;

  const options = [`<option value=""${department === null ? ' selected' : ''}>All departments</option>`]
    .concat(view.departments.map((d) => `<option value="${h(d.id)}"${d.id === department ? ' selected' : ''}>${h(d.name)}</option>`))
    .join('');

  const dailyChart = lineChart({
    id: 'chart-daily',
    title: 'Conversations and contained conversations per day',
    description: `Two lines over ${f.daily.length} days from ${shortDate(f.period.from)} to ${shortDate(f.period.to)}: conversations started (solid blue) and, of those, contained by the bot (dashed green). ${f.conversations.started} conversations, ${f.conversations.contained} contained.`,
    labels: f.daily.map((d) => shortDate(d.date)),
    series: [
      { name: 'Conversations', values: f.daily.map((d) => d.conversations), colour: COLOURS.blue },
      { name: 'Contained by the bot', values: f.daily.map((d) => d.contained), colour: COLOURS.green, dash: '7 4' },
    ],
  });
  const dailyTable = table(
    'Conversations per day',
    ['Date', 'Conversations', 'Contained', 'Containment'],
    f.daily.map((d) => [shortDate(d.date), d.conversations, d.contained, percent(d.containmentRate)]),
  );

  const reasonBars = [
    ...f.handoffs.byReason.map((r) => ({ label: reasonWords(r.reason), value: r.accepted })),
    ...f.handoffs.unavailable.map((u) => ({ label: `Could not connect: ${reasonWords(u.reason).toLowerCase()}`, value: u.count })),
  ];
  const reasonsChart = barChart({
    id: 'chart-reasons',
    title: 'Handoffs to a person by reason',
    description: `Bars for conversations in which the resident accepted a person, by why the bot offered one, then for acceptances that could not be connected, by why. ${f.conversations.handedOff} conversations handed to a person in all.`,
    bars: reasonBars,
  });
  const reasonsTable = table(
    'Offers of a person by reason',
    ['Reason', 'Offered', 'Accepted', 'Declined', 'Share of conversations'],
    f.handoffs.byReason.map((r) => [reasonWords(r.reason), r.offered, r.accepted, r.declined, percent(r.rate)]),
  );
  const unavailableTable = table(
    'Accepted but could not connect',
    ['Why', 'Times'],
    f.handoffs.unavailable.map((u) => [reasonWords(u.reason), u.count]),
  );

  const heat = (id: string, what: string, values: number[][]) =>
    `<h3>${h(what)}</h3>` +
    figure(
      heatMap({
        id,
        title: `${what} by weekday and hour`,
        description: `A grid of 7 weekdays by 24 hours on the council's clocks (${f.period.timeZone}); darker cells had more. The busiest: ${busiest(values)}.`,
        rows: SHORT_WEEKDAYS,
        columns: HOURS.map((hr) => hr.slice(0, 2)),
        values,
      }),
      table(`${what} by weekday and hour`, ['Weekday', ...HOURS], values.map((row, i) => [WEEKDAY_NAMES[i]!, ...row]), true),
    );

  const s = f.savings;
  const body = `<a class="skip-link" href="#main">Skip to the figures</a>
<header class="top">
  <h1>Parley dashboard</h1>
  <p>Signed in as ${h(view.agentName)}. <a href="/console">Back to the console</a></p>
</header>
<main id="main" tabindex="-1">
  <form class="choose" method="get" action="/console/dashboard">
    <div class="field"><label for="from">From</label><input id="from" name="from" type="date" value="${h(f.period.from)}" required></div>
    <div class="field"><label for="to">To</label><input id="to" name="to" type="date" value="${h(f.period.to)}" required></div>
    <div class="field"><label for="department">Department</label><select id="department" name="department">${options}</select></div>
    <button type="submit">Show figures</button>
    <p class="hint">Days on the council's clocks (${h(f.period.timeZone)}). A conversation, chat or message counts in the day it started.</p>
  </form>

  <h2 id="summary-title">${h(departmentName)}, ${h(when)}</h2>
  <dl class="stats">
    ${stat('Conversations', String(f.conversations.started))}
    ${stat('Contained by the bot', percent(f.conversations.containmentRate), `${f.conversations.contained} conversations`)}
    ${stat('Handed to a person', percent(f.conversations.handoffRate), `${f.conversations.handedOff} conversations`)}
    ${stat('Not understood', percent(f.questions.notUnderstoodRate), `of ${f.questions.asked} questions`)}
    ${stat('Estimated saving', pounds(s.total))}
  </dl>
  <p><a href="/api/console/report?${h(view.query)}">Download these figures as JSON</a></p>

  <section aria-labelledby="daily-title">
    <h2 id="daily-title">Conversations and containment per day</h2>
    ${figure(dailyChart, dailyTable)}
  </section>

  <section aria-labelledby="handoffs-title">
    <h2 id="handoffs-title">Handoffs to a person</h2>
    ${figure(reasonsChart, reasonsTable + unavailableTable, true)}
  </section>

  <section aria-labelledby="questions-title">
    <h2 id="questions-title">Questions and answers</h2>
    <dl class="stats">
      ${stat('Questions asked', String(f.questions.asked))}
      ${stat('Answered', String(f.questions.answered))}
      ${stat('Did you mean', String(f.questions.didYouMean))}
      ${stat('Not understood', String(f.questions.notUnderstood))}
    </dl>
    <div class="columns">
      ${table('Entries answered most', ['Entry', 'Answered'], f.topEntries.map((e) => [e.title ?? e.entry, e.answered]))}
      ${table('“Did this help?” by entry, lowest first', ['Entry', 'Yes', 'No', 'Yes-rate'], f.feedback.map((e) => [e.title ?? e.entry, e.yes, e.no, percent(e.yesRate)]))}
    </div>
  </section>

  <section aria-labelledby="desk-title">
    <h2 id="desk-title">Queue and live chats</h2>
    <dl class="stats">
      ${stat('Joined the queue', String(f.queue.queued))}
      ${stat('Wait before pick-up', duration(f.queue.waitSeconds.median), `median; 90% within ${duration(f.queue.waitSeconds.p90)}`)}
      ${stat('Left the queue before pick-up', percent(f.queue.abandonmentRate), `${f.queue.abandoned} residents`)}
      ${stat('Chats handled', String(f.handling.chats))}
      ${stat('Handling time', duration(f.handling.seconds.median), `median; 90% within ${duration(f.handling.seconds.p90)}`)}
      ${stat('Average rating', f.ratings.average === null ? '–' : `${oneDecimal(f.ratings.average)} out of 5`, `${f.ratings.count} ratings`)}
    </dl>
    <p class="hint">${f.queue.pickedUp} picked up, ${f.queue.stillWaiting} still waiting when these figures were made.</p>
    <div class="columns">
      ${table('Ratings', ['Rating', 'Chats'], f.ratings.distribution.map((r) => [`${r.rating} out of 5`, r.count]))}
      ${table(
        'Left messages',
        ['', 'Messages'],
        [['Left', f.leftMessages.left], ['Answered', f.leftMessages.answered], ['Still open', f.leftMessages.open], ...f.leftMessages.byReason.map((r) => [`Left because: ${reasonWords(r.reason).toLowerCase()}`, r.count] as [string, number])],
      )}
    </div>
    <p>Time to reply to a left message: ${h(f.leftMessages.replySeconds.count ? times(f.leftMessages.replySeconds) : 'no replies recorded yet')}.</p>
  </section>

  <section aria-labelledby="agents-title">
    <h2 id="agents-title">Officers</h2>
    ${table(
      'Chats by officer',
      OFFICER_COLUMNS,
      officerRows(f.agents),
      true,
    )}
  </section>

  <section aria-labelledby="hours-title">
    <h2 id="hours-title">Busiest hours</h2>
    <p>When residents start conversations and ask for a person, so rotas can follow demand.</p>
    ${heat('chart-hours', 'Conversations started', f.busiestHours.conversations)}
    ${heat('chart-handoff-hours', 'Requests for a person', f.busiestHours.handoffs)}
  </section>

  <section aria-labelledby="savings-title">
    <h2 id="savings-title">Estimated saving</h2>
    <dl class="stats">
      ${stat('From contained conversations', pounds(s.fromContained), `${s.containedConversations} × ${pounds(s.costPerCall)}`)}
      ${stat('From chats instead of calls', pounds(s.fromChats), `${s.chatsHandled} × (${pounds(s.costPerCall)} − ${pounds(s.costPerChat)})`)}
      ${stat('Total', pounds(s.total))}
    </dl>
    <p>Assumptions: every conversation the bot contained is counted as a phone call avoided, at ${h(pounds(s.costPerCall))} a call (<code>PARLEY_COST_PER_CALL</code>); every chat an officer handled is counted as a call it replaced, at ${h(pounds(s.costPerChat))} a chat (<code>PARLEY_COST_PER_CHAT</code>). Not every resident who gets an answer would otherwise have phoned, so this is the most the council could have saved; set the two costs to the council's own figures.</p>
  </section>

  <section aria-labelledby="definitions-title">
    <h2 id="definitions-title">How these figures are worked out</h2>
    <dl class="definitions">
      <dt>Conversation</dt><dd>A resident's conversation with the bot, counted on the day of its first message.</dd>
      <dt>Contained</dt><dd>The resident never accepted the offer of a person, the last question they asked was answered (not “I don’t understand”, not a “Did you mean” left unpicked or answered “None of these”), and their last answer to “Did this help?”, if any, was not No.</dd>
      <dt>Handed to a person</dt><dd>The resident accepted the offer of a person, whether or not someone could chat.</dd>
      <dt>Questions and not understood</dt><dd>Each question a resident asked was answered, met with “Did you mean”, or not understood. Picking from “Did you mean” is not another question.</dd>
      <dt>Wait and left the queue</dt><dd>From joining the queue to the first pick-up; residents who typed cancel before anyone picked them up left the queue.</dd>
      <dt>Handling time</dt><dd>From an officer picking a chat up to closing it or handing it back to the bot. A chat counts for the officer who closed it, and so does its rating.</dd>
      <dt>Median and 90%</dt><dd>Half the times were at or below the median; 90% were at or below the second figure.</dd>
      <dt>Department</dt><dd>Conversations with any answer or offer about the department, and chats and messages queued or left for it.</dd>
    </dl>
  </section>
</main>`;
  return page(`Dashboard: ${departmentName}, ${when} – Parley`, body);
}

/** "Wednesday 10:00 (4)", or "none yet". */
function busiest(values: number[][]): string {
  let best = { weekday: 0, hour: 0, count: 0 };
  values.forEach((row, weekday) => row.forEach((count, hour) => {
    if (count > best.count) best = { weekday, hour, count };
  }));
  return best.count ? `${WEEKDAY_NAMES[best.weekday]} ${hourLabel(best.hour)} (${best.count})` : 'none yet';
}
