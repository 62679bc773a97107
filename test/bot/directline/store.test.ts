import { openDatabase, type Db } from '../../../bot/db';
import { SqliteChannelStore } from '../../../bot/directline/store';
import { tempDbFile } from '../../tempDb';

const HOUR = 3_600_000;
const t0 = new Date('2026-11-25T10:00:00Z');
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);

describe('SqliteChannelStore', () => {
  let db: Db;
  let store: SqliteChannelStore;

  beforeEach(() => {
    db = openDatabase(tempDbFile());
    store = new SqliteChannelStore(db);
  });
  afterEach(() => db.close());

  it('numbers activities with watermarks that only grow, across conversations, and names them like Direct Line', () => {
    store.createConversation({ id: 'a', userId: 'dl_a' }, t0);
    store.createConversation({ id: 'b', userId: 'dl_b' }, t0);
    const first = store.append('a', { type: 'message', text: 'one' }, t0);
    const other = store.append('b', { type: 'message', text: 'elsewhere' }, t0);
    const second = store.append('a', { type: 'message', text: 'two' }, t0);
    expect([first.seq < other.seq, other.seq < second.seq]).toEqual([true, true]);
    expect(second.activity.id).toBe(`a|${String(second.seq).padStart(7, '0')}`);
    expect(store.activitiesAfter('a', 0).map((s) => s.activity.text)).toEqual(['one', 'two']);
    expect(store.activitiesAfter('a', first.seq).map((s) => s.activity.text)).toEqual(['two']);
  });

  it('marks a conversation started once only', () => {
    store.createConversation({ id: 'a', userId: 'dl_a' }, t0);
    expect([store.markStarted('a', t0), store.markStarted('a', at(1))]).toEqual([true, false]);
    expect(store.conversation('a')?.startedAt).toBe(t0.toISOString());
  });

  it('tells a valid token from an expired or unknown one', () => {
    store.createConversation({ id: 'a', userId: 'dl_a' }, t0);
    store.addToken('hash-1', 'a', at(0.5), t0);
    expect(store.token('hash-1', at(0.25))).toEqual({ kind: 'valid', conversationId: 'a', expiresAt: at(0.5).toISOString() });
    expect(store.token('hash-1', at(0.5))).toEqual({ kind: 'expired' });
    expect(store.token('hash-2', t0)).toEqual({ kind: 'unknown' });
  });

  it('purges activities past the retention, conversations idle past it (with their tokens), and expired tokens', () => {
    store.createConversation({ id: 'busy', userId: 'dl_1' }, t0);
    store.createConversation({ id: 'idle', userId: 'dl_2' }, t0);
    store.addToken('busy-old', 'busy', at(0.5), t0);
    store.addToken('idle-token', 'idle', at(30), t0);
    store.append('busy', { type: 'message', text: 'early' }, t0);
    store.append('idle', { type: 'message', text: 'only' }, t0);
    store.append('busy', { type: 'message', text: 'late' }, at(20));
    store.addToken('busy-new', 'busy', at(26), at(20));

    expect(store.purge(at(25), 24 * HOUR)).toEqual({ conversations: 1, activities: 1, tokens: 1 });
    expect(store.conversation('idle')).toBeUndefined();
    expect(store.token('idle-token', at(25))).toEqual({ kind: 'unknown' });
    expect(store.activitiesAfter('busy', 0).map((s) => s.activity.text)).toEqual(['late']);
    expect(store.token('busy-old', at(25))).toEqual({ kind: 'unknown' });
    expect(store.token('busy-new', at(25))).toMatchObject({ kind: 'valid' });
  });

  it('keeps its schema in numbered migrations that run once', () => {
    new SqliteChannelStore(db);
    expect(db.prepare("SELECT version FROM schema_migrations WHERE store = 'directline'").all()).toEqual([{ version: 1 }]);
  });
});
