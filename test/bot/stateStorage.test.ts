import { SqliteBackend, openDatabase, migrateStore } from '../../bot/db';
import { BOT_STATE_SCHEMA, ETagConflictError, SqlStorage } from '../../bot/stateStorage';
import { describeInstances, forEachBackend } from '../db/backends';
import { tempDbFile } from '../tempDb';

forEachBackend('SqlStorage', (fresh) => {
  async function storage(): Promise<SqlStorage> {
    const backend = await fresh();
    await migrateStore(backend.sql, BOT_STATE_SCHEMA);
    return new SqlStorage(backend.sql);
  }

  it('reads what it wrote, with an eTag; a missing key is left out', async () => {
    const s = await storage();
    await s.write({ 'c/1': { misses: 1, nested: { postcode: 'BK3 4TN' } } });
    expect(await s.read(['c/1', 'missing'])).toEqual({ 'c/1': { misses: 1, nested: { postcode: 'BK3 4TN' }, eTag: '1' } });
  });

  it('refuses a write with a stale eTag and keeps the newer data', async () => {
    const s = await storage();
    await s.write({ k: { v: 1 } });
    const stale = (await s.read(['k'])).k;
    await s.write({ k: { ...stale, v: 2 } });
    await expect(s.write({ k: { ...stale, v: 3 } })).rejects.toThrow(ETagConflictError);
    await expect(s.write({ k: { ...stale, v: 3 } })).rejects.toThrow('Storage: error writing "k" due to eTag conflict.');
    expect((await s.read(['k'])).k).toEqual({ v: 2, eTag: '2' });
  });

  it('a write with an eTag to a key not stored yet creates it, as botbuilder\'s stores do', async () => {
    const s = await storage();
    await s.write({ k: { v: 1, eTag: '7' } });
    expect((await s.read(['k'])).k).toEqual({ v: 1, eTag: '1' });
  });

  it('a conflict on one key of a write keeps none of that write', async () => {
    const s = await storage();
    await s.write({ a: { v: 1 }, b: { v: 1 } });
    await s.write({ b: { v: 2 } });
    await expect(s.write({ a: { v: 9, eTag: '1' }, b: { v: 9, eTag: '1' } })).rejects.toThrow(ETagConflictError);
    expect(await s.read(['a', 'b'])).toEqual({ a: { v: 1, eTag: '1' }, b: { v: 2, eTag: '2' } });
  });

  it('overwrites unconditionally with eTag "*"', async () => {
    const s = await storage();
    await s.write({ k: { v: 1 } });
    await s.write({ k: { v: 9, eTag: '*' } });
    expect((await s.read(['k'])).k).toEqual({ v: 9, eTag: '2' });
  });

  it('deletes', async () => {
    const s = await storage();
    await s.write({ a: { v: 1 }, b: { v: 2 } });
    await s.delete(['a']);
    expect(Object.keys(await s.read(['a', 'b']))).toEqual(['b']);
  });

  it('runs its migration once, however often it is applied', async () => {
    const backend = await fresh();
    await migrateStore(backend.sql, BOT_STATE_SCHEMA);
    await migrateStore(backend.sql, BOT_STATE_SCHEMA);
    expect(await backend.sql.all("SELECT store, version FROM schema_migrations WHERE store = 'bot-state'")).toEqual([{ store: 'bot-state', version: 1 }]);
  });
});

describe('SqlStorage on a SQLite file', () => {
  it('keeps what it wrote after the database is reopened', async () => {
    const file = tempDbFile();
    const first = new SqliteBackend(openDatabase(file));
    await migrateStore(first.sql, BOT_STATE_SCHEMA);
    await new SqlStorage(first.sql).write({ 'c/1': { misses: 1 } });
    await first.close();

    const again = new SqliteBackend(openDatabase(file));
    expect(await new SqlStorage(again.sql).read(['c/1'])).toEqual({ 'c/1': { misses: 1, eTag: '1' } });
    await again.close();
  });
});

describeInstances('SqlStorage', (fresh, another) => {
  it('two writes of one key with the same eTag at once: one succeeds, the other gets the eTag conflict', async () => {
    const one = await fresh();
    await migrateStore(one.sql, BOT_STATE_SCHEMA);
    const two = await another(one);
    const first = new SqlStorage(one.sql);
    const second = new SqlStorage(two.sql);
    for (let round = 1; round <= 20; round++) {
      const key = `test/conversations/race-${round}/`;
      await first.write({ [key]: { turn: 0 } });
      const { eTag } = (await first.read([key]))[key] as { eTag: string };
      const results = await Promise.allSettled([first.write({ [key]: { turn: 1, eTag } }), second.write({ [key]: { turn: 2, eTag } })]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(1);
      expect(lost[0]).toBeInstanceOf(ETagConflictError);
      const stored = (await second.read([key]))[key] as { turn: number; eTag: string };
      expect(stored.eTag).toBe('2');
      expect(stored.turn).toBe(results[0]!.status === 'fulfilled' ? 1 : 2);
    }
  });
});
