import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { migrateStore, openDatabase, SqliteBackend, type Backend } from '../../bot/db';
import { ESCALATIONS_SCHEMA, SqlEscalationQueue, type NewEscalation } from '../../handoff/queue';
import { anotherConnection, forEachBackend } from '../db/backends';
import { tempDbFile } from '../tempDb';

const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 10, minute));
const escalation = (conversationId: string, extra: Partial<NewEscalation> = {}): NewEscalation => ({
  conversationId,
  reference: { conversation: { id: conversationId }, serviceUrl: 'http://localhost' },
  department: 'waste',
  priority: 'normal',
  reason: 'asked',
  ...extra,
});

forEachBackend('SqlEscalationQueue', (fresh) => {
  let queue: SqlEscalationQueue;
  beforeEach(async () => {
    const backend = await fresh();
    await migrateStore(backend.sql, ESCALATIONS_SCHEMA);
    queue = new SqlEscalationQueue(backend.sql);
  });

  it('queues residents in order and tells each their place', async () => {
    expect(await queue.enqueue(escalation('a'), at(0))).toMatchObject({ kind: 'queued', position: 1 });
    expect(await queue.enqueue(escalation('b'), at(1))).toMatchObject({ kind: 'queued', position: 2 });
    expect((await queue.waiting()).map((e) => e.conversationId)).toEqual(['a', 'b']);
  });

  it('keeps the conversation reference and details as given', async () => {
    const { escalation: e } = await queue.enqueue(escalation('a', { entryId: 'bins-missed-collection', summary: 'Missed bin' }), at(0));
    expect(await queue.get(e.id)).toEqual({
      id: e.id,
      conversationId: 'a',
      reference: { conversation: { id: 'a' }, serviceUrl: 'http://localhost' },
      department: 'waste',
      priority: 'normal',
      reason: 'asked',
      entryId: 'bins-missed-collection',
      summary: 'Missed bin',
      status: 'waiting',
      queuedAt: '2026-11-25T10:00:00.000Z',
    });
  });

  it('serves high priority first, then the longest waiting', async () => {
    await queue.enqueue(escalation('a'), at(0));
    await queue.enqueue(escalation('b'), at(1));
    const urgent = await queue.enqueue(escalation('c', { priority: 'high', reason: 'urgent' }), at(2));
    expect(urgent).toMatchObject({ kind: 'queued', position: 1 });
    expect((await queue.waiting()).map((e) => e.conversationId)).toEqual(['c', 'a', 'b']);
    expect(await queue.position((await queue.openFor('a'))!.id)).toBe(2);
  });

  it('counts places within a department only', async () => {
    await queue.enqueue(escalation('a'), at(0));
    expect(await queue.enqueue(escalation('b', { department: 'housing' }), at(1))).toMatchObject({ position: 1 });
    expect((await queue.waiting(['housing'])).map((e) => e.conversationId)).toEqual(['b']);
  });

  it('does not queue a conversation twice', async () => {
    const first = await queue.enqueue(escalation('a'), at(0));
    expect(await queue.enqueue(escalation('a'), at(5))).toEqual({ kind: 'already-open', escalation: first.escalation, position: 1 });
    expect(await queue.waiting()).toHaveLength(1);
  });

  it('gives a pick-up to the first agent only', async () => {
    const { escalation: e } = await queue.enqueue(escalation('a'), at(0));
    expect(await queue.pickup(e.id, 'ann', at(3))).toMatchObject({ kind: 'picked', escalation: { status: 'active', agentId: 'ann', pickedUpAt: '2026-11-25T10:03:00.000Z' } });
    expect(await queue.pickup(e.id, 'bob', at(3))).toEqual({ kind: 'taken', agentId: 'ann' });
    expect(await queue.pickup(999, 'bob', at(3))).toEqual({ kind: 'not-found' });
    expect(await queue.position(e.id)).toBeUndefined();
    expect((await queue.active('ann')).map((x) => x.id)).toEqual([e.id]);
  });

  it('moves the queue up when someone is picked up', async () => {
    const a = (await queue.enqueue(escalation('a'), at(0))).escalation;
    const b = (await queue.enqueue(escalation('b'), at(1))).escalation;
    await queue.pickup(a.id, 'ann', at(2));
    expect(await queue.position(b.id)).toBe(1);
  });

  it('takes the next escalation for an agent’s departments', async () => {
    await queue.enqueue(escalation('a', { department: 'housing' }), at(0));
    await queue.enqueue(escalation('b'), at(1));
    expect((await queue.takeNext('ann', ['waste'], at(2)))?.conversationId).toBe('b');
    expect(await queue.takeNext('ann', ['waste'], at(2))).toBeUndefined();
  });

  it('transfers to another department keeping priority and place in time', async () => {
    const urgent = (await queue.enqueue(escalation('a', { priority: 'high' }), at(0))).escalation;
    await queue.enqueue(escalation('b', { department: 'housing' }), at(1));
    await queue.pickup(urgent.id, 'ann', at(2));
    const moved = await queue.transfer(urgent.id, 'housing');
    expect(moved).toMatchObject({ kind: 'done', escalation: { status: 'waiting', department: 'housing', priority: 'high', queuedAt: urgent.queuedAt } });
    expect(moved.kind === 'done' && moved.escalation.agentId).toBeUndefined();
    expect((await queue.waiting(['housing'])).map((e) => e.conversationId)).toEqual(['a', 'b']);
  });

  it('returns an agent’s chat to its queue', async () => {
    const e = (await queue.enqueue(escalation('a'), at(0))).escalation;
    await queue.pickup(e.id, 'ann', at(1));
    expect(await queue.requeue(e.id, 'ann')).toMatchObject({ kind: 'done', escalation: { status: 'waiting', department: 'waste' } });
    expect(await queue.position(e.id)).toBe(1);
  });

  it('closes once, and a closed conversation can be queued again', async () => {
    const e = (await queue.enqueue(escalation('a'), at(0))).escalation;
    expect(await queue.close(e.id, 'resolved', at(9))).toMatchObject({ kind: 'done', escalation: { status: 'closed', closedBecause: 'resolved' } });
    expect(await queue.close(e.id, 'resolved', at(9))).toEqual({ kind: 'refused', status: 'closed' });
    expect(await queue.pickup(e.id, 'ann', at(9))).toEqual({ kind: 'not-waiting', status: 'closed' });
    expect(await queue.openFor('a')).toBeUndefined();
    expect(await queue.enqueue(escalation('a'), at(10))).toMatchObject({ kind: 'queued', position: 1 });
  });

  it('answers not-found for unknown escalations', async () => {
    expect(await queue.transfer(42, 'waste')).toEqual({ kind: 'not-found' });
    expect(await queue.requeue(42, 'ann')).toEqual({ kind: 'not-found' });
    expect(await queue.close(42, 'x', at(0))).toEqual({ kind: 'not-found' });
  });

  describe('left messages, handling times and ratings', () => {
    it('keeps a left message out of the live queue until an agent answers and closes it', async () => {
      const m = await queue.leaveMessage(escalation('a', { reason: 'closed' }), at(0));
      expect(m).toMatchObject({ status: 'message', reason: 'closed' });
      expect(await queue.waiting()).toEqual([]);
      expect(await queue.openFor('a')).toBeUndefined();
      expect((await queue.messages(['waste'])).map((e) => e.id)).toEqual([m.id]);
      expect(await queue.messages(['housing'])).toEqual([]);
      expect(await queue.pickup(m.id, 'ann', at(1))).toEqual({ kind: 'not-waiting', status: 'message' });
      expect(await queue.close(m.id, 'message-answered', at(2))).toMatchObject({ kind: 'done', escalation: { status: 'closed' } });
      expect(await queue.messages()).toEqual([]);
    });

    it('gives the department’s recent handling times, newest first, only for chats picked up and closed', async () => {
      const chat = async (id: string, pickup: number, close: number, department = 'waste') => {
        const e = (await queue.enqueue(escalation(id, { department }), at(0))).escalation;
        await queue.pickup(e.id, 'ann', at(pickup));
        await queue.close(e.id, 'closed-by-agent', at(close));
      };
      await chat('a', 1, 6);
      await chat('b', 2, 14);
      await chat('c', 3, 4, 'housing');
      const cancelled = (await queue.enqueue(escalation('d'), at(0))).escalation;
      await queue.close(cancelled.id, 'cancelled-by-resident', at(20));
      expect(await queue.handlingMinutes('waste', at(0))).toEqual([12, 5]);
      expect(await queue.handlingMinutes('waste', at(10))).toEqual([12]);
      expect(await queue.handlingMinutes('waste', at(0), 1)).toHaveLength(1);
    });

    const awaiting = async (conversationId: string, since: Date) => (await queue.forResident(conversationId, since)).awaitingRating;

    it("finds a resident's open chat and the last chat closed awaiting their rating in one look", async () => {
      expect(await queue.forResident('a', at(0))).toEqual({});
      const first = (await queue.enqueue(escalation('a'), at(0))).escalation;
      await queue.pickup(first.id, 'ann', at(1));
      await queue.close(first.id, 'closed-by-agent', at(2));
      const second = (await queue.enqueue(escalation('a'), at(3))).escalation;
      await queue.pickup(second.id, 'ann', at(4));
      await queue.close(second.id, 'closed-by-agent', at(5));
      const third = (await queue.enqueue(escalation('a'), at(6))).escalation;
      const seen = await queue.forResident('a', at(0));
      expect(seen.open?.id).toBe(third.id);
      expect(seen.open?.status).toBe('waiting');
      expect(seen.awaitingRating?.id).toBe(second.id);
      expect(await queue.forResident('b', at(0))).toEqual({});
    });

    it('takes one rating per closed chat, and none once the resident moved on', async () => {
      const a = (await queue.enqueue(escalation('a'), at(0))).escalation;
      await queue.pickup(a.id, 'ann', at(1));
      expect(await awaiting('a', at(0))).toBeUndefined(); // still open
      await queue.close(a.id, 'closed-by-agent', at(5));
      expect((await awaiting('a', at(0)))?.id).toBe(a.id);
      expect(await awaiting('a', at(6))).toBeUndefined(); // closed before the window
      expect(await queue.rate(a.id, 5)).toBe(true);
      expect(await queue.rate(a.id, 1)).toBe(false);
      expect((await queue.get(a.id))?.rating).toBe(5);
      await expect(queue.rate(a.id, 6)).rejects.toThrow(RangeError);

      const b = (await queue.enqueue(escalation('b'), at(0))).escalation;
      await queue.pickup(b.id, 'ann', at(1));
      await queue.close(b.id, 'closed-by-agent', at(5));
      await queue.declineRating(b.id);
      expect(await awaiting('b', at(0))).toBeUndefined();
      // A handed-back chat is not asked for a rating.
      const c = (await queue.enqueue(escalation('c'), at(0))).escalation;
      await queue.pickup(c.id, 'ann', at(1));
      await queue.close(c.id, 'handed-back', at(5));
      expect(await awaiting('c', at(0))).toBeUndefined();
    });
  });
});


