import { migrateStore, openDatabase, SqliteBackend, type Backend, type Sql } from '../../../bot/db';
import { DIRECTLINE_SCHEMA, SqlChannelStore } from '../../../bot/directline/store';
import { copySqliteToPostgres } from '../../../scripts/db/copy';
import { anotherInstance, describeInstances, forEachBackend } from '../../db/backends';
import { tempDir } from '../../tempDb';

const HOUR = 3_600_000;
const t0 = new Date('2026-11-25T10:00:00Z');
const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);

forEachBackend('SqlChannelStore', (fresh, dialect) => {
  let backend: Backend;
  let sql: Sql;
  let store: SqlChannelStore;

  beforeEach(async () => {
    backend = await fresh();
    sql = backend.sql;
    await migrateStore(sql, DIRECTLINE_SCHEMA);
    store = new SqlChannelStore(sql);
  });

  it('numbers activities with watermarks that only grow, across conversations, and names them like Direct Line', async () => {
    await store.createConversation({ id: 'a', userId: 'dl_a' }, t0);
    await store.createConversation({ id: 'b', userId: 'dl_b' }, t0);
    const first = await store.append('a', { type: 'message', text: 'one' }, t0);
    const other = await store.append('b', { type: 'message', text: 'elsewhere' }, t0);
    const second = await store.append('a', { type: 'message', text: 'two' }, t0);
    expect([first.seq < other.seq, other.seq < second.seq]).toEqual([true, true]);
    expect(second.activity.id).toBe(`a|${String(second.seq).padStart(7, '0')}`);
    expect((await store.activitiesAfter('a', 0)).map((s) => s.activity.text)).toEqual(['one', 'two']);
    expect((await store.activitiesAfter('a', first.seq)).map((s) => s.activity)).toEqual([second.activity]);
    expect([await store.hasActivity('a', String(second.activity.id)), await store.hasActivity('b', String(second.activity.id))]).toEqual([true, false]);
  });

  it('marks a conversation started once only', async () => {
    await store.createConversation({ id: 'a', userId: 'dl_a' }, t0);
    expect([await store.markStarted('a', t0), await store.markStarted('a', at(1))]).toEqual([true, false]);
    expect((await store.conversation('a'))?.startedAt).toBe(t0.toISOString());
  });

  it('tells a valid token from an expired or unknown one', async () => {
    await store.createConversation({ id: 'a', userId: 'dl_a' }, t0);
    await store.addToken('hash-1', 'a', at(0.5), t0);
    expect(await store.token('hash-1', at(0.25))).toEqual({ kind: 'valid', conversationId: 'a', expiresAt: at(0.5).toISOString() });
    expect(await store.token('hash-1', at(0.5))).toEqual({ kind: 'expired' });
    expect(await store.token('hash-2', t0)).toEqual({ kind: 'unknown' });
  });

  it('hands a stream ticket out once, and not after it expires', async () => {
    await store.createConversation({ id: 'a', userId: 'dl_a' }, t0);
    await store.addStreamTicket('ticket-1', { conversationId: 'a', watermark: 7, expiresAt: at(0.1) });
    await store.addStreamTicket('ticket-2', { conversationId: 'a', watermark: 0, expiresAt: at(0.1) });
    expect(await store.takeStreamTicket('ticket-1', t0)).toEqual({ conversationId: 'a', watermark: 7, expiresAt: at(0.1) });
    expect(await store.takeStreamTicket('ticket-1', t0)).toBeUndefined();
    expect(await store.takeStreamTicket('ticket-2', at(0.1))).toBeUndefined();
  });

  it('purges activities past the retention, conversations idle past it (with their tokens), and expired tokens', async () => {
    await store.createConversation({ id: 'busy', userId: 'dl_1' }, t0);
    await store.createConversation({ id: 'idle', userId: 'dl_2' }, t0);
    await store.addToken('busy-old', 'busy', at(0.5), t0);
    await store.addToken('idle-token', 'idle', at(30), t0);
    await store.append('busy', { type: 'message', text: 'early' }, t0);
    await store.append('idle', { type: 'message', text: 'only' }, t0);
    await store.append('busy', { type: 'message', text: 'late' }, at(20));
    await store.addToken('busy-new', 'busy', at(26), at(20));

    expect(await store.purge(at(25), 24 * HOUR)).toEqual({ conversations: 1, activities: 1, tokens: 1 });
    expect(await store.conversation('idle')).toBeUndefined();
    expect(await store.token('idle-token', at(25))).toEqual({ kind: 'unknown' });
    expect((await store.activitiesAfter('busy', 0)).map((s) => s.activity.text)).toEqual(['late']);
    expect(await store.token('busy-old', at(25))).toEqual({ kind: 'unknown' });
    expect(await store.token('busy-new', at(25))).toMatchObject({ kind: 'valid' });
  });

  it('erases a conversation with its tokens, tickets and activities, and nothing of another', async () => {
    for (const id of ['gone', 'kept']) {
      await store.createConversation({ id, userId: `dl_${id}` }, t0);
      await store.addToken(`${id}-token`, id, at(1), t0);
      await store.addStreamTicket(`${id}-ticket`, { conversationId: id, watermark: 0, expiresAt: at(1) });
      await store.append(id, { type: 'message', text: id }, t0);
      await store.append(id, { type: 'message', text: id }, t0);
    }
    expect(await store.erase('gone')).toBe(2);
    expect([await store.conversation('gone'), await store.token('gone-token', t0), await store.takeStreamTicket('gone-ticket', t0)]).toEqual([undefined, { kind: 'unknown' }, undefined]);
    expect(await store.activitiesAfter('gone', 0)).toEqual([]);
    expect(await store.activitiesAfter('kept', 0)).toHaveLength(2);
    expect(await store.token('kept-token', t0)).toMatchObject({ kind: 'valid' });
  });

  it('keeps its schema in numbered migrations that run once', async () => {
    await migrateStore(sql, DIRECTLINE_SCHEMA);
    const versions = await sql.all<{ version: number }>("SELECT version FROM schema_migrations WHERE store = 'directline' ORDER BY version");
    expect(versions.map((v) => v.version)).toEqual(dialect === 'sqlite' ? [1, 2] : [1]);
  });

  describe('two instances on one database', () => {
    let there: SqlChannelStore;
    let closeTwin: () => Promise<void>;

    beforeEach(async () => {
      const twin = await anotherInstance(backend);
      there = new SqlChannelStore(twin.backend.sql);
      closeTwin = twin.close;
    });
    afterEach(() => closeTwin());

    it('starts a conversation on one of two instances racing, never both (the bot welcomes a resident once)', async () => {
      for (let i = 0; i < 20; i++) {
        await store.createConversation({ id: `race-${i}`, userId: 'dl_r' }, t0);
        const won = await Promise.all([store.markStarted(`race-${i}`, t0), there.markStarted(`race-${i}`, t0)]);
        expect(won.filter(Boolean)).toHaveLength(1);
      }
    });

    it('hands a stream ticket to one of two instances racing for it', async () => {
      await store.createConversation({ id: 'a', userId: 'dl_a' }, t0);
      for (let i = 0; i < 20; i++) {
        await store.addStreamTicket(`ticket-${i}`, { conversationId: 'a', watermark: i, expiresAt: at(1) });
        const taken = await Promise.all([store.takeStreamTicket(`ticket-${i}`, t0), there.takeStreamTicket(`ticket-${i}`, t0)]);
        expect(taken.filter((t) => t !== undefined)).toEqual([{ conversationId: 'a', watermark: i, expiresAt: at(1) }]);
      }
    });

    it('a reader following the watermark misses nothing while two instances append to one conversation at once', async () => {
      await store.createConversation({ id: 'busy', userId: 'dl_b' }, t0);
      const writer = async (on: SqlChannelStore, name: string) => {
        for (let i = 0; i < 40; i++) await on.append('busy', { type: 'message', text: `${name}-${i}` }, t0);
      };
      const read: string[] = [];
      let watermark = 0;
      const readOn = async () => {
        for (const s of await store.activitiesAfter('busy', watermark)) {
          read.push(String(s.activity.text));
          watermark = s.seq;
        }
      };
      let writing = true;
      const writers = Promise.all([writer(store, 'one'), writer(there, 'two')]).finally(() => (writing = false));
      while (writing) await readOn();
      await writers;
      await readOn();
      const expected = ['one', 'two'].flatMap((name) => Array.from({ length: 40 }, (_, i) => `${name}-${i}`));
      expect([...read].sort()).toEqual([...expected].sort());
    });
  });
});

