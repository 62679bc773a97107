import { openDatabase, SqliteBackend } from '../../bot/db';
import { migrateAll } from '../../bot/db/schemas';
import { SqlAgentStore } from '../../handoff/agents';
import { HandoffDesk, type DeskDeps } from '../../handoff/desk';
import { InProcessDeskEvents, type DeskEvent } from '../../handoff/events';
import { SqlLeftMessageStore } from '../../handoff/leftMessages';
import { SqlLiveMessageStore } from '../../handoff/liveMessages';
import { DutyRoster, SqlPresenceStore } from '../../handoff/presence';
import { SqlEscalationQueue, type NewEscalation } from '../../handoff/queue';
import { SqlSessionStore } from '../../handoff/sessions';
import { SqlTranscriptStore } from '../../handoff/transcriptStore';
import { loadKnowledgeBase } from '../../knowledge/loader';
import { FIXTURE_KB } from '../bot/harness';

// Wednesday 25 November 2026, 10:00 in London.
const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 10, minute));
const kb = loadKnowledgeBase(FIXTURE_KB);

describe('HandoffDesk', () => {
  // Every store the desk uses is on the Sql layer, over the same in-memory connection.
  let backend: SqliteBackend;
  let queue: SqlEscalationQueue;
  let leftMessages: SqlLeftMessageStore;
  let events: DeskEvent[];
  let desk: HandoffDesk;
  let planDeliveries: DeskDeps['planDeliveries'];

  beforeEach(async () => {
    backend = new SqliteBackend(openDatabase(':memory:'));
    const sql = backend.sql;
    await migrateAll(sql);
    queue = new SqlEscalationQueue(sql);
    leftMessages = new SqlLeftMessageStore(sql);
    const hub = new InProcessDeskEvents();
    events = [];
    hub.subscribe((e) => events.push(e));
    planDeliveries = (e) => [{ channel: 'webhook', payload: { escalationId: e.id } }];
    const agents = new SqlAgentStore(sql);
    const sessions = new SqlSessionStore(sql, { idleMinutes: 30, maxHours: 12 });
    const presence = new SqlPresenceStore(sql, { instanceId: 'desk-test', heartbeatMs: 5_000, soleInstance: true });
    desk = new HandoffDesk({
      queue,
      presence: new DutyRoster({ presence, sessions, agents, departments: () => kb.departments.keys(), graceSeconds: 120 }),
      messages: new SqlLiveMessageStore(sql),
      departments: () => kb.departments,
      holidays: new Map(),
      transcripts: new SqlTranscriptStore(sql),
      events: hub,
      leftMessages,
      planDeliveries: (e, m) => planDeliveries(e, m),
      atomically: (work) => backend.sql.transaction(work),
      settings: { timeZone: 'Europe/London', chatsPerAgent: 2, maxWaitMinutes: 15, defaultHandlingMinutes: 8, messageReplyHours: 8 },
    });
  });
  afterEach(() => backend.close());

  const escalation = (conversationId: string): NewEscalation => ({
    conversationId,
    reference: { conversation: { id: conversationId } },
    department: 'customer-services',
    priority: 'normal',
    reason: 'asked',
  });
  const handled = async (id: string, minutes: number) => {
    const e = (await queue.enqueue(escalation(id), at(0))).escalation;
    await queue.pickup(e.id, 'ann', at(0));
    await queue.close(e.id, 'closed-by-agent', at(minutes));
  };

  it('estimates the wait from the median of the department’s recent handling times, the default before there are any', async () => {
    // One agent holding two chats, both busy: the third in line waits one round.
    for (const id of ['x', 'y']) await queue.pickup((await queue.enqueue(escalation(id), at(0))).escalation.id, 'ann', at(0));
    expect(await desk.estimateWait('customer-services', 1, 1, at(30))).toBe(8);
    await handled('a', 4);
    await handled('b', 20);
    await handled('c', 6);
    expect(await desk.estimateWait('customer-services', 1, 1, at(30))).toBe(6);
    expect(await desk.estimateWait('customer-services', 3, 1, at(30))).toBe(12);
  });

  it('stores a left message whole, with its question redacted but for postcodes, and announces it', async () => {
    const left = await desk.leaveMessage(
      {
        conversationId: 'c1',
        reference: {},
        department: 'customer-services',
        because: 'nobody-on-duty',
        question: 'Pothole outside BK3 4TN, my number is 07700 900123',
        contact: { kind: 'phone', value: '07700 900123' },
        summary: 'Asked for a person (asked)',
      },
      at(0),
    );
    expect(left.replyBy?.toISOString()).toBe('2026-11-26T09:30:00.000Z');
    expect(await leftMessages.get(left.escalation.id)).toMatchObject({ question: 'Pothole outside BK3 4TN, my number is [phone]', contact: { kind: 'phone', value: '07700 900123' } });
    expect(await queue.messages()).toHaveLength(1);
    expect(events).toEqual([{ type: 'message-left', escalationId: left.escalation.id, department: 'customer-services' }]);
  });

  it('stores nothing of a left message when part of it fails', async () => {
    planDeliveries = () => {
      throw new Error('bad delivery settings');
    };
    await expect(
      desk.leaveMessage(
        { conversationId: 'c1', reference: {}, department: 'customer-services', because: 'closed', question: 'Hello', contact: { kind: 'email', value: 'a@example.org' } },
        at(0),
      ),
    ).rejects.toThrow('bad delivery settings');
    expect(await queue.messages()).toEqual([]);
    expect(events).toEqual([]);
  });

  it('takes a rating just after an agent closed the chat, and lets anything else go to the bot', async () => {
    await handled('rated', 5);
    expect(await desk.residentMessage('rated', '4 stars', at(10))).toEqual({ kind: 'rated', rating: 4 });
    expect(events).toContainEqual(expect.objectContaining({ type: 'rated', rating: 4 }));
    expect(await desk.residentMessage('rated', '5', at(11))).toEqual({ kind: 'bot' }); // only once

    await handled('moved-on', 5);
    expect(await desk.residentMessage('moved-on', 'when is my bin day', at(10))).toEqual({ kind: 'bot' });
    expect(await desk.residentMessage('moved-on', '3', at(11))).toEqual({ kind: 'bot' }); // "3" now answers the bot, not the rating

    await handled('late', 5);
    expect(await desk.residentMessage('late', '5', at(40))).toEqual({ kind: 'bot' }); // after the 30-minute window
  });

  it('relays a resident’s words to the agent and announces them without the words', async () => {
    const e = (await queue.enqueue(escalation('c1'), at(0))).escalation;
    await queue.pickup(e.id, '7', at(1));
    expect(await desk.residentMessage('c1', 'my email is jo@example.org', at(2))).toEqual({ kind: 'to-agent' });
    expect(events).toEqual([{ type: 'resident-message', escalationId: e.id, department: 'customer-services', agentId: '7' }]);
  });

  it('lets a waiting resident cancel, and announces the queue moved', async () => {
    const e = (await queue.enqueue(escalation('c1'), at(0))).escalation;
    expect(await desk.residentMessage('c1', 'cancel', at(2))).toEqual({ kind: 'left-queue' });
    expect(await queue.get(e.id)).toMatchObject({ status: 'closed', closedBecause: 'cancelled-by-resident' });
    expect(events).toEqual([{ type: 'closed', escalationId: e.id, department: 'customer-services', because: 'cancelled-by-resident' }]);
  });
});