/**
 * Two instances on one database, as behind a load balancer: each has its own connection (SQLite)
 * or pool (PostgreSQL), and the calls really overlap on PostgreSQL.
 */
forEachBackend('SqlEscalationQueue on two instances', (fresh) => {
  let first: SqlEscalationQueue;
  let second: SqlEscalationQueue;
  let other: Backend | undefined;
  beforeEach(async () => {
    const backend = await fresh();
    await migrateStore(backend.sql, ESCALATIONS_SCHEMA);
    other = await anotherConnection(backend);
    first = new SqlEscalationQueue(backend.sql);
    second = new SqlEscalationQueue(other.sql);
  });
  afterEach(async () => {
    await other?.close();
  });

  it('gives each escalation to exactly one of two agents picking it up at once, 50 times over', async () => {
    for (let round = 0; round < 50; round++) {
      const { escalation: e } = await first.enqueue(escalation(`c${round}`), at(0));
      const results = await Promise.all([first.pickup(e.id, 'ann', at(1)), second.pickup(e.id, 'bob', at(1))]);
      const winners = results.filter((r) => r.kind === 'picked');
      expect(winners).toHaveLength(1);
      const winner = results[0]!.kind === 'picked' ? 'ann' : 'bob';
      expect(results.filter((r) => r.kind === 'taken')).toEqual([{ kind: 'taken', agentId: winner }]);
      expect(await first.get(e.id)).toMatchObject({ status: 'active', agentId: winner });
    }
  });

  it('never hands the same escalation to two agents taking the next at once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) ids.push((await first.enqueue(escalation(`c${i}`), at(i))).escalation.id);
    const takeAll = async (queue: SqlEscalationQueue, agent: string) => {
      const got: number[] = [];
      for (let e = await queue.takeNext(agent, ['waste'], at(40)); e; e = await queue.takeNext(agent, ['waste'], at(40))) {
        expect(e).toMatchObject({ status: 'active', agentId: agent });
        got.push(e.id);
      }
      return got;
    };
    // Two agents on each instance, all taking at once.
    const taken = (await Promise.all([takeAll(first, 'ann'), takeAll(second, 'bob'), takeAll(first, 'cat'), takeAll(second, 'dan')])).flat();
    expect([...taken].sort((a, b) => a - b)).toEqual(ids);
    const holders = new Map((await first.active()).map((e) => [e.id, e.agentId]));
    expect(holders.size).toBe(30);
  });

  it('keeps one open escalation when the same conversation is enqueued twice at once', async () => {
    for (let round = 0; round < 20; round++) {
      const results = await Promise.all([first.enqueue(escalation(`c${round}`), at(0)), second.enqueue(escalation(`c${round}`), at(0))]);
      expect(results.map((r) => r.kind).sort()).toEqual(['already-open', 'queued']);
      const queued = results.find((r) => r.kind === 'queued')!;
      expect(results.find((r) => r.kind === 'already-open')!.escalation.id).toBe(queued.escalation.id);
    }
    expect((await first.waiting()).map((e) => e.conversationId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `c${i}`).sort());
  });
});

