import type { ConversationEvent, DeskRecord, StoredEvent } from '../../../handoff/reporting/events';
import { figures, percentile90, spread, type FigureOptions } from '../../../handoff/reporting/figures';

/**
 * The definitions behind the figures, case by case, on events written out by hand. The seeded test
 * (seeded.test.ts) checks the same function on events the real bot and desk recorded.
 */

const OPTIONS: FigureOptions = {
  from: '2026-11-23',
  to: '2026-11-24',
  timeZone: 'Europe/London',
  costs: { perCall: 3, perChat: 2 },
  now: new Date('2026-11-24T18:00:00Z'),
};

/** A conversation's steps, one minute apart from `start`. */
function conversation(id: string, start: string, steps: ConversationEvent[]): StoredEvent[] {
  return [{ type: 'started' } as ConversationEvent, ...steps].map((s, i) => ({ ...s, conversation: id, at: new Date(Date.parse(start) + i * 60_000).toISOString() }));
}
const desk = (at: string, e: DeskRecord): StoredEvent => ({ ...e, at });
const answered = (entry: string, department = 'waste'): ConversationEvent => ({ type: 'answered', entry, department, via: 'question' });
const feedback = (entry: string, helped: boolean): ConversationEvent => ({ type: 'feedback', entry, department: 'waste', helped });

describe('containment', () => {
  it.each<[string, ConversationEvent[], boolean]>([
    ['an answer: contained', [answered('bins')], true],
    ['small talk only: contained', [answered('greeting', 'customer-services')], true],
    ['an answer that helped: contained', [answered('bins'), feedback('bins', true)], true],
    ['an answer that did not help: not contained', [answered('bins'), feedback('bins', false)], false],
    ['No, then another answer that helped: contained', [answered('bins'), feedback('bins', false), answered('tip'), feedback('tip', true)], true],
    ['Yes, then a later No: not contained', [answered('bins'), feedback('bins', true), answered('tip'), feedback('tip', false)], false],
    ['not understood last: not contained', [answered('bins'), { type: 'not-understood' }], false],
    ['not understood, then answered: contained', [{ type: 'not-understood' }, answered('bins')], true],
    ['a "Did you mean" left unpicked: not contained', [{ type: 'did-you-mean', entries: ['bins'] }], false],
    ['"None of these": not contained', [{ type: 'did-you-mean', entries: ['bins'] }, { type: 'none-of-these' }], false],
    ['a person offered and declined after an answer: contained', [answered('bins'), { type: 'handoff-offered', reason: 'topic', department: 'waste' }, { type: 'handoff-declined', reason: 'topic', department: 'waste' }], true],
    ['a person accepted, even if nobody could chat: not contained', [answered('bins'), { type: 'handoff-accepted', reason: 'topic', department: 'waste' }, { type: 'handoff-unavailable', reason: 'closed', department: 'waste' }], false],
  ])('%s', (_, steps, contained) => {
    const f = figures(conversation('c', '2026-11-23T10:00:00Z', steps), OPTIONS);
    expect(f.conversations).toMatchObject({ started: 1, contained: contained ? 1 : 0 });
  });
});

describe('which conversations, chats and messages count', () => {
  it('counts a conversation on the day it started on the council’s clocks, and its later steps with it', () => {
    const events = [
      // 23:30 on Sunday 22 November in UTC is still Sunday in London (GMT): before the period.
      ...conversation('sunday', '2026-11-22T23:30:00Z', [answered('bins')]),
      // Started on the last day of the period, answered after midnight: counted, with its answer.
      ...conversation('late', '2026-11-24T23:59:30Z', [answered('bins')]),
    ];
    const f = figures(events, OPTIONS);
    expect(f.conversations.started).toBe(1);
    expect(f.topEntries).toEqual([{ entry: 'bins', title: null, answered: 1 }]);
    expect(f.daily.map((d) => d.conversations)).toEqual([0, 1]);
  });

  it('uses the zone’s clocks in summer time too', () => {
    // 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    const f = figures(conversation('c', '2026-06-30T23:30:00Z', [answered('bins')]), { ...OPTIONS, from: '2026-07-01', to: '2026-07-01' });
    expect(f.conversations.started).toBe(1);
    expect(f.busiestHours.conversations[2]![0]).toBe(1); // Wednesday 1 July, 00:00-01:00
  });

  it('leaves out steps of a conversation that started before the reports began (no "started")', () => {
    const events: StoredEvent[] = [{ type: 'answered', entry: 'bins', department: 'waste', via: 'question', conversation: 'old', at: '2026-11-23T10:00:00.000Z' }];
    expect(figures(events, OPTIONS).questions.asked).toBe(0);
  });

  it('narrows to a department by any step about it, and chats by the department they were queued for', () => {
    const events = [
      ...conversation('waste', '2026-11-23T10:00:00Z', [answered('bins', 'waste')]),
      ...conversation('tax', '2026-11-23T10:00:00Z', [answered('pay', 'council-tax'), { type: 'handoff-offered', reason: 'feedback', department: 'waste' }]),
      ...conversation('other', '2026-11-23T10:00:00Z', [{ type: 'not-understood' }]),
      desk('2026-11-23T10:00:00Z', { type: 'queued', escalation: 1, department: 'customer-services', priority: 'normal', reason: 'asked' }),
      desk('2026-11-23T10:01:00Z', { type: 'transferred', escalation: 1, from: 'customer-services', department: 'waste' }),
      desk('2026-11-23T10:02:00Z', { type: 'queued', escalation: 2, department: 'waste', priority: 'normal', reason: 'asked' }),
    ];
    const f = figures(events, { ...OPTIONS, department: 'waste' });
    expect(f.conversations.started).toBe(2);
    expect(f.queue.queued).toBe(1);
    expect(figures(events, OPTIONS).conversations.started).toBe(3);
  });
});

