import { median } from '../capacity';
import { HANDOFF_REASONS, UNAVAILABLE_REASONS, isConversationEvent, type ConversationEvent, type DeskRecord, type StoredEvent } from './events';
import { datesOf, localDate, weekdayAndHour, type Period } from './period';

/**
 * Every figure of a report, worked out from the recorded events alone. Pure: the events, the
 * period and the settings come in; nothing is read from anywhere else. Definitions (also in the
 * README's Reporting section):
 *
 * - A conversation belongs to the period if it started then (the council's days); its later steps
 *   count with it. A chat or left message belongs to the period if it was queued or left then.
 * - With a department: the conversations with any step about that department (an answer from its
 *   entries, a person offered for it...), the chats queued for it and the messages left for it.
 * - Contained: the resident never accepted the offer of a person, the last question they asked
 *   was answered (not "I don't understand", not a "Did you mean" left unpicked or answered "None
 *   of these"), and their last answer to "Did this help?", if any, was not No.
 * - Questions: what residents asked the matcher, each answered, met with "Did you mean" or not
 *   understood. Picking from "Did you mean" is not another question.
 * - Times are in seconds. Median: the middle value (the mean of the two middle ones for an even
 *   count); 90th percentile: nearest rank, the value 90% of the times are at or below.
 */

export interface Costs {
  /** What a phone call to the contact centre costs the council, in pounds. */
  perCall: number;
  /** What a chat handled by an officer costs, in pounds. */
  perChat: number;
}

export interface FigureOptions extends Period {
  timeZone: string;
  department?: string;
  costs: Costs;
  /** When the report is made: a chat still in progress counts as held until then. */
  now: Date;
  /** How many entries "top entries" lists (10). */
  topEntries?: number;
  /** Names to show beside ids, where the caller knows them. */
  names?: { entry?: (id: string) => string | undefined; agent?: (id: string) => string | undefined };
}

/** A set of durations in seconds. Null when there are none. */
export interface Spread {
  count: number;
  median: number | null;
  p90: number | null;
}

export interface Figures {
  period: { from: string; to: string; department: string | null; timeZone: string };
  conversations: {
    started: number;
    contained: number;
    containmentRate: number | null;
    /** Conversations in which the resident accepted the offer of a person. */
    handedOff: number;
    handoffRate: number | null;
  };
  daily: { date: string; conversations: number; contained: number; containmentRate: number | null }[];
  handoffs: {
    /** Conversations with an offer of a person for each reason, how many accepted and declined; rate = accepted ÷ conversations. */
    byReason: { reason: string; offered: number; accepted: number; declined: number; rate: number | null }[];
    /** Acceptances that could not be queued, by why: closed (out of hours), nobody on duty, overflow (the wait too long). */
    unavailable: { reason: string; count: number }[];
  };
  questions: { asked: number; answered: number; didYouMean: number; notUnderstood: number; notUnderstoodRate: number | null };
  /** Answers given per entry, most first. */
  topEntries: { entry: string; title: string | null; answered: number }[];
  /** "Did this help?" per entry, lowest yes-rate first. */
  feedback: { entry: string; title: string | null; yes: number; no: number; yesRate: number }[];
  queue: {
    queued: number;
    pickedUp: number;
    /** Left the queue (typed cancel) before anyone picked them up. */
    abandoned: number;
    abandonmentRate: number | null;
    /** Neither picked up nor gone when the report was made. */
    stillWaiting: number;
    /** From joining the queue to the first pick-up. */
    waitSeconds: Spread;
  };
  /** Chats an officer closed or handed back: from the (last) pick-up to the end. */
  handling: { chats: number; seconds: Spread };
  ratings: { count: number; average: number | null; distribution: { rating: number; count: number }[] };
  leftMessages: { left: number; answered: number; open: number; byReason: { reason: string; count: number }[]; replySeconds: Spread };
  agents: {
    agent: string;
    name: string | null;
    pickedUp: number;
    /** Chats the agent closed or handed back. */
    chats: number;
    handlingSeconds: Spread;
    ratings: { count: number; average: number | null };
    /** Most chats held at once, and the average held while holding any (time-weighted). */
    concurrent: { peak: number; average: number | null };
  }[];
  /** Counts by weekday (0 Monday … 6 Sunday) and hour (0-23) on the council's clocks. */
  busiestHours: { conversations: number[][]; handoffs: number[][] };
  savings: {
    costPerCall: number;
    costPerChat: number;
    containedConversations: number;
    chatsHandled: number;
    /** contained × cost per call: each contained conversation taken as a phone call avoided. */
    fromContained: number;
    /** chats × (cost per call − cost per chat): each chat an officer handled taken as a call it replaced. */
    fromChats: number;
    total: number;
  };
}

