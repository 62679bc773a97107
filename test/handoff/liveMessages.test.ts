import { openDatabase } from '../../bot/db';
import { SqliteLiveMessageStore } from '../../handoff/liveMessages';
import { SqliteEscalationQueue } from '../../handoff/queue';

const now = new Date('2026-11-25T10:00:00Z');

function setup(options?: { redact: boolean }) {
  const db = openDatabase(':memory:');
  const queue = new SqliteEscalationQueue(db);
  const { escalation } = queue.enqueue({ conversationId: 'c1', reference: {}, department: 'waste', priority: 'normal', reason: 'asked' }, now);
  return { db, id: escalation.id, messages: new SqliteLiveMessageStore(db, options) };
}

describe('SqliteLiveMessageStore', () => {
  it('keeps a chat in order, both sides', () => {
    const { id, messages } = setup();
    messages.add({ escalationId: id, author: 'agent', agentId: '7', text: 'Hello, I am Ann from Waste.' }, now);
    messages.add({ escalationId: id, author: 'resident', text: 'Hi Ann' }, now);
    expect(messages.list(id).map((m) => [m.author, m.text])).toEqual([
      ['agent', 'Hello, I am Ann from Waste.'],
      ['resident', 'Hi Ann'],
    ]);
  });

  it('redacts what residents write before it is stored, but not agents’ replies', () => {
    const { db, id, messages } = setup();
    messages.add({ escalationId: id, author: 'resident', text: 'call me on 07700 900123' }, now);
    messages.add({ escalationId: id, author: 'agent', agentId: '7', text: 'We will call 01632 960 110 back' }, now);
    expect(messages.list(id).map((m) => m.text)).toEqual(['call me on [phone]', 'We will call 01632 960 110 back']);
    expect(JSON.stringify(db.prepare('SELECT text FROM live_messages').all())).not.toContain('07700');
  });

  it('keeps residents’ words as written when redaction is turned off', () => {
    const { id, messages } = setup({ redact: false });
    messages.add({ escalationId: id, author: 'resident', text: 'call me on 07700 900123' }, now);
    expect(messages.list(id)[0]?.text).toBe('call me on 07700 900123');
  });

  it('marks a message delivered once it has reached the other side', () => {
    const { id, messages } = setup();
    const m = messages.add({ escalationId: id, author: 'agent', agentId: '7', text: 'Hello' }, now);
    expect(m.deliveredAt).toBeUndefined();
    messages.markDelivered(m.id, new Date('2026-11-25T10:00:01Z'));
    expect(messages.list(id)[0]?.deliveredAt).toBe('2026-11-25T10:00:01.000Z');
  });

  it('refuses a message for an escalation that does not exist', () => {
    const { messages } = setup();
    expect(() => messages.add({ escalationId: 999, author: 'agent', text: 'x' }, now)).toThrow(/FOREIGN KEY/);
  });
});