describe('questions', () => {
  it('counts each question once: an answer, a "Did you mean" (its pick is no new question) or not understood', () => {
    const f = figures(
      conversation('c', '2026-11-23T10:00:00Z', [
        answered('bins'),
        { type: 'did-you-mean', entries: ['tip', 'bins'] },
        { type: 'answered', entry: 'tip', department: 'waste', via: 'choice' },
        { type: 'not-understood' },
      ]),
      OPTIONS,
    );
    expect(f.questions).toEqual({ asked: 3, answered: 1, didYouMean: 1, notUnderstood: 1, notUnderstoodRate: 1 / 3 });
    // Both answers count for their entries.
    expect(f.topEntries.map((e) => [e.entry, e.answered])).toEqual([
      ['bins', 1],
      ['tip', 1],
    ]);
  });

  it('lists the yes-rate per entry worst first, more answers first on a tie', () => {
    const events = [
      ...conversation('a', '2026-11-23T10:00:00Z', [feedback('tip', false), feedback('bins', true), feedback('bins', false)]),
      ...conversation('b', '2026-11-23T11:00:00Z', [feedback('pay', false), feedback('pay', false), feedback('tax', true)]),
    ];
    expect(figures(events, OPTIONS).feedback.map((e) => [e.entry, e.yes, e.no, e.yesRate])).toEqual([
      ['pay', 0, 2, 0],
      ['tip', 0, 1, 0],
      ['bins', 1, 1, 0.5],
      ['tax', 1, 0, 1],
    ]);
  });

  it('gives rates as null, not 0, when there was nothing to divide', () => {
    const f = figures([], OPTIONS);
    expect(f.conversations).toEqual({ started: 0, contained: 0, containmentRate: null, handedOff: 0, handoffRate: null });
    expect(f.questions.notUnderstoodRate).toBeNull();
    expect(f.queue.waitSeconds).toEqual({ count: 0, median: null, p90: null });
    expect(f.ratings.average).toBeNull();
  });
});

