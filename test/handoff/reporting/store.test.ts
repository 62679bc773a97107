import { openDatabase, type Db } from '../../../bot/db';
import { BadEventRowError, SqliteReportEventStore } from '../../../handoff/reporting/store';
import { tempDbFile } from '../../tempDb';

describe('SqliteReportEventStore', () => {
  let db: Db;
  let store: SqliteReportEventStore;
  const at = (time: string) => new Date(`2026-11-23T${time}Z`);

  beforeEach(() => {
    db = openDatabase(tempDbFile());
    store = new SqliteReportEventStore(db);
  });
  afterEach(() => db.close());

  it('gives events back in the range, oldest first and in the order recorded at the same time', () => {
    store.recordConversation('conv-1', { type: 'started' }, at('10:00:00'));
    store.recordDesk({ type: 'queued', escalation: 7, department: 'waste', priority: 'high', reason: 'urgent' }, at('10:00:00'));
    store.recordConversation('conv-1', { type: 'answered', entry: 'bins', department: 'waste', via: 'choice' }, at('09:59:59'));
    store.recordDesk({ type: 'rated', escalation: 7, department: 'waste', rating: 5 }, at('11:00:00'));

    const events = store.list({ from: at('09:59:59'), to: at('11:00:00') });
    expect(events.map((e) => e.type)).toEqual(['answered', 'started', 'queued']);
    expect(events[2]).toEqual({ type: 'queued', escalation: 7, department: 'waste', priority: 'high', reason: 'urgent', at: '2026-11-23T10:00:00.000Z' });
    expect(events[0]).toMatchObject({ type: 'answered', entry: 'bins', department: 'waste', via: 'choice', at: '2026-11-23T09:59:59.000Z' });
  });

  it('keeps the conversation only as a keyed hash: the same for one conversation, different across databases', () => {
    store.recordConversation('conv-1', { type: 'started' }, at('10:00:00'));
    store.recordConversation('conv-1', { type: 'not-understood' }, at('10:01:00'));
    store.recordConversation('conv-2', { type: 'started' }, at('10:02:00'));
    const [a, b, c] = store.list({ from: at('00:00:00'), to: at('23:00:00') }) as { conversation: string }[];
    expect(a!.conversation).toMatch(/^[0-9a-f]{32}$/);
    expect(b!.conversation).toBe(a!.conversation);
    expect(c!.conversation).not.toBe(a!.conversation);
    expect(JSON.stringify(db.prepare('SELECT * FROM report_events').all())).not.toContain('conv-1');

    const other = openDatabase(tempDbFile());
    const elsewhere = new SqliteReportEventStore(other);
    elsewhere.recordConversation('conv-1', { type: 'started' }, at('10:00:00'));
    expect((elsewhere.list({ from: at('00:00:00'), to: at('23:00:00') })[0] as { conversation: string }).conversation).not.toBe(a!.conversation);
    other.close();
  });

  it('keeps its key and rows when opened again (migrations run once)', () => {
    store.recordConversation('conv-1', { type: 'started' }, at('10:00:00'));
    const again = new SqliteReportEventStore(db);
    again.recordConversation('conv-1', { type: 'not-understood' }, at('10:01:00'));
    const [first, second] = again.list({ from: at('00:00:00'), to: at('23:00:00') }) as { conversation: string }[];
    expect(second!.conversation).toBe(first!.conversation);
  });

  it('refuses an event that does not fit its schema, before it is stored', () => {
    expect(() => store.recordDesk({ type: 'rated', escalation: 1, department: 'waste', rating: 6 }, at('10:00:00'))).toThrow(/rating/);
    expect(() => store.recordConversation('c', { type: 'handoff-offered', reason: 'bored' as 'asked', department: 'waste' }, at('10:00:00'))).toThrow(/reason/);
    expect(store.list({ from: at('00:00:00'), to: at('23:00:00') })).toEqual([]);
  });

  it('names a stored row that no longer reads as an event', () => {
    store.recordDesk({ type: 'message-answered', escalation: 3, department: 'waste' }, at('10:00:00'));
    db.prepare("UPDATE report_events SET data = '{\"type\":\"message-answered\"}'").run();
    expect(() => store.list({ from: at('00:00:00'), to: at('23:00:00') })).toThrow(BadEventRowError);
    expect(() => store.list({ from: at('00:00:00'), to: at('23:00:00') })).toThrow(/^Reporting event row 1 is not a valid event: escalation: /);
  });
});
