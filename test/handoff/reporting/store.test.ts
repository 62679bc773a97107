import { migrateStore, type Backend } from '../../../bot/db';
import { BadEventRowError, REPORT_EVENTS_SCHEMA, SqlReportEventStore } from '../../../handoff/reporting/store';
import { anotherConnection, forEachBackend } from '../../db/backends';

const at = (time: string) => new Date(`2026-11-23T${time}Z`);
const wholeDay = { from: at('00:00:00'), to: at('23:00:00') };

forEachBackend('SqlReportEventStore', (fresh) => {
  let backend: Backend;
  let store: SqlReportEventStore;

  beforeEach(async () => {
    backend = await fresh();
    await migrateStore(backend.sql, REPORT_EVENTS_SCHEMA);
    store = new SqlReportEventStore(backend.sql);
  });

  it('gives events back in the range, oldest first and in the order recorded at the same time', async () => {
    await store.recordConversation('conv-1', { type: 'started' }, at('10:00:00'));
    await store.recordDesk({ type: 'queued', escalation: 7, department: 'waste', priority: 'high', reason: 'urgent' }, at('10:00:00'));
    await store.recordConversation('conv-1', { type: 'answered', entry: 'bins', department: 'waste', via: 'choice' }, at('09:59:59'));
    await store.recordDesk({ type: 'rated', escalation: 7, department: 'waste', rating: 5 }, at('11:00:00'));

    const events = await store.list({ from: at('09:59:59'), to: at('11:00:00') });
    expect(events.map((e) => e.type)).toEqual(['answered', 'started', 'queued']);
    expect(events[2]).toEqual({ type: 'queued', escalation: 7, department: 'waste', priority: 'high', reason: 'urgent', at: '2026-11-23T10:00:00.000Z' });
    expect(events[0]).toMatchObject({ type: 'answered', entry: 'bins', department: 'waste', via: 'choice', at: '2026-11-23T09:59:59.000Z' });
  });

  it('keeps the conversation only as a keyed hash: the same for one conversation, different across databases', async () => {
    await store.recordConversation('conv-1', { type: 'started' }, at('10:00:00'));
    await store.recordConversation('conv-1', { type: 'not-understood' }, at('10:01:00'));
    await store.recordConversation('conv-2', { type: 'started' }, at('10:02:00'));
    const [a, b, c] = (await store.list(wholeDay)) as { conversation: string }[];
    expect(a!.conversation).toMatch(/^[0-9a-f]{32}$/);
    expect(b!.conversation).toBe(a!.conversation);
    expect(c!.conversation).not.toBe(a!.conversation);
    expect(JSON.stringify(await backend.sql.all('SELECT * FROM report_events'))).not.toContain('conv-1');

    const other = await fresh();
    await migrateStore(other.sql, REPORT_EVENTS_SCHEMA);
    const elsewhere = new SqlReportEventStore(other.sql);
    await elsewhere.recordConversation('conv-1', { type: 'started' }, at('10:00:00'));
    expect(((await elsewhere.list(wholeDay))[0] as { conversation: string }).conversation).not.toBe(a!.conversation);
  });

  it('keeps its key and rows when opened again (migrations run once)', async () => {
    await store.recordConversation('conv-1', { type: 'started' }, at('10:00:00'));
    await migrateStore(backend.sql, REPORT_EVENTS_SCHEMA);
    const again = new SqlReportEventStore(backend.sql);
    await again.recordConversation('conv-1', { type: 'not-understood' }, at('10:01:00'));
    const [first, second] = (await again.list(wholeDay)) as { conversation: string }[];
    expect(second!.conversation).toBe(first!.conversation);
    expect(await backend.sql.all("SELECT version FROM schema_migrations WHERE store = 'events'")).toEqual([{ version: 1 }]);
  });

  it('instances starting together on one database make one key between them', async () => {
    const instances = [backend, anotherConnection(backend), anotherConnection(backend), anotherConnection(backend)];
    try {
      // Connections open first, so the four first writes reach the database together.
      await Promise.all(instances.map((i) => i.ping()));
      for (let round = 0; round < 20; round++) {
        await backend.sql.run('DELETE FROM report_events');
        await backend.sql.run('DELETE FROM report_events_key');
        // Each new store makes the key on its first write; all four race for it.
        const stores = instances.map((i) => new SqlReportEventStore(i.sql));
        await Promise.all(stores.map((s, n) => s.recordConversation('conv-1', { type: n === 0 ? 'started' : 'not-understood' }, at(`10:0${n}:00`))));
        expect(await backend.sql.all('SELECT key FROM report_events_key')).toHaveLength(1);
        const hashes = new Set(((await store.list(wholeDay)) as { conversation: string }[]).map((e) => e.conversation));
        expect(hashes.size).toBe(1);
      }
    } finally {
      await Promise.all(instances.slice(1).map((i) => i.close()));
    }
  });

  it('refuses an event that does not fit its schema, before it is stored', async () => {
    await expect(store.recordDesk({ type: 'rated', escalation: 1, department: 'waste', rating: 6 }, at('10:00:00'))).rejects.toThrow(/rating/);
    await expect(store.recordConversation('c', { type: 'handoff-offered', reason: 'bored' as 'asked', department: 'waste' }, at('10:00:00'))).rejects.toThrow(/reason/);
    expect(await store.list(wholeDay)).toEqual([]);
  });

  it('names a stored row that no longer reads as an event', async () => {
    await store.recordDesk({ type: 'message-answered', escalation: 3, department: 'waste' }, at('10:00:00'));
    await backend.sql.run('UPDATE report_events SET data = ?', ['{"type":"message-answered"}']);
    await expect(store.list(wholeDay)).rejects.toThrow(BadEventRowError);
    await expect(store.list(wholeDay)).rejects.toThrow(/^Reporting event row 1 is not a valid event: escalation: /);
  });
});