type ConversationStep = Extract<StoredEvent, { conversation: string }>;
type DeskStep = DeskRecord & { at: string };

const ratio = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
const seconds = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / 1000;

/** The 90th percentile by nearest rank: the value at position ⌈0.9 × n⌉ of the sorted values. */
export function percentile90(values: readonly number[]): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(0.9 * sorted.length) - 1];
}

export function spread(values: readonly number[]): Spread {
  return { count: values.length, median: median(values) ?? null, p90: percentile90(values) ?? null };
}

const grid = () => Array.from({ length: 7 }, () => Array<number>(24).fill(0));
const pence = (pounds: number) => Math.round(pounds * 100);

export function figures(events: readonly StoredEvent[], options: FigureOptions): Figures {
  const { timeZone, department } = options;
  const inPeriod = (at: string) => {
    const day = localDate(timeZone, new Date(at));
    return day >= options.from && day <= options.to;
  };

  // Conversations: their steps in order, kept when they started in the period.
  const byConversation = new Map<string, ConversationStep[]>();
  const byEscalation = new Map<number, DeskStep[]>();
  for (const e of events) {
    if (isConversationEvent(e)) push(byConversation, e.conversation, e);
    else push(byEscalation, e.escalation, e);
  }
  const conversations = [...byConversation.values()].filter((steps) => {
    const started = steps.find((s) => s.type === 'started');
    if (!started || !inPeriod(started.at)) return false;
    return department === undefined || steps.some((s) => 'department' in s && s.department === department);
  });

  const contained = conversations.filter(isContained);
  const handedOff = conversations.filter((steps) => steps.some((s) => s.type === 'handoff-accepted'));
  const all = conversations.flat();
  const count = (type: ConversationEvent['type'], where: (s: ConversationStep) => boolean = () => true) => all.filter((s) => s.type === type && where(s)).length;

  const perDay = new Map<string, { conversations: number; contained: number }>();
  for (const steps of conversations) {
    const day = localDate(timeZone, new Date(startOf(steps)));
    const counts = perDay.get(day) ?? { conversations: 0, contained: 0 };
    counts.conversations += 1;
    if (isContained(steps)) counts.contained += 1;
    perDay.set(day, counts);
  }
  const daily = datesOf(options).map((date) => {
    const { conversations: started, contained: kept } = perDay.get(date) ?? { conversations: 0, contained: 0 };
    return { date, conversations: started, contained: kept, containmentRate: ratio(kept, started) };
  });

  const withReason = (type: ConversationEvent['type'], reason: string) =>
    conversations.filter((steps) => steps.some((s) => s.type === type && 'reason' in s && s.reason === reason)).length;
  const byReason = HANDOFF_REASONS.map((reason) => {
    const accepted = withReason('handoff-accepted', reason);
    return { reason, offered: withReason('handoff-offered', reason), accepted, declined: withReason('handoff-declined', reason), rate: ratio(accepted, conversations.length) };
  });
  const unavailable = UNAVAILABLE_REASONS.map((reason) => ({ reason, count: count('handoff-unavailable', (s) => s.type === 'handoff-unavailable' && s.reason === reason) }));

  const answered = count('answered', (s) => s.type === 'answered' && s.via === 'question');
  const didYouMean = count('did-you-mean');
  const notUnderstood = count('not-understood');
  const asked = answered + didYouMean + notUnderstood;

  const entryTitle = (id: string) => options.names?.entry?.(id) ?? null;
  const answers = new Map<string, number>();
  const votes = new Map<string, { yes: number; no: number }>();
  for (const s of all) {
    if (s.type === 'answered') answers.set(s.entry, (answers.get(s.entry) ?? 0) + 1);
    if (s.type === 'feedback') {
      const v = votes.get(s.entry) ?? { yes: 0, no: 0 };
      if (s.helped) v.yes += 1;
      else v.no += 1;
      votes.set(s.entry, v);
    }
  }
  const topEntries = [...answers]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .slice(0, options.topEntries ?? 10)
    .map(([entry, n]) => ({ entry, title: entryTitle(entry), answered: n }));
  const feedback = [...votes]
    .map(([entry, { yes, no }]) => ({ entry, title: entryTitle(entry), yes, no, yesRate: yes / (yes + no) }))
    .sort((a, b) => a.yesRate - b.yesRate || b.yes + b.no - (a.yes + a.no) || a.entry.localeCompare(b.entry));

  const desk = deskFigures([...byEscalation.values()], options, inPeriod);

  const hours = { conversations: grid(), handoffs: grid() };
  const mark = (g: number[][], at: string) => {
    const { weekday, hour } = weekdayAndHour(timeZone, new Date(at));
    g[weekday]![hour]! += 1;
  };
  for (const steps of conversations) {
    mark(hours.conversations, startOf(steps));
    for (const s of steps) if (s.type === 'handoff-accepted') mark(hours.handoffs, s.at);
  }

  // In pence, so the pounds come out exact.
  const perCall = pence(options.costs.perCall);
  const perChat = pence(options.costs.perChat);
  const fromContained = contained.length * perCall;
  const fromChats = desk.handling.chats * (perCall - perChat);

  return {
    period: { from: options.from, to: options.to, department: department ?? null, timeZone },
    conversations: {
      started: conversations.length,
      contained: contained.length,
      containmentRate: ratio(contained.length, conversations.length),
      handedOff: handedOff.length,
      handoffRate: ratio(handedOff.length, conversations.length),
    },
    daily,
    handoffs: { byReason, unavailable },
    questions: { asked, answered, didYouMean, notUnderstood, notUnderstoodRate: ratio(notUnderstood, asked) },
    topEntries,
    feedback,
    ...desk,
    busiestHours: hours,
    savings: {
      costPerCall: perCall / 100,
      costPerChat: perChat / 100,
      containedConversations: contained.length,
      chatsHandled: desk.handling.chats,
      fromContained: fromContained / 100,
      fromChats: fromChats / 100,
      total: (fromContained + fromChats) / 100,
    },
  };
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const startOf = (steps: ConversationStep[]) => steps.find((s) => s.type === 'started')!.at;

function isContained(steps: ConversationStep[]): boolean {
  if (steps.some((s) => s.type === 'handoff-accepted')) return false;
  const lastFeedback = steps.filter((s) => s.type === 'feedback').pop();
  if (lastFeedback?.type === 'feedback' && !lastFeedback.helped) return false;
  const lastQuestion = steps.filter((s) => ['answered', 'did-you-mean', 'not-understood', 'none-of-these'].includes(s.type)).pop();
  return lastQuestion?.type === 'answered';
}

interface HeldInterval {
  agent: string;
  from: number;
  to: number;
}

type DeskFigures = Pick<Figures, 'queue' | 'handling' | 'ratings' | 'leftMessages' | 'agents'>;

/** Chats and left messages, followed one escalation at a time. */
function deskFigures(escalations: DeskStep[][], options: FigureOptions, inPeriod: (at: string) => boolean): DeskFigures {
  const waits: number[] = [];
  const handled: { agent: string; seconds: number }[] = [];
  const ratings: { agent?: string; rating: number }[] = [];
  const held: HeldInterval[] = [];
  const pickups = new Map<string, number>();
  const replies: number[] = [];
  const leftByReason = new Map<string, number>();
  let queued = 0;
  let abandoned = 0;
  let stillWaiting = 0;
  let left = 0;

  for (const steps of escalations) {
    const start = steps.find((s) => s.type === 'queued' || s.type === 'message-left');
    if (!start || !inPeriod(start.at)) continue;
    if (options.department !== undefined && start.department !== options.department) continue;

    if (start.type === 'message-left') {
      left += 1;
      leftByReason.set(start.reason, (leftByReason.get(start.reason) ?? 0) + 1);
      const answer = steps.find((s) => s.type === 'message-answered');
      if (answer) replies.push(seconds(start.at, answer.at));
      continue;
    }

    queued += 1;
    let holder: { agent: string; since: string } | undefined;
    let pickedUp = false;
    let ended = false;
    let closer: string | undefined;
    for (const s of steps.slice(steps.indexOf(start) + 1)) {
      switch (s.type) {
        case 'picked-up':
          if (!pickedUp) waits.push(seconds(start.at, s.at));
          pickedUp = true;
          holder = { agent: s.agent, since: s.at };
          pickups.set(s.agent, (pickups.get(s.agent) ?? 0) + 1);
          break;
        case 'transferred':
        case 'requeued':
          if (holder) held.push({ agent: holder.agent, from: Date.parse(holder.since), to: Date.parse(s.at) });
          holder = undefined;
          break;
        case 'closed':
          ended = true;
          if (holder) {
            held.push({ agent: holder.agent, from: Date.parse(holder.since), to: Date.parse(s.at) });
            handled.push({ agent: holder.agent, seconds: seconds(holder.since, s.at) });
            closer = holder.agent;
          } else if (!pickedUp && s.because === 'cancelled-by-resident') abandoned += 1;
          holder = undefined;
          break;
        case 'rated':
          ratings.push({ ...(closer !== undefined && { agent: closer }), rating: s.rating });
          break;
      }
    }
    if (holder) held.push({ agent: holder.agent, from: Date.parse(holder.since), to: options.now.getTime() });
    if (!pickedUp && !ended) stillWaiting += 1;
  }

  const agents = [...new Set([...pickups.keys(), ...handled.map((h) => h.agent)])].map((agent) => {
    const theirs = handled.filter((h) => h.agent === agent).map((h) => h.seconds);
    const rated = ratings.filter((r) => r.agent === agent).map((r) => r.rating);
    return {
      agent,
      name: options.names?.agent?.(agent) ?? null,
      pickedUp: pickups.get(agent) ?? 0,
      chats: theirs.length,
      handlingSeconds: spread(theirs),
      ratings: { count: rated.length, average: mean(rated) },
      concurrent: concurrency(held.filter((h) => h.agent === agent)),
    };
  });
  agents.sort((a, b) => b.chats - a.chats || (a.name ?? a.agent).localeCompare(b.name ?? b.agent));

  const answered = replies.length;
  return {
    queue: { queued, pickedUp: waits.length, abandoned, abandonmentRate: ratio(abandoned, queued), stillWaiting, waitSeconds: spread(waits) },
    handling: { chats: handled.length, seconds: spread(handled.map((h) => h.seconds)) },
    ratings: {
      count: ratings.length,
      average: mean(ratings.map((r) => r.rating)),
      distribution: [1, 2, 3, 4, 5].map((rating) => ({ rating, count: ratings.filter((r) => r.rating === rating).length })),
    },
    leftMessages: {
      left,
      answered,
      open: left - answered,
      byReason: UNAVAILABLE_REASONS.map((reason) => ({ reason, count: leftByReason.get(reason) ?? 0 })),
      replySeconds: spread(replies),
    },
    agents,
  };
}

const mean = (values: readonly number[]): number | null => (values.length ? values.reduce((a, b) => a + b, 0) / values.length : null);

/**
 * The most chats an agent held at once, and the time-weighted average while they held any. A chat
 * ending at the moment another starts does not overlap it.
 */
function concurrency(intervals: HeldInterval[]): { peak: number; average: number | null } {
  const changes = intervals.flatMap((i) => [
    { at: i.from, delta: 1 },
    { at: i.to, delta: -1 },
  ]);
  changes.sort((a, b) => a.at - b.at || a.delta - b.delta);
  let holding = 0;
  let peak = 0;
  let busy = 0;
  let chatTime = 0;
  let last = 0;
  for (const c of changes) {
    if (holding > 0) {
      busy += c.at - last;
      chatTime += holding * (c.at - last);
    }
    holding += c.delta;
    peak = Math.max(peak, holding);
    last = c.at;
  }
  return { peak, average: busy === 0 ? null : chatTime / busy };
}
