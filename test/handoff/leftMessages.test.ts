import { openDatabase } from '../../bot/db';
import { SqliteLeftMessageStore, type NewLeftMessage } from '../../handoff/leftMessages';
import { SqliteEscalationQueue } from '../../handoff/queue';
import { tempDbFile } from '../tempDb';

const now = new Date('2026-11-25T19:00:00Z');
const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

function setup(file = ':memory:') {
  const db = openDatabase(file);
  const queue = new SqliteEscalationQueue(db);
  const store = new SqliteLeftMessageStore(db);
  const leave = (overrides: Partial<NewLeftMessage> = {}, at = now) => {
    const e = queue.leaveMessage({ conversationId: `c-${Math.random()}`, reference: {}, department: 'waste', priority: 'normal', reason: 'closed' }, at);
    return store.add(
      {
        escalationId: e.id,
        question: 'My bin was not emptied on Tuesday',
        contact: { kind: 'email', value: 'resident@example.com' },
        replyBy: new Date('2026-11-26T16:30:00Z'),
        deliveries: [
          { channel: 'email', payload: { to: 'waste@testshire.example', subject: 'Message from a resident' } },
          { channel: 'webhook', payload: { escalationId: e.id } },
        ],
        ...overrides,
      },
      at,
    );
  };
  return { db, queue, store, leave };
}

describe('SqliteLeftMessageStore', () => {
  it('stores a message with its contact as given and one outbox row per channel, due at once', () => {
    const { store, leave } = setup();
    const m = leave();
    expect(store.get(m.escalationId)).toEqual({
      escalationId: m.escalationId,
      question: 'My bin was not emptied on Tuesday',
      contact: { kind: 'email', value: 'resident@example.com' },
      leftAt: now.toISOString(),
      replyBy: '2026-11-26T16:30:00.000Z',
    });
    const deliveries = store.deliveries([m.escalationId]).get(m.escalationId)!;
    expect(deliveries.map((d) => [d.channel, d.attempts, d.nextAttemptAt, d.deliveredAt])).toEqual([
      ['email', 0, now.toISOString(), undefined],
      ['webhook', 0, now.toISOString(), undefined],
    ]);
    expect(deliveries[0]!.payload).toEqual({ to: 'waste@testshire.example', subject: 'Message from a resident' });
  });

  it('leaves out reply-by when there is none (no opening in sight)', () => {
    const { leave } = setup();
    expect(leave({ replyBy: undefined, contact: { kind: 'phone', value: '07700 900123' } })).not.toHaveProperty('replyBy');
  });

  it('stores a message whole or not at all: a bad outbox row undoes the message', () => {
    const { store, leave } = setup();
    expect(() =>
      leave({
        deliveries: [
          { channel: 'email', payload: {} },
          { channel: 'email', payload: {} },
        ],
      }),
    ).toThrow(/UNIQUE/);
    expect(store.list()).toEqual([]);
    expect(store.due(later(1))).toEqual([]);
  });

  it('lists open, answered or all messages, oldest first', () => {
    const { store, leave } = setup();
    const second = leave({}, later(5));
    const first = leave({}, now);
    const third = leave({}, later(10));
    expect(store.answer(second.escalationId, '3', 'Emailed them a new collection date', later(60)).kind).toBe('answered');
    expect(store.list('open').map((m) => m.escalationId)).toEqual([first.escalationId, third.escalationId]);
    expect(store.list('answered').map((m) => m.escalationId)).toEqual([second.escalationId]);
    expect(store.list().map((m) => m.escalationId)).toEqual([first.escalationId, second.escalationId, third.escalationId]);
  });

  it('records a reply once; a second is refused and the first kept', () => {
    const { store, leave } = setup();
    const m = leave();
    const first = store.answer(m.escalationId, '3', 'Called back, collection booked', later(30));
    expect(first).toEqual({
      kind: 'answered',
      message: expect.objectContaining({ answer: { text: 'Called back, collection booked', agentId: '3', at: later(30).toISOString() } }),
    });
    const second = store.answer(m.escalationId, '4', 'Something else', later(40));
    expect(second.kind).toBe('already-answered');
    expect(store.get(m.escalationId)?.answer?.agentId).toBe('3');
    expect(store.answer(9999, '3', 'x', later(40))).toEqual({ kind: 'not-found' });
  });

  it('hands out due rows soonest first, and reschedules or retires them as they fail or succeed', () => {
    const { store, leave } = setup();
    const a = leave({}, now);
    const [email, webhook] = store.deliveries([a.escalationId]).get(a.escalationId)!;
    expect(store.due(now).map((d) => d.id)).toEqual([email!.id, webhook!.id]);

    store.markFailed(email!.id, 'HTTP 500', later(1));
    store.markDelivered(webhook!.id, now);
    expect(store.due(now)).toEqual([]);
    const failed = store.due(later(1));
    expect(failed).toEqual([expect.objectContaining({ id: email!.id, attempts: 1, lastError: 'HTTP 500', nextAttemptAt: later(1).toISOString() })]);

    store.markDelivered(email!.id, later(1));
    expect(store.due(later(600))).toEqual([]);
    expect(store.deliveries([a.escalationId]).get(a.escalationId)!.map((d) => [d.attempts, d.deliveredAt])).toEqual([
      [2, later(1).toISOString()],
      [1, now.toISOString()],
    ]);
  });

  it('does not touch a delivered row again (a late failure report from a duplicate run is ignored)', () => {
    const { store, leave } = setup();
    const m = leave({ deliveries: [{ channel: 'webhook', payload: {} }] });
    const [d] = store.due(now);
    store.markDelivered(d!.id, now);
    store.markFailed(d!.id, 'HTTP 502', later(1));
    expect(store.deliveries([m.escalationId]).get(m.escalationId)).toEqual([expect.objectContaining({ attempts: 1, deliveredAt: now.toISOString() })]);
    expect(store.deliveries([m.escalationId]).get(m.escalationId)![0]).not.toHaveProperty('lastError');
  });

  it('gives every id asked about an entry, empty when it has no deliveries', () => {
    const { store, leave } = setup();
    const m = leave({ deliveries: [] });
    expect(store.deliveries([m.escalationId, 4242])).toEqual(
      new Map([
        [m.escalationId, []],
        [4242, []],
      ]),
    );
  });

  it('rolls back everything done inside atomically() when the work throws', () => {
    const { store, queue, leave } = setup();
    const m = leave();
    expect(() =>
      store.atomically(() => {
        store.answer(m.escalationId, '3', 'Replied', later(5));
        queue.close(m.escalationId, 'message-answered', later(5));
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(store.get(m.escalationId)).not.toHaveProperty('answer');
    expect(queue.get(m.escalationId)?.status).toBe('message');
  });

  it('keeps messages and due deliveries across a restart (the SQLite file is closed and reopened)', () => {
    const file = tempDbFile();
    const before = setup(file);
    const m = before.leave();
    before.store.markFailed(before.store.due(now)[0]!.id, 'connect ECONNREFUSED', later(1));
    before.db.close();

    const after = setup(file);
    expect(after.store.get(m.escalationId)?.question).toBe('My bin was not emptied on Tuesday');
    expect(after.store.due(later(1)).map((d) => [d.channel, d.attempts, d.lastError])).toEqual([
      ['webhook', 0, undefined],
      ['email', 1, 'connect ECONNREFUSED'],
    ]);
    after.db.close();
  });
});
