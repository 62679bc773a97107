import { openDatabase, SqliteBackend, type PostgresBackend } from '../../../bot/db';
import { migrateAll } from '../../../bot/db/schemas';
import { SqlReportEventStore } from '../../../handoff/reporting/store';
import { SqlGapStore } from '../../../knowledge/gaps/store';
import { copySqliteToPostgres } from '../../../scripts/db/copy';
import { describeInstances } from '../../db/backends';
import { tempDir } from '../../tempDb';

/**
 * A council moving from SQLite to PostgreSQL (db:copy) keeps its keyed hashes meaningful: the key
 * travels with the rows, so a resident who asked before the move and after it is still one
 * resident, and erasing their conversation still finds what they asked before.
 */
describeInstances('reporting events and knowledge gaps copied from SQLite to PostgreSQL', (fresh) => {
  let from: SqliteBackend;
  let to: PostgresBackend;
  const at = new Date('2026-11-23T10:00:00Z');
  const day = { from: new Date('2026-11-23T00:00:00Z'), to: new Date('2026-11-24T00:00:00Z') };

  beforeEach(async () => {
    from = new SqliteBackend(openDatabase(`${tempDir('parley-copy-')}/parley.sqlite`));
    to = await fresh();
    await migrateAll(from.sql);
    await migrateAll(to.sql);
  });
  afterEach(() => from.close());

  it('keeps the per-database keys, so hashes made after the move match those made before', async () => {
    const before = { gaps: new SqlGapStore(from.sql, { timeZone: 'Europe/London' }), events: new SqlReportEventStore(from.sql) };
    const asked = await before.gaps.record({ kind: 'not-understood', question: 'allotment', conversationId: 'conv-a' }, at);
    await before.events.recordConversation('conv-a', { type: 'started' }, at);

    const copied = await copySqliteToPostgres(from.db, to.sql);
    expect(copied.filter((t) => ['knowledge_gaps', 'knowledge_gaps_key', 'report_events', 'report_events_key'].includes(t.table)).map((t) => [t.table, t.rows, t.verified])).toEqual([
      ['knowledge_gaps', 1, true],
      ['knowledge_gaps_key', 1, true],
      ['report_events', 1, true],
      ['report_events_key', 1, true],
    ]);

    const after = { gaps: new SqlGapStore(to.sql, { timeZone: 'Europe/London' }), events: new SqlReportEventStore(to.sql) };
    expect(await after.gaps.list()).toEqual([asked]);
    const again = await after.gaps.record({ kind: 'not-understood', question: 'allotment plot', conversationId: 'conv-a' }, at);
    expect(again.asker).toBe(asked.asker);
    expect(again.id).toBe(asked.id + 1);
    await after.events.recordConversation('conv-a', { type: 'not-understood' }, at);
    const conversations = new Set(((await after.events.list(day)) as { conversation: string }[]).map((e) => e.conversation));
    expect(conversations.size).toBe(1);
    expect(await after.gaps.erase('conv-a')).toBe(2);
  });
});
