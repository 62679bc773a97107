import { migrateAll } from '../../bot/db/schemas';
import type { Backend } from '../../bot/db';
import { HandoffDesk } from '../../handoff/desk';
import { InProcessDeskEvents, type DeskEvent } from '../../handoff/events';
import { SqlLeftMessageStore } from '../../handoff/leftMessages';
import { SqlLiveMessageStore } from '../../handoff/liveMessages';
import { SqlEscalationQueue, type Escalation, type EscalationQueue, type NewEscalation } from '../../handoff/queue';
import { SqlTranscriptStore } from '../../handoff/transcriptStore';
import { loadKnowledgeBase } from '../../knowledge/loader';
import { FIXTURE_KB } from '../fixtureKb';
import type { App } from '../../bot/index';
import { SqlAgentStore } from '../../handoff/agents';
import { startApp, testConfig } from '../app';
import { anotherConnection, describeInstances, forEachBackend } from '../db/backends';
import { call, login } from './consoleClient';
import { startStandInChannel, type StandInChannel } from './standInChannel';

/**
 * Issue 10: a change decided on a read that another instance has since made stale. Each race is
 * played in a fixed order: instance 1 reads, instance 2 picks the chat up, then instance 1 writes
 * what it decided. The write must change nothing, and the agent who picked up keeps the chat.
 */

const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 10, minute));
const escalation = (conversationId: string): NewEscalation => ({
  conversationId,
  reference: { conversation: { id: conversationId } },
  department: 'customer-services',
  priority: 'normal',
  reason: 'asked',
});

