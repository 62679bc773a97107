import { migrateStore, type Backend } from '../../../bot/db';
import { GAP_SCHEMA, MAX_QUESTION_CHARS, SqlGapStore } from '../../../knowledge/gaps/store';
import { anotherConnection, forEachBackend } from '../../db/backends';

const store = (backend: Backend) => new SqlGapStore(backend.sql, { timeZone: 'Europe/London' });

forEachBackend('SqlGapStore', (fresh) => {
  let backend: Backend;
  beforeEach(async () => {
    backend = await fresh();
    await migrateStore(backend.sql, GAP_SCHEMA);
  });

  it('keeps each unanswered question with its kind, time, council day and the entries involved', async () => {
    const gaps = store(backend);
    await gaps.record({ kind: 'not-understood', question: 'can I rent an allotment', closest: { id: 'council-tax-pay', score: 0.04 } }, new Date('2026-11-03T09:00:00Z'));
    await gaps.record({ kind: 'not-helpful', question: 'pay council tax', entryId: 'council-tax-pay', closest: { id: 'council-tax-pay', score: 0.81 } }, new Date('2026-11-04T09:00:00Z'));
    await gaps.record({ kind: 'none-of-these', question: 'council tax' }, new Date('2026-11-05T09:00:00Z'));
    expect(await gaps.list()).toEqual([
      { id: 1, at: '2026-11-03T09:00:00.000Z', day: '2026-11-03', kind: 'not-understood', question: 'can I rent an allotment', closest: { id: 'council-tax-pay', score: 0.04 } },
      { id: 2, at: '2026-11-04T09:00:00.000Z', day: '2026-11-04', kind: 'not-helpful', question: 'pay council tax', entryId: 'council-tax-pay', closest: { id: 'council-tax-pay', score: 0.81 } },
      { id: 3, at: '2026-11-05T09:00:00.000Z', day: '2026-11-05', kind: 'none-of-these', question: 'council tax' },
    ]);
  });

  it('lists from a date in the council’s time zone: 23:30 UTC on 30 June is 1 July in London', async () => {
    const gaps = store(backend);
    await gaps.record({ kind: 'not-understood', question: 'late on the 30th' }, new Date('2026-06-30T22:30:00Z'));
    await gaps.record({ kind: 'not-understood', question: 'just after midnight, British Summer Time' }, new Date('2026-06-30T23:30:00Z'));
    await gaps.record({ kind: 'not-understood', question: 'on the 2nd' }, new Date('2026-07-02T08:00:00Z'));
    expect((await gaps.list({ since: '2026-07-01' })).map((g) => [g.question, g.day])).toEqual([
      ['just after midnight, British Summer Time', '2026-07-01'],
      ['on the 2nd', '2026-07-02'],
    ]);
    expect(await gaps.list({ since: '2026-07-03' })).toEqual([]);
    expect(await gaps.list()).toHaveLength(3);
  });

  it('keeps a keyed hash of the conversation, never the id: the same for one conversation, different for another and in another database', async () => {
    const gaps = store(backend);
    const at = new Date('2026-11-03T09:00:00Z');
    const a1 = await gaps.record({ kind: 'not-understood', question: 'one', conversationId: 'conv-a' }, at);
    const a2 = await gaps.record({ kind: 'not-understood', question: 'two', conversationId: 'conv-a' }, at);
    const b = await gaps.record({ kind: 'not-understood', question: 'three', conversationId: 'conv-b' }, at);
    expect(a1.asker).toMatch(/^[0-9a-f]{32}$/);
    expect(a2.asker).toBe(a1.asker);
    expect(b.asker).not.toBe(a1.asker);
    expect(JSON.stringify(await backend.sql.all('SELECT * FROM knowledge_gaps'))).not.toContain('conv-a');

    const other = await fresh();
    await migrateStore(other.sql, GAP_SCHEMA);
    expect((await store(other).record({ kind: 'not-understood', question: 'one', conversationId: 'conv-a' }, at)).asker).not.toBe(a1.asker);
  });

  it('keeps its key and rows across a restart, with its migrations numbered under its own name', async () => {
    const before = await store(backend).record({ kind: 'not-understood', question: 'one', conversationId: 'conv-a' }, new Date('2026-11-03T09:00:00Z'));
    const again = anotherConnection(backend);
    try {
      await migrateStore(again.sql, GAP_SCHEMA);
      const gaps = store(again);
      expect(await gaps.list()).toEqual([before]);
      expect((await gaps.record({ kind: 'not-understood', question: 'two', conversationId: 'conv-a' }, new Date('2026-11-03T10:00:00Z'))).asker).toBe(before.asker);
      expect(await again.sql.all("SELECT version FROM schema_migrations WHERE store = 'knowledge-gaps'")).toEqual([{ version: 1 }]);
    } finally {
      await again.close();
    }
  });

  it('instances recording at once on one database share one key, so one resident counts once', async () => {
    const instances = [backend, anotherConnection(backend), anotherConnection(backend), anotherConnection(backend)];
    try {
      // Connections open first, so the four first writes reach the database together.
      await Promise.all(instances.map((i) => i.ping()));
      const at = new Date('2026-11-03T09:00:00Z');
      for (let round = 0; round < 20; round++) {
        await backend.sql.run('DELETE FROM knowledge_gaps_key');
        const recorded = await Promise.all(instances.map((i, n) => store(i).record({ kind: 'not-understood', question: `question ${n}`, conversationId: 'conv-a' }, at)));
        expect(new Set(recorded.map((g) => g.asker)).size).toBe(1);
        expect(await backend.sql.all('SELECT key FROM knowledge_gaps_key')).toHaveLength(1);
      }
    } finally {
      await Promise.all(instances.slice(1).map((i) => i.close()));
    }
  });

  it('erases a conversation’s questions by its keyed hash, and only those', async () => {
    const gaps = store(backend);
    const at = new Date('2026-11-03T09:00:00Z');
    await gaps.record({ kind: 'not-understood', question: 'one', conversationId: 'conv-a' }, at);
    await gaps.record({ kind: 'not-understood', question: 'two', conversationId: 'conv-a' }, at);
    await gaps.record({ kind: 'not-understood', question: 'three', conversationId: 'conv-b' }, at);
    expect(await gaps.erase('conv-a')).toBe(2);
    expect(await gaps.erase('conv-a')).toBe(0);
    expect((await gaps.list()).map((g) => g.question)).toEqual(['three']);
  });

  it('cuts a very long question', async () => {
    const recorded = await store(backend).record({ kind: 'not-understood', question: 'allotment '.repeat(200) }, new Date('2026-11-03T09:00:00Z'));
    expect(recorded.question).toHaveLength(MAX_QUESTION_CHARS);
  });

  it('refuses a kind it does not know', async () => {
    // By message, not toThrow: better-sqlite3's errors can come from another realm under jest
    // (its native module is shared by the test files of one worker), and toThrow then sees none.
    await expect(store(backend).record({ kind: 'shrug' as 'not-understood', question: 'x' }, new Date())).rejects.toMatchObject({ message: expect.stringMatching(/check constraint/i) });
  });
});