describe('the desk', () => {
  const queued = (at: string, escalation: number): StoredEvent => desk(at, { type: 'queued', escalation, department: 'waste', priority: 'normal', reason: 'asked' });
  const picked = (at: string, escalation: number, agent: string): StoredEvent => desk(at, { type: 'picked-up', escalation, department: 'waste', agent });
  const closed = (at: string, escalation: number, because = 'closed-by-agent'): StoredEvent => desk(at, { type: 'closed', escalation, department: 'waste', because });

  it('measures the wait to the first pick-up, handling from the last pick-up, and gives the rating to the officer who closed', () => {
    const f = figures(
      [
        queued('2026-11-23T10:00:00Z', 1),
        picked('2026-11-23T10:02:00Z', 1, 'ann'),
        desk('2026-11-23T10:05:00Z', { type: 'requeued', escalation: 1, department: 'waste', agent: 'ann' }),
        picked('2026-11-23T10:06:00Z', 1, 'bob'),
        closed('2026-11-23T10:16:00Z', 1),
        desk('2026-11-23T10:17:00Z', { type: 'rated', escalation: 1, department: 'waste', rating: 4 }),
      ],
      OPTIONS,
    );
    expect(f.queue).toMatchObject({ queued: 1, pickedUp: 1, waitSeconds: { count: 1, median: 120, p90: 120 } });
    expect(f.handling).toEqual({ chats: 1, seconds: { count: 1, median: 600, p90: 600 } });
    expect(f.agents.map((a) => [a.agent, a.pickedUp, a.chats, a.ratings])).toEqual([
      ['bob', 1, 1, { count: 1, average: 4 }],
      ['ann', 1, 0, { count: 0, average: null }],
    ]);
  });

  it('counts as abandoned only a resident who left before anyone picked them up', () => {
    const f = figures(
      [
        queued('2026-11-23T10:00:00Z', 1),
        closed('2026-11-23T10:03:00Z', 1, 'cancelled-by-resident'),
        queued('2026-11-23T10:00:00Z', 2),
        picked('2026-11-23T10:01:00Z', 2, 'ann'),
        desk('2026-11-23T10:02:00Z', { type: 'transferred', escalation: 2, from: 'waste', department: 'housing' }),
        closed('2026-11-23T10:04:00Z', 2, 'cancelled-by-resident'),
        queued('2026-11-23T10:00:00Z', 3),
      ],
      OPTIONS,
    );
    expect(f.queue).toMatchObject({ queued: 3, pickedUp: 1, abandoned: 1, abandonmentRate: 1 / 3, stillWaiting: 1 });
  });

  it('finds the most chats an officer held at once; one ending as another starts is no overlap; a chat still open counts to now', () => {
    const f = figures(
      [
        queued('2026-11-24T17:00:00Z', 1),
        picked('2026-11-24T17:00:00Z', 1, 'ann'),
        closed('2026-11-24T17:10:00Z', 1),
        queued('2026-11-24T17:10:00Z', 2),
        picked('2026-11-24T17:10:00Z', 2, 'ann'),
        queued('2026-11-24T17:20:00Z', 3),
        picked('2026-11-24T17:20:00Z', 3, 'ann'),
        closed('2026-11-24T17:30:00Z', 3),
        // Chat 2 is still open at 18:00 (`now`).
      ],
      OPTIONS,
    );
    // 17:00-17:20 one chat, 17:20-17:30 two, 17:30-18:00 one: 70 chat-minutes over 60 minutes.
    expect(f.agents[0]!.concurrent).toEqual({ peak: 2, average: 70 / 60 });
  });

  it('follows left messages to their reply, by why they were left', () => {
    const f = figures(
      [
        desk('2026-11-23T18:00:00Z', { type: 'message-left', escalation: 1, department: 'waste', reason: 'closed' }),
        desk('2026-11-24T09:00:00Z', { type: 'message-answered', escalation: 1, department: 'waste' }),
        desk('2026-11-24T10:00:00Z', { type: 'message-left', escalation: 2, department: 'waste', reason: 'overflow' }),
      ],
      OPTIONS,
    );
    expect(f.leftMessages).toEqual({
      left: 2,
      answered: 1,
      open: 1,
      byReason: [
        { reason: 'closed', count: 1 },
        { reason: 'nobody-on-duty', count: 0 },
        { reason: 'overflow', count: 1 },
      ],
      replySeconds: { count: 1, median: 15 * 3600, p90: 15 * 3600 },
    });
  });
});

describe('money saved', () => {
  it('shows a chat that costs more than a call as a loss, to the penny', () => {
    const events = [
      ...conversation('c', '2026-11-23T10:00:00Z', [answered('bins')]),
      desk('2026-11-23T10:00:00Z', { type: 'queued', escalation: 1, department: 'waste', priority: 'normal', reason: 'asked' }),
      desk('2026-11-23T10:01:00Z', { type: 'picked-up', escalation: 1, department: 'waste', agent: 'ann' }),
      desk('2026-11-23T10:02:00Z', { type: 'closed', escalation: 1, department: 'waste', because: 'handed-back' }),
    ];
    const f = figures(events, { ...OPTIONS, costs: { perCall: 2.1, perChat: 2.3 } });
    expect(f.savings).toEqual({ costPerCall: 2.1, costPerChat: 2.3, containedConversations: 1, chatsHandled: 1, fromContained: 2.1, fromChats: -0.2, total: 1.9 });
  });
});

describe('median and 90th percentile', () => {
  it.each<[number[], number | undefined]>([
    [[], undefined],
    [[5], 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 9],
    [[10, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100], 10],
  ])('the 90th percentile of %j is %p (nearest rank)', (values, p90) => {
    expect(percentile90(values)).toBe(p90);
  });

  it('takes the mean of the two middle values for an even count', () => {
    expect(spread([300, 60, 120, 300])).toEqual({ count: 4, median: 210, p90: 300 });
  });
});