forEachBackend('Escalation changes on a stale read', (fresh) => {
  let one: SqlEscalationQueue;
  let two: SqlEscalationQueue;
  let first: Backend;
  let other: Backend;
  beforeEach(async () => {
    first = await fresh();
    await migrateAll(first.sql);
    other = await anotherConnection(first);
    one = new SqlEscalationQueue(first.sql);
    two = new SqlEscalationQueue(other.sql);
  });
  afterEach(async () => {
    await other.close();
  });

  /** Read on instance 1, then Bob picks it up on instance 2. */
  const readThenPickedUp = async (e: Escalation): Promise<Escalation> => {
    const seen = (await one.get(e.id))!;
    expect(await two.pickup(e.id, 'bob', at(2))).toMatchObject({ kind: 'picked' });
    return seen;
  };
  const stillBobs = async (id: number) => expect(await one.get(id)).toMatchObject({ status: 'active', agentId: 'bob', department: 'customer-services' });

  it('does not transfer a chat picked up after it was read as waiting', async () => {
    const { escalation: e } = await one.enqueue(escalation('a'), at(0));
    const seen = await readThenPickedUp(e);
    expect(await one.transfer(e.id, 'waste', seen)).toEqual({ kind: 'changed', status: 'active', agentId: 'bob' });
    await stillBobs(e.id);
  });

  it('does not close a chat picked up after it was read as waiting', async () => {
    const { escalation: e } = await one.enqueue(escalation('a'), at(0));
    const seen = await readThenPickedUp(e);
    expect(await one.close(e.id, 'closed-by-agent', at(3), seen)).toEqual({ kind: 'changed', status: 'active', agentId: 'bob' });
    await stillBobs(e.id);
  });

  it('does not return to the queue a chat another agent picked up after the list was read', async () => {
    const { escalation: e } = await one.enqueue(escalation('a'), at(0));
    await one.pickup(e.id, 'ann', at(1));
    const [listed] = await one.active('ann');
    // Ann's chat went back to the queue (a sign-out on instance 2) and Bob took it.
    expect(await two.requeue(listed!.id, 'ann')).toMatchObject({ kind: 'done' });
    expect(await two.pickup(e.id, 'bob', at(2))).toMatchObject({ kind: 'picked' });
    expect(await one.requeue(listed!.id, 'ann')).toEqual({ kind: 'changed', status: 'active', agentId: 'bob' });
    await stillBobs(e.id);
  });

  it('does not requeue a waiting chat, nor anything closed', async () => {
    const { escalation: e } = await one.enqueue(escalation('a'), at(0));
    expect(await one.requeue(e.id, 'ann')).toEqual({ kind: 'changed', status: 'waiting' });
    await one.close(e.id, 'cancelled-by-resident', at(1));
    expect(await one.requeue(e.id, 'ann')).toEqual({ kind: 'refused', status: 'closed' });
  });

  it('changes a chat still as it was read, whether it had an agent or not', async () => {
    const { escalation: waiting } = await one.enqueue(escalation('a'), at(0));
    expect(await one.transfer(waiting.id, 'waste', (await one.get(waiting.id))!)).toMatchObject({ kind: 'done', escalation: { department: 'waste', status: 'waiting' } });
    const { escalation: active } = await one.enqueue(escalation('b'), at(0));
    await one.pickup(active.id, 'ann', at(1));
    expect(await one.close(active.id, 'closed-by-agent', at(2), (await one.get(active.id))!)).toMatchObject({ kind: 'done', escalation: { status: 'closed' } });
    expect(await one.close(active.id, 'closed-by-agent', at(2), { status: 'active', agentId: 'ann' })).toEqual({ kind: 'refused', status: 'closed' });
  });

  it('returns each chat once when two instances return the same agent’s chats at once, 20 times over', async () => {
    for (let round = 0; round < 20; round++) {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++) {
        const { escalation: e } = await one.enqueue(escalation(`r${round}-${i}`), at(0));
        await one.pickup(e.id, 'ann', at(1));
        ids.push(e.id);
      }
      const returnAll = async (queue: SqlEscalationQueue) => {
        const moved: number[] = [];
        for (const e of await queue.active('ann')) if ((await queue.requeue(e.id, 'ann')).kind === 'done') moved.push(e.id);
        return moved;
      };
      const [a, b] = await Promise.all([returnAll(one), returnAll(two)]);
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(ids);
      for (const id of ids) await one.close(id, 'closed-by-agent', at(2));
    }
  });

  describe('a resident’s “cancel” while waiting', () => {
    const kb = loadKnowledgeBase(FIXTURE_KB);
    let events: DeskEvent[];
    let messages: SqlLiveMessageStore;

    /**
     * The desk on instance 1, over a queue that lets Bob pick the chat up on instance 2 right after
     * the desk has read it: the interleaving of the race, made certain.
     */
    const deskWithPickupAfterRead = (pickedUp: (id: number) => Promise<unknown>): HandoffDesk => {
      const queue: EscalationQueue = Object.create(one, {
        forResident: {
          value: async (conversationId: string, ratingSince: Date) => {
            const seen = await one.forResident(conversationId, ratingSince);
            if (seen.open) await pickedUp(seen.open.id);
            return seen;
          },
        },
      }) as EscalationQueue;
      const hub = new InProcessDeskEvents();
      events = [];
      hub.subscribe((e) => events.push(e));
      messages = new SqlLiveMessageStore(first.sql);
      return new HandoffDesk({
        queue,
        presence: { onDuty: async () => [] },
        messages,
        departments: () => kb.departments,
        holidays: new Map(),
        transcripts: new SqlTranscriptStore(first.sql),
        events: hub,
        leftMessages: new SqlLeftMessageStore(first.sql),
        planDeliveries: () => [],
        atomically: (work) => first.sql.transaction(work),
        settings: { timeZone: 'Europe/London', chatsPerAgent: 2, maxWaitMinutes: 15, defaultHandlingMinutes: 8, messageReplyHours: 8 },
      });
    };

    it('goes to the agent who has just picked the chat up, which stays open', async () => {
      const { escalation: e } = await one.enqueue(escalation('a'), at(0));
      let picks = 0;
      const desk = deskWithPickupAfterRead(async (id) => {
        if (picks++ === 0) expect(await two.pickup(id, 'bob', at(1))).toMatchObject({ kind: 'picked' });
      });
      expect(await desk.residentMessage('a', 'cancel', at(2))).toEqual({ kind: 'to-agent' });
      await stillBobs(e.id);
      expect((await messages.list(e.id)).map((m) => [m.author, m.text])).toEqual([['resident', 'cancel']]);
      expect(events).toEqual([{ type: 'resident-message', escalationId: e.id, department: 'customer-services', agentId: 'bob' }]);
    });

    it('still leaves the queue when nobody picked the chat up', async () => {
      const { escalation: e } = await one.enqueue(escalation('a'), at(0));
      const desk = deskWithPickupAfterRead(async () => undefined);
      expect(await desk.residentMessage('a', 'cancel', at(2))).toEqual({ kind: 'left-queue' });
      expect(await one.get(e.id)).toMatchObject({ status: 'closed', closedBecause: 'cancelled-by-resident' });
    });
  });
});

/**
 * The grace sweep on one instance and the same agent's sign-out (or a second sweep) on another
 * both return the agent's chats: whole apps on one PostgreSQL, residents on the stand-in channel.
 */