describeInstances('the web channel’s tables copied from SQLite by db:copy', (fresh) => {
  it('arrive whole, verified, and a conversation carries on with watermarks after the copied ones', async () => {
    const from = new SqliteBackend(openDatabase(`${tempDir('parley-copy-')}/parley.sqlite`));
    try {
      await migrateStore(from.sql, DIRECTLINE_SCHEMA);
      const before = new SqlChannelStore(from.sql);
      await before.createConversation({ id: 'a', userId: 'dl_a' }, t0);
      await before.addToken('hash-a', 'a', at(1), t0);
      await before.addStreamTicket('ticket-a', { conversationId: 'a', watermark: 0, expiresAt: at(1) });
      const copied = [await before.append('a', { type: 'message', text: 'one' }, t0), await before.append('a', { type: 'message', text: 'two' }, t0)];

      const to = await fresh();
      await migrateStore(to.sql, DIRECTLINE_SCHEMA);
      const report = await copySqliteToPostgres(from.db, to.sql);
      expect(report.map((t) => [t.table, t.rows, t.verified])).toEqual([
        // Parents first: the conversation before the activities and tickets that refer to it.
        ['directline_conversations', 1, true],
        ['directline_activities', 2, true],
        ['directline_stream_tickets', 1, true],
        ['directline_tokens', 1, true],
      ]);
      const after = new SqlChannelStore(to.sql);
      expect(await after.activitiesAfter('a', 0)).toEqual(copied);
      expect(await after.token('hash-a', t0)).toMatchObject({ kind: 'valid', conversationId: 'a' });
      const next = await after.append('a', { type: 'message', text: 'three' }, t0);
      expect(next.seq).toBeGreaterThan(copied[1]!.seq);
    } finally {
      await from.close();
    }
  });
});
