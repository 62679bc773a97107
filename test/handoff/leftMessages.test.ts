import { openDatabase, SqliteBackend, type Backend } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { SqlLeftMessageStore, type NewLeftMessage } from '../../handoff/leftMessages';
import { SqlEscalationQueue } from '../../handoff/queue';
import { anotherConnection, forEachBackend } from '../db/backends';
import { tempDbFile } from '../tempDb';

const now = new Date('2026-11-25T19:00:00Z');
const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000);

async function setup(backend: Backend) {
  await migrateAll(backend.sql);
  const queue = new SqlEscalationQueue(backend.sql);
  const store = new SqlLeftMessageStore(backend.sql);
  const leave = async (overrides: Partial<NewLeftMessage> = {}, at = now) => {
    const e = await queue.leaveMessage({ conversationId: `c-${Math.random()}`, reference: {}, department: 'waste', priority: 'normal', reason: 'closed' }, at);
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
  return { backend, queue, store, leave };
}

forEachBackend('SqlLeftMessageStore', (fresh) => {
  it('stores a message with its contact as given and one outbox row per channel, due at once', async () => {
    const { store, leave } = await setup(await fresh());
    const m = await leave();
    expect(await store.get(m.escalationId)).toEqual({
      escalationId: m.escalationId,
      question: 'My bin was not emptied on Tuesday',
      contact: { kind: 'email', value: 'resident@example.com' },
      leftAt: now.toISOString(),
      replyBy: '2026-11-26T16:30:00.000Z',
    });
    const deliveries = (await store.deliveries([m.escalationId])).get(m.escalationId)!;
    expect(deliveries.map((d) => [d.channel, d.attempts, d.nextAttemptAt, d.deliveredAt])).toEqual([
      ['email', 0, now.toISOString(), undefined],
      ['webhook', 0, now.toISOString(), undefined],
    ]);
    expect(deliveries[0]!.payload).toEqual({ to: 'waste@testshire.example', subject: 'Message from a resident' });
  });

  it('leaves out reply-by when there is none (no opening in sight)', async () => {
    const { leave } = await setup(await fresh());
    expect(await leave({ replyBy: undefined, contact: { kind: 'phone', value: '07700 900123' } })).not.toHaveProperty('replyBy');
  });

  it('stores a message whole or not at all: a bad outbox row undoes the message', async () => {
    const { store, leave } = await setup(await fresh());
    // SQLite says "UNIQUE constraint failed"; PostgreSQL "duplicate key value violates unique constraint".
    // Matched by message: better-sqlite3's errors can come from another realm under jest.
    await expect(
      leave({
        deliveries: [
          { channel: 'email', payload: {} },
          { channel: 'email', payload: {} },
        ],
      }),
    ).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) });
    expect(await store.list()).toEqual([]);
    expect(await store.due(later(1))).toEqual([]);
  });

  it('lists open, answered or all messages, oldest first', async () => {
    const { store, leave } = await setup(await fresh());
    const second = await leave({}, later(5));
    const first = await leave({}, now);
    const third = await leave({}, later(10));
    expect((await store.answer(second.escalationId, '3', 'Emailed them a new collection date', later(60))).kind).toBe('answered');
    expect((await store.list('open')).map((m) => m.escalationId)).toEqual([first.escalationId, third.escalationId]);
    expect((await store.list('answered')).map((m) => m.escalationId)).toEqual([second.escalationId]);
    expect((await store.list()).map((m) => m.escalationId)).toEqual([first.escalationId, second.escalationId, third.escalationId]);
  });

  it('records a reply once; a second is refused and the first kept', async () => {
    const { store, leave } = await setup(await fresh());
    const m = await leave();
    const first = await store.answer(m.escalationId, '3', 'Called back, collection booked', later(30));
    expect(first).toEqual({
      kind: 'answered',
      message: expect.objectContaining({ answer: { text: 'Called back, collection booked', agentId: '3', at: later(30).toISOString() } }),
    });
    const second = await store.answer(m.escalationId, '4', 'Something else', later(40));
    expect(second.kind).toBe('already-answered');
    expect((await store.get(m.escalationId))?.answer?.agentId).toBe('3');
    expect(await store.answer(9999, '3', 'x', later(40))).toEqual({ kind: 'not-found' });
  });

  it('hands out due rows soonest first, and reschedules or retires them as they fail or succeed', async () => {
    const { store, leave } = await setup(await fresh());
    const a = await leave({}, now);
    const [email, webhook] = (await store.deliveries([a.escalationId])).get(a.escalationId)!;
    expect((await store.due(now)).map((d) => d.id)).toEqual([email!.id, webhook!.id]);

    await store.markFailed(email!.id, 'HTTP 500', later(1));
    await store.markDelivered(webhook!.id, now);
    expect(await store.due(now)).toEqual([]);
    const failed = await store.due(later(1));
    expect(failed).toEqual([expect.objectContaining({ id: email!.id, attempts: 1, lastError: 'HTTP 500', nextAttemptAt: later(1).toISOString() })]);

    await store.markDelivered(email!.id, later(1));
    expect(await store.due(later(600))).toEqual([]);
    expect((await store.deliveries([a.escalationId])).get(a.escalationId)!.map((d) => [d.attempts, d.deliveredAt])).toEqual([
      [2, later(1).toISOString()],
      [1, now.toISOString()],
    ]);
  });

  it('does not touch a delivered row again (a late failure report from a duplicate run is ignored)', async () => {
    const { store, leave } = await setup(await fresh());
    const m = await leave({ deliveries: [{ channel: 'webhook', payload: {} }] });
    const [d] = await store.due(now);
    await store.markDelivered(d!.id, now);
    await store.markFailed(d!.id, 'HTTP 502', later(1));
    expect((await store.deliveries([m.escalationId])).get(m.escalationId)).toEqual([expect.objectContaining({ attempts: 1, deliveredAt: now.toISOString() })]);
    expect((await store.deliveries([m.escalationId])).get(m.escalationId)![0]).not.toHaveProperty('lastError');
  });

  it('gives every id asked about an entry, empty when it has no deliveries', async () => {
    const { store, leave } = await setup(await fresh());
    const m = await leave({ deliveries: [] });
    expect(await store.deliveries([m.escalationId, 4242])).toEqual(
      new Map([
        [m.escalationId, []],
        [4242, []],
      ]),
    );
  });

  it('rolls back everything done inside atomically() when the work throws', async () => {
    const { store, queue, leave } = await setup(await fresh());
    const m = await leave();
    await expect(
      store.atomically(async (tx) => {
        await store.on(tx).answer(m.escalationId, '3', 'Replied', later(5));
        await queue.on(tx).close(m.escalationId, 'message-answered', later(5));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await store.get(m.escalationId)).not.toHaveProperty('answer');
    expect((await queue.get(m.escalationId))?.status).toBe('message');
  });

  it('lets one sender claim a due row until the time it gives, and none claim a delivered one', async () => {
    const { store, leave } = await setup(await fresh());
    const m = await leave({ deliveries: [{ channel: 'webhook', payload: {} }] });
    const [d] = await store.due(now);
    const first = await store.claim(d!.id, now, later(1));
    expect(first).toEqual({ id: d!.id, token: expect.any(String), until: later(1) });
    expect(await store.claim(d!.id, now, later(1))).toBeUndefined();
    expect(await store.due(now)).toEqual([]);
    // The claimant died mid-send: the row is due again when its claim runs out.
    expect((await store.due(later(1))).map((x) => x.id)).toEqual([d!.id]);
    const second = await store.claim(d!.id, later(1), later(2));
    expect(second?.token).toEqual(expect.any(String));
    expect(second?.token).not.toBe(first?.token);
    expect(await store.markDelivered(d!.id, later(1), second!.token)).toBe('recorded');
    expect(await store.claim(d!.id, later(5), later(6))).toBeUndefined();
    expect((await store.deliveries([m.escalationId])).get(m.escalationId)).toEqual([expect.objectContaining({ attempts: 1, deliveredAt: later(1).toISOString() })]);
  });

  it('records nothing for a sender whose claim ran out and was taken: the new holder records the send', async () => {
    const { store, leave } = await setup(await fresh());
    const m = await leave({ deliveries: [{ channel: 'webhook', payload: {} }] });
    const [d] = await store.due(now);
    const lost = (await store.claim(d!.id, now, later(1)))!;
    const taken = (await store.claim(d!.id, later(1), later(3)))!;
    const row = async () => (await store.deliveries([m.escalationId])).get(m.escalationId)![0]!;
    const before = await row();

    expect(await store.markDelivered(d!.id, later(2), lost.token)).toBe('not-held');
    expect(await store.markFailed(d!.id, 'HTTP 504', later(9), lost.token)).toBe('not-held');
    // A sender with no claim at all cannot record over one either.
    expect(await store.markDelivered(d!.id, later(2))).toBe('not-held');
    expect(await row()).toEqual(before);
    expect(before).toEqual(expect.objectContaining({ attempts: 0, nextAttemptAt: later(3).toISOString() }));
    expect(before).not.toHaveProperty('deliveredAt');
    expect(await store.due(later(2))).toEqual([]);

    expect(await store.markFailed(d!.id, 'HTTP 500', later(4), taken.token)).toBe('recorded');
    // A failure frees the row: the token that recorded it does not hold it any more, the next claim does.
    expect(await store.markDelivered(d!.id, later(4), taken.token)).toBe('not-held');
    const retry = (await store.claim(d!.id, later(4), later(5)))!;
    expect(await store.markDelivered(d!.id, later(4), retry.token)).toBe('recorded');
    expect(await row()).toEqual(expect.objectContaining({ attempts: 2, lastError: 'HTTP 500', deliveredAt: later(4).toISOString() }));
  });

  it('records one reply of two agents answering at once on two instances', async () => {
    const backend = await fresh();
    const { store, leave } = await setup(backend);
    const other = await anotherConnection(backend);
    try {
      const elsewhere = new SqlLeftMessageStore(other.sql);
      for (let round = 0; round < 20; round++) {
        const m = await leave();
        const results = await Promise.all([store.answer(m.escalationId, '3', 'Ann replied', later(5)), elsewhere.answer(m.escalationId, '4', 'Bob replied', later(5))]);
        expect(results.map((r) => r.kind).sort()).toEqual(['already-answered', 'answered']);
        const winner = results[0]!.kind === 'answered' ? '3' : '4';
        expect((await store.get(m.escalationId))?.answer?.agentId).toBe(winner);
      }
    } finally {
      await other.close();
    }
  });
});

describe('SqlLeftMessageStore on a SQLite file', () => {
  it('keeps messages and due deliveries across a restart (the SQLite file is closed and reopened)', async () => {
    const file = tempDbFile();
    const before = await setup(new SqliteBackend(openDatabase(file)));
    const m = await before.leave();
    await before.store.markFailed((await before.store.due(now))[0]!.id, 'connect ECONNREFUSED', later(1));
    await before.backend.close();

    const after = await setup(new SqliteBackend(openDatabase(file)));
    expect((await after.store.get(m.escalationId))?.question).toBe('My bin was not emptied on Tuesday');
    expect((await after.store.due(later(1))).map((d) => [d.channel, d.attempts, d.lastError])).toEqual([
      ['webhook', 0, undefined],
      ['email', 1, 'connect ECONNREFUSED'],
    ]);
    await after.backend.close();
  });
});
