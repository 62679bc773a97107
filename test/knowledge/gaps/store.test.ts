import { migrate, openDatabase, type Db } from '../../../bot/db';
import { MAX_QUESTION_CHARS, SqliteGapStore } from '../../../knowledge/gaps/store';
import { tempDbFile } from '../../tempDb';

const store = (db: Db) => new SqliteGapStore(db, { migrate, timeZone: 'Europe/London' });

describe('SqliteGapStore', () => {
  let db: Db;
  beforeEach(() => {
    db = openDatabase(':memory:');
  });
  afterEach(() => db.close());

  it('keeps each unanswered question with its kind, time, council day and the entries involved', () => {
    const gaps = store(db);
    gaps.record({ kind: 'not-understood', question: 'can I rent an allotment', closest: { id: 'council-tax-pay', score: 0.04 } }, new Date('2026-11-03T09:00:00Z'));
    gaps.record({ kind: 'not-helpful', question: 'pay council tax', entryId: 'council-tax-pay', closest: { id: 'council-tax-pay', score: 0.81 } }, new Date('2026-11-04T09:00:00Z'));
    gaps.record({ kind: 'none-of-these', question: 'council tax' }, new Date('2026-11-05T09:00:00Z'));
    expect(gaps.list()).toEqual([
      { id: 1, at: '2026-11-03T09:00:00.000Z', day: '2026-11-03', kind: 'not-understood', question: 'can I rent an allotment', closest: { id: 'council-tax-pay', score: 0.04 } },
      { id: 2, at: '2026-11-04T09:00:00.000Z', day: '2026-11-04', kind: 'not-helpful', question: 'pay council tax', entryId: 'council-tax-pay', closest: { id: 'council-tax-pay', score: 0.81 } },
      { id: 3, at: '2026-11-05T09:00:00.000Z', day: '2026-11-05', kind: 'none-of-these', question: 'council tax' },
    ]);
  });

  it('lists from a date in the council’s time zone: 23:30 UTC on 30 June is 1 July in London', () => {
    const gaps = store(db);
    gaps.record({ kind: 'not-understood', question: 'late on the 30th' }, new Date('2026-06-30T22:30:00Z'));
    gaps.record({ kind: 'not-understood', question: 'just after midnight, British Summer Time' }, new Date('2026-06-30T23:30:00Z'));
    gaps.record({ kind: 'not-understood', question: 'on the 2nd' }, new Date('2026-07-02T08:00:00Z'));
    expect(gaps.list({ since: '2026-07-01' }).map((g) => [g.question, g.day])).toEqual([
      ['just after midnight, British Summer Time', '2026-07-01'],
      ['on the 2nd', '2026-07-02'],
    ]);
    expect(gaps.list({ since: '2026-07-03' })).toEqual([]);
    expect(gaps.list()).toHaveLength(3);
  });

  it('keeps a keyed hash of the conversation, never the id: the same for one conversation, different for another and in another database', () => {
    const gaps = store(db);
    const at = new Date('2026-11-03T09:00:00Z');
    const [a1, a2, b] = [
      gaps.record({ kind: 'not-understood', question: 'one', conversationId: 'conv-a' }, at),
      gaps.record({ kind: 'not-understood', question: 'two', conversationId: 'conv-a' }, at),
      gaps.record({ kind: 'not-understood', question: 'three', conversationId: 'conv-b' }, at),
    ];
    expect(a1.asker).toMatch(/^[0-9a-f]{32}$/);
    expect(a2.asker).toBe(a1.asker);
    expect(b.asker).not.toBe(a1.asker);
    expect(JSON.stringify(db.prepare('SELECT * FROM knowledge_gaps').all())).not.toContain('conv-a');

    const other = openDatabase(':memory:');
    try {
      expect(store(other).record({ kind: 'not-understood', question: 'one', conversationId: 'conv-a' }, at).asker).not.toBe(a1.asker);
    } finally {
      other.close();
    }
  });

  it('keeps its key and rows across a restart, with its migrations numbered under its own name', () => {
    const file = tempDbFile();
    const first = openDatabase(file);
    const before = store(first).record({ kind: 'not-understood', question: 'one', conversationId: 'conv-a' }, new Date('2026-11-03T09:00:00Z'));
    first.close();
    const again = openDatabase(file);
    try {
      const gaps = store(again);
      expect(gaps.list()).toEqual([before]);
      expect(gaps.record({ kind: 'not-understood', question: 'two', conversationId: 'conv-a' }, new Date('2026-11-03T10:00:00Z')).asker).toBe(before.asker);
      expect(again.prepare("SELECT version FROM schema_migrations WHERE store = 'knowledge-gaps'").all()).toEqual([{ version: 1 }]);
    } finally {
      again.close();
    }
  });

  it('cuts a very long question', () => {
    const gaps = store(db);
    const recorded = gaps.record({ kind: 'not-understood', question: 'allotment '.repeat(200) }, new Date('2026-11-03T09:00:00Z'));
    expect(recorded.question).toHaveLength(MAX_QUESTION_CHARS);
  });

  it('refuses a kind it does not know', () => {
    const gaps = store(db);
    expect(() => gaps.record({ kind: 'shrug' as 'not-understood', question: 'x' }, new Date())).toThrow(/CHECK constraint/);
  });
});