describeInstances('Returning an agent’s chats from two instances at once', (fresh) => {
  jest.setTimeout(120_000);
  let apps: App[] = [];
  let channel: StandInChannel;
  afterEach(async () => {
    await Promise.all(apps.map((a) => a.close()));
    apps = [];
    await channel.close();
  });

  it('tells each resident once that their officer left, 20 times over', async () => {
    const database = await fresh();
    await migrateAll(database.sql);
    channel = await startStandInChannel();
    let clock = new Date('2026-11-25T10:00:00Z');
    await new SqlAgentStore(database.sql).add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, clock);
    const env = { DATABASE_URL: database.url, PARLEY_AGENT_GRACE_SECONDS: '60', PARLEY_CHATS_PER_AGENT: '1000', PARLEY_MAX_WAIT_MINUTES: '100000' };
    const started = [await startApp(testConfig(env), { now: () => clock }), await startApp(testConfig(env), { now: () => clock })];
    apps = started.map((s) => s.app);
    const url = started[0]!.url;
    const ann = await login(url, 'Ann', 'ann-password-1');
    const queue = new SqlEscalationQueue(database.sql);
    const left = (conversationId: string) =>
      channel.received.filter((r) => r.path.includes(`/conversations/${conversationId}/`) && /has had to leave/.test(r.body.text ?? '')).length;

    for (let round = 0; round < 20; round++) {
      expect((await call(url, ann, 'POST', '/api/console/status', { status: 'available' })).status).toBe(200);
      const chats: Escalation[] = [];
      for (let i = 0; i < 3; i++) {
        const conversationId = `r${round}-${i}`;
        const reference = { channelId: 'test', conversation: { id: conversationId }, serviceUrl: channel.serviceUrl, bot: { id: 'parley' }, user: { id: `resident-${conversationId}` } };
        const { escalation: e } = await queue.enqueue({ conversationId, reference, department: 'waste', priority: 'normal', reason: 'asked' }, clock);
        expect((await call(url, ann, 'POST', `/api/console/escalations/${e.id}/pickup`)).status).toBe(200);
        chats.push(e);
      }
      expect((await call(url, ann, 'POST', '/api/console/status', { status: 'away' })).status).toBe(200);
      clock = new Date(clock.getTime() + 61_000);
      await Promise.all(apps.map((a) => a.sweepAbsentAgents()));
      expect(chats.map((e) => left(e.conversationId))).toEqual([1, 1, 1]);
      for (const e of chats) await queue.close(e.id, 'cancelled-by-resident', clock);
    }
  });
});

/**
 * The console over real HTTP, with the race made certain by PostgreSQL's row lock: the test holds
 * the chat's row, lets Ann's request read it (reads do not wait for the lock) and reach its
 * UPDATE, which waits; Bob picks the chat up in the test's transaction, which then commits, and
 * only then does Ann's UPDATE run, against the chat as Bob left it.
 */
describeInstances('Console changes on a stale read', (fresh) => {
  jest.setTimeout(60_000);
  let app: App | undefined;
  let channel: StandInChannel;
  afterEach(async () => {
    await app?.close();
    await channel.close();
  });

  const race = async (route: string, body: unknown) => {
    const database = await fresh();
    await migrateAll(database.sql);
    channel = await startStandInChannel();
    const clock = new Date('2026-11-25T10:00:00Z');
    await new SqlAgentStore(database.sql).add({ name: 'Ann', departments: ['waste'], password: 'ann-password-1' }, clock);
    // Bob is another instance's agent: only his id matters here.
    const started = await startApp(testConfig({ DATABASE_URL: database.url }), { now: () => clock });
    app = started.app;
    const ann = await login(started.url, 'Ann', 'ann-password-1');
    const queue = new SqlEscalationQueue(database.sql);
    const reference = { channelId: 'test', conversation: { id: 'c1' }, serviceUrl: channel.serviceUrl, bot: { id: 'parley' }, user: { id: 'resident-c1' } };
    const { escalation: e } = await queue.enqueue({ conversationId: 'c1', reference, department: 'waste', priority: 'normal', reason: 'asked' }, clock);

    // The request's promise is returned wrapped: returned bare, the transaction would wait for it.
    const { sent } = await database.sql.transaction(async (tx) => {
      await tx.get('SELECT id FROM escalations WHERE id = ? FOR UPDATE', [e.id]);
      const sent = call(started.url, ann, 'POST', route.replace(':id', String(e.id)), body);
      // Ann's request has read the chat as waiting and its UPDATE now waits for the row.
      for (;;) {
        const waiting = await database.sql.get<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'UPDATE escalations%'",
        );
        if (waiting!.n > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(await new SqlEscalationQueue(tx).pickup(e.id, 'bob', clock)).toMatchObject({ kind: 'picked' });
      return { sent };
    });
    return { response: await sent, now: await queue.get(e.id) };
  };

  it.each([
    ['closes', '/api/console/escalations/:id/close', undefined],
    ['hands back', '/api/console/escalations/:id/handback', undefined],
    ['transfers', '/api/console/escalations/:id/transfer', { department: 'housing' }],
  ])('refuses with 409 when Ann %s a chat Bob picked up after she read it, and Bob keeps it', async (_what, route, body) => {
    const { response, now } = await race(route, body);
    expect(response).toMatchObject({ status: 409, body: { error: 'changed', message: 'This chat was picked up by someone else.' } });
    expect(now).toMatchObject({ status: 'active', agentId: 'bob', department: 'waste' });
    expect(channel.texts()).toEqual([]);
  });
});