describe('SqlEscalationQueue on a SQLite file', () => {
  it('keeps the queue across a restart', async () => {
    const file = tempDbFile();
    const first = new SqliteBackend(openDatabase(file));
    await migrateStore(first.sql, ESCALATIONS_SCHEMA);
    await new SqlEscalationQueue(first.sql).enqueue(escalation('a'), at(0));
    await first.close();
    const again = new SqliteBackend(openDatabase(file));
    await migrateStore(again.sql, ESCALATIONS_SCHEMA);
    expect((await new SqlEscalationQueue(again.sql).waiting()).map((e) => e.conversationId)).toEqual(['a']);
    await again.close();
  });
});

describe('atomic pick-up across processes', () => {
  const run = promisify(execFile);
  const worker = path.join(__dirname, 'fixtures', 'pickupWorker.ts');
  const agents = ['ann', 'bob', 'cat', 'dan'];
  const spawnAll = (file: string, what: string) => {
    // Far enough ahead that every process has loaded before the shared start.
    const start = String(Date.now() + 4000);
    return Promise.all(agents.map((a) => run('node', ['--import', 'tsx', worker, file, a, start, what], { env: { ...process.env, DOTENV_CONFIG_QUIET: 'true' } })));
  };

  it('gives one escalation to exactly one of four agents clicking at once', async () => {
    const file = tempDbFile();
    const backend = new SqliteBackend(openDatabase(file));
    await migrateStore(backend.sql, ESCALATIONS_SCHEMA);
    const { escalation: e } = await new SqlEscalationQueue(backend.sql).enqueue(escalation('a'), at(0));
    await backend.close();
    const results = (await spawnAll(file, String(e.id))).map((r) => JSON.parse(r.stdout) as { kind: string; agentId?: string });
    const winners = results.filter((r) => r.kind === 'picked');
    expect(winners).toHaveLength(1);
    const winner = agents[results.indexOf(winners[0]!)];
    expect(results.filter((r) => r.kind === 'taken')).toEqual(Array(3).fill({ kind: 'taken', agentId: winner }));
  }, 60_000);

  it('hands out 40 escalations to four agents with none lost or given twice', async () => {
    const file = tempDbFile();
    const backend = new SqliteBackend(openDatabase(file));
    await migrateStore(backend.sql, ESCALATIONS_SCHEMA);
    const queue = new SqlEscalationQueue(backend.sql);
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await queue.enqueue(escalation(`c${i}`), at(i))).escalation.id);
    await backend.close();
    const taken = (await spawnAll(file, 'all')).flatMap((r) => JSON.parse(r.stdout) as number[]);
    expect([...taken].sort((a, b) => a - b)).toEqual(ids);
  }, 60_000);
});
