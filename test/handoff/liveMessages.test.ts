import type { Sql } from '../../knowledge/sql';
import { migrateAll } from '../../bot/db/schemas';
import { SqlLiveMessageStore } from '../../handoff/liveMessages';
import { SqlEscalationQueue } from '../../handoff/queue';
import { forEachBackend, type FreshBackend } from '../db/backends';

const now = new Date('2026-11-25T10:00:00Z');

async function setup(fresh: FreshBackend, options?: { redact: boolean }): Promise<{ sql: Sql; id: number; messages: SqlLiveMessageStore }> {
  const { sql } = await fresh();
  await migrateAll(sql);
  const queue = new SqlEscalationQueue(sql);
  const { escalation } = await queue.enqueue({ conversationId: 'c1', reference: {}, department: 'waste', priority: 'normal', reason: 'asked' }, now);
  return { sql, id: escalation.id, messages: new SqlLiveMessageStore(sql, options) };
}

forEachBackend('SqlLiveMessageStore', (fresh) => {
  it('keeps a chat in order, both sides', async () => {
    const { id, messages } = await setup(fresh);
    await messages.add({ escalationId: id, author: 'agent', agentId: '7', text: 'Hello, I am Ann from Waste.' }, now);
    await messages.add({ escalationId: id, author: 'resident', text: 'Hi Ann' }, now);
    expect((await messages.list(id)).map((m) => [m.author, m.text])).toEqual([
      ['agent', 'Hello, I am Ann from Waste.'],
      ['resident', 'Hi Ann'],
    ]);
  });

  it('adds while the chat is active and the agent’s, in one statement; not once it has been requeued or closed', async () => {
    const { sql, id, messages } = await setup(fresh);
    const queue = new SqlEscalationQueue(sql);
    expect(await messages.addWhileActive({ escalationId: id, author: 'resident', text: 'still waiting' }, now)).toBeUndefined();
    expect((await queue.pickup(id, '7', now)).kind).toBe('picked');
    expect((await messages.addWhileActive({ escalationId: id, author: 'agent', agentId: '7', text: 'Hello, Ann here' }, now))?.text).toBe('Hello, Ann here');
    expect(await messages.addWhileActive({ escalationId: id, author: 'agent', agentId: '8', text: 'not my chat' }, now)).toBeUndefined();
    expect((await messages.addWhileActive({ escalationId: id, author: 'resident', text: 'call me on 07700 900123' }, now))?.text).toBe('call me on [phone]');
    expect((await queue.requeue(id, '7')).kind).toBe('done');
    expect(await messages.addWhileActive({ escalationId: id, author: 'agent', agentId: '7', text: 'after the requeue' }, now)).toBeUndefined();
    expect(await messages.addWhileActive({ escalationId: id, author: 'resident', text: 'after the requeue' }, now)).toBeUndefined();
    expect((await messages.list(id)).map((m) => m.text)).toEqual(['Hello, Ann here', 'call me on [phone]']);
  });

  it('redacts what residents write before it is stored, but not agents’ replies', async () => {
    const { sql, id, messages } = await setup(fresh);
    await messages.add({ escalationId: id, author: 'resident', text: 'call me on 07700 900123' }, now);
    await messages.add({ escalationId: id, author: 'agent', agentId: '7', text: 'We will call 01632 960 110 back' }, now);
    expect((await messages.list(id)).map((m) => m.text)).toEqual(['call me on [phone]', 'We will call 01632 960 110 back']);
    expect(JSON.stringify(await sql.all('SELECT text FROM live_messages'))).not.toContain('07700');
  });

  it('keeps residents’ words as written when redaction is turned off', async () => {
    const { id, messages } = await setup(fresh, { redact: false });
    await messages.add({ escalationId: id, author: 'resident', text: 'call me on 07700 900123' }, now);
    expect((await messages.list(id))[0]?.text).toBe('call me on 07700 900123');
  });

  it('marks a message delivered once it has reached the other side', async () => {
    const { id, messages } = await setup(fresh);
    const m = await messages.add({ escalationId: id, author: 'agent', agentId: '7', text: 'Hello' }, now);
    expect(typeof m.id).toBe('number');
    expect(m.deliveredAt).toBeUndefined();
    await messages.markDelivered(m.id, new Date('2026-11-25T10:00:01Z'));
    expect((await messages.list(id))[0]?.deliveredAt).toBe('2026-11-25T10:00:01.000Z');
  });

  it('refuses a message for an escalation that does not exist', async () => {
    const { messages } = await setup(fresh);
    // SQLite says "FOREIGN KEY constraint failed"; PostgreSQL "violates foreign key constraint".
    // Matched by message: better-sqlite3's errors can come from another realm under jest.
    await expect(messages.add({ escalationId: 999, author: 'agent', text: 'x' }, now)).rejects.toMatchObject({ message: expect.stringMatching(/foreign key/i) });
  });
});
