import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { openDatabase, type Db } from '../../bot/db';
import { SqliteEscalationQueue, type NewEscalation } from '../../handoff/queue';
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

describe('SqliteEscalationQueue', () => {
  let db: Db;
  let queue: SqliteEscalationQueue;
  beforeEach(() => {
    db = openDatabase(':memory:');
    queue = new SqliteEscalationQueue(db);
  });
  afterEach(() => db.close());

  it('queues residents in order and tells each their place', () => {
    expect(queue.enqueue(escalation('a'), at(0))).toMatchObject({ kind: 'queued', position: 1 });
    expect(queue.enqueue(escalation('b'), at(1))).toMatchObject({ kind: 'queued', position: 2 });
    expect(queue.waiting().map((e) => e.conversationId)).toEqual(['a', 'b']);
  });

  it('keeps the conversation reference and details as given', () => {
    const { escalation: e } = queue.enqueue(escalation('a', { entryId: 'bins-missed-collection', summary: 'Missed bin' }), at(0));
    expect(queue.get(e.id)).toEqual({
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

  it('serves high priority first, then the longest waiting', () => {
    queue.enqueue(escalation('a'), at(0));
    queue.enqueue(escalation('b'), at(1));
    const urgent = queue.enqueue(escalation('c', { priority: 'high', reason: 'urgent' }), at(2));
    expect(urgent).toMatchObject({ kind: 'queued', position: 1 });
    expect(queue.waiting().map((e) => e.conversationId)).toEqual(['c', 'a', 'b']);
    expect(queue.position(queue.openFor('a')!.id)).toBe(2);
  });

  it('counts places within a department only', () => {
    queue.enqueue(escalation('a'), at(0));
    expect(queue.enqueue(escalation('b', { department: 'housing' }), at(1))).toMatchObject({ position: 1 });
    expect(queue.waiting(['housing']).map((e) => e.conversationId)).toEqual(['b']);
  });

  it('does not queue a conversation twice', () => {
    const first = queue.enqueue(escalation('a'), at(0));
    expect(queue.enqueue(escalation('a'), at(5))).toEqual({ kind: 'already-open', escalation: first.escalation, position: 1 });
    expect(queue.waiting()).toHaveLength(1);
  });

  it('gives a pick-up to the first agent only', () => {
    const { escalation: e } = queue.enqueue(escalation('a'), at(0));
    expect(queue.pickup(e.id, 'ann', at(3))).toMatchObject({ kind: 'picked', escalation: { status: 'active', agentId: 'ann', pickedUpAt: '2026-11-25T10:03:00.000Z' } });
    expect(queue.pickup(e.id, 'bob', at(3))).toEqual({ kind: 'taken', agentId: 'ann' });
    expect(queue.pickup(999, 'bob', at(3))).toEqual({ kind: 'not-found' });
    expect(queue.position(e.id)).toBeUndefined();
    expect(queue.active('ann').map((x) => x.id)).toEqual([e.id]);
  });

  it('moves the queue up when someone is picked up', () => {
    const a = queue.enqueue(escalation('a'), at(0)).escalation;
    const b = queue.enqueue(escalation('b'), at(1)).escalation;
    queue.pickup(a.id, 'ann', at(2));
    expect(queue.position(b.id)).toBe(1);
  });

  it('takes the next escalation for an agent’s departments', () => {
    queue.enqueue(escalation('a', { department: 'housing' }), at(0));
    queue.enqueue(escalation('b'), at(1));
    expect(queue.takeNext('ann', ['waste'], at(2))?.conversationId).toBe('b');
    expect(queue.takeNext('ann', ['waste'], at(2))).toBeUndefined();
  });

  it('transfers to another department keeping priority and place in time', () => {
    const urgent = queue.enqueue(escalation('a', { priority: 'high' }), at(0)).escalation;
    queue.enqueue(escalation('b', { department: 'housing' }), at(1));
    queue.pickup(urgent.id, 'ann', at(2));
    const moved = queue.transfer(urgent.id, 'housing');
    expect(moved).toMatchObject({ kind: 'done', escalation: { status: 'waiting', department: 'housing', priority: 'high', queuedAt: urgent.queuedAt } });
    expect(moved.kind === 'done' && moved.escalation.agentId).toBeUndefined();
    expect(queue.waiting(['housing']).map((e) => e.conversationId)).toEqual(['a', 'b']);
  });

  it('returns an agent’s chat to its queue', () => {
    const e = queue.enqueue(escalation('a'), at(0)).escalation;
    queue.pickup(e.id, 'ann', at(1));
    expect(queue.requeue(e.id)).toMatchObject({ kind: 'done', escalation: { status: 'waiting', department: 'waste' } });
    expect(queue.position(e.id)).toBe(1);
  });

  it('closes once, and a closed conversation can be queued again', () => {
    const e = queue.enqueue(escalation('a'), at(0)).escalation;
    expect(queue.close(e.id, 'resolved', at(9))).toMatchObject({ kind: 'done', escalation: { status: 'closed', closedBecause: 'resolved' } });
    expect(queue.close(e.id, 'resolved', at(9))).toEqual({ kind: 'refused', status: 'closed' });
    expect(queue.pickup(e.id, 'ann', at(9))).toEqual({ kind: 'not-waiting', status: 'closed' });
    expect(queue.openFor('a')).toBeUndefined();
    expect(queue.enqueue(escalation('a'), at(10))).toMatchObject({ kind: 'queued', position: 1 });
  });

  it('answers not-found for unknown escalations', () => {
    expect(queue.transfer(42, 'waste')).toEqual({ kind: 'not-found' });
    expect(queue.requeue(42)).toEqual({ kind: 'not-found' });
    expect(queue.close(42, 'x', at(0))).toEqual({ kind: 'not-found' });
  });

  it('keeps the queue across a restart', () => {
    const file = tempDbFile();
    const first = openDatabase(file);
    new SqliteEscalationQueue(first).enqueue(escalation('a'), at(0));
    first.close();
    const again = openDatabase(file);
    expect(new SqliteEscalationQueue(again).waiting().map((e) => e.conversationId)).toEqual(['a']);
    again.close();
  });

  describe('left messages, handling times and ratings', () => {
    it('keeps a left message out of the live queue until an agent answers and closes it', () => {
      const m = queue.leaveMessage(escalation('a', { reason: 'closed' }), at(0));
      expect(m).toMatchObject({ status: 'message', reason: 'closed' });
      expect(queue.waiting()).toEqual([]);
      expect(queue.openFor('a')).toBeUndefined();
      expect(queue.messages(['waste']).map((e) => e.id)).toEqual([m.id]);
      expect(queue.messages(['housing'])).toEqual([]);
      expect(queue.pickup(m.id, 'ann', at(1))).toEqual({ kind: 'not-waiting', status: 'message' });
      expect(queue.close(m.id, 'message-answered', at(2))).toMatchObject({ kind: 'done', escalation: { status: 'closed' } });
      expect(queue.messages()).toEqual([]);
    });

    it('gives the department’s recent handling times, newest first, only for chats picked up and closed', () => {
      const chat = (id: string, pickup: number, close: number, department = 'waste') => {
        const e = queue.enqueue(escalation(id, { department }), at(0)).escalation;
        queue.pickup(e.id, 'ann', at(pickup));
        queue.close(e.id, 'closed-by-agent', at(close));
      };
      chat('a', 1, 6);
      chat('b', 2, 14);
      chat('c', 3, 4, 'housing');
      const cancelled = queue.enqueue(escalation('d'), at(0)).escalation;
      queue.close(cancelled.id, 'cancelled-by-resident', at(20));
      expect(queue.handlingMinutes('waste', at(0))).toEqual([12, 5]);
      expect(queue.handlingMinutes('waste', at(10))).toEqual([12]);
      expect(queue.handlingMinutes('waste', at(0), 1)).toHaveLength(1);
    });

    it('takes one rating per closed chat, and none once the resident moved on', () => {
      const a = queue.enqueue(escalation('a'), at(0)).escalation;
      queue.pickup(a.id, 'ann', at(1));
      expect(queue.awaitingRating('a', at(0))).toBeUndefined(); // still open
      queue.close(a.id, 'closed-by-agent', at(5));
      expect(queue.awaitingRating('a', at(0))?.id).toBe(a.id);
      expect(queue.awaitingRating('a', at(6))).toBeUndefined(); // closed before the window
      expect(queue.rate(a.id, 5)).toBe(true);
      expect(queue.rate(a.id, 1)).toBe(false);
      expect(queue.get(a.id)?.rating).toBe(5);
      expect(() => queue.rate(a.id, 6)).toThrow(RangeError);

      const b = queue.enqueue(escalation('b'), at(0)).escalation;
      queue.pickup(b.id, 'ann', at(1));
      queue.close(b.id, 'closed-by-agent', at(5));
      queue.declineRating(b.id);
      expect(queue.awaitingRating('b', at(0))).toBeUndefined();
      // A handed-back chat is not asked for a rating.
      const c = queue.enqueue(escalation('c'), at(0)).escalation;
      queue.pickup(c.id, 'ann', at(1));
      queue.close(c.id, 'handed-back', at(5));
      expect(queue.awaitingRating('c', at(0))).toBeUndefined();
    });
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
    const db = openDatabase(file);
    const { escalation: e } = new SqliteEscalationQueue(db).enqueue(escalation('a'), at(0));
    db.close();
    const results = (await spawnAll(file, String(e.id))).map((r) => JSON.parse(r.stdout) as { kind: string; agentId?: string });
    const winners = results.filter((r) => r.kind === 'picked');
    expect(winners).toHaveLength(1);
    const winner = agents[results.indexOf(winners[0]!)];
    expect(results.filter((r) => r.kind === 'taken')).toEqual(Array(3).fill({ kind: 'taken', agentId: winner }));
  }, 60_000);

  it('hands out 40 escalations to four agents with none lost or given twice', async () => {
    const file = tempDbFile();
    const db = openDatabase(file);
    const queue = new SqliteEscalationQueue(db);
    const ids = Array.from({ length: 40 }, (_, i) => queue.enqueue(escalation(`c${i}`), at(i)).escalation.id);
    db.close();
    const taken = (await spawnAll(file, 'all')).flatMap((r) => JSON.parse(r.stdout) as number[]);
    expect([...taken].sort((a, b) => a - b)).toEqual(ids);
  }, 60_000);
});
