import { openDatabase } from '../../bot/db';
import { ETagConflictError, SqliteStorage } from '../../bot/stateStorage';
import { tempDbFile } from './harness';

describe('SqliteStorage', () => {
  it('reads back what it wrote, with an eTag, after the database is reopened', async () => {
    const file = tempDbFile();
    const first = openDatabase(file);
    await new SqliteStorage(first).write({ 'c/1': { misses: 1 } });
    first.close();

    const db = openDatabase(file);
    expect(await new SqliteStorage(db).read(['c/1', 'missing'])).toEqual({ 'c/1': { misses: 1, eTag: '1' } });
    db.close();
  });

  it('refuses a write with a stale eTag and keeps the newer data', async () => {
    const storage = new SqliteStorage(openDatabase(':memory:'));
    await storage.write({ k: { v: 1 } });
    const stale = (await storage.read(['k'])).k;
    await storage.write({ k: { ...stale, v: 2 } });
    await expect(storage.write({ k: { ...stale, v: 3 } })).rejects.toThrow(ETagConflictError);
    expect((await storage.read(['k'])).k).toEqual({ v: 2, eTag: '2' });
  });

  it('overwrites unconditionally with eTag "*"', async () => {
    const storage = new SqliteStorage(openDatabase(':memory:'));
    await storage.write({ k: { v: 1 } });
    await storage.write({ k: { v: 9, eTag: '*' } });
    expect((await storage.read(['k'])).k).toEqual({ v: 9, eTag: '2' });
  });

  it('deletes', async () => {
    const storage = new SqliteStorage(openDatabase(':memory:'));
    await storage.write({ a: { v: 1 }, b: { v: 2 } });
    await storage.delete(['a']);
    expect(Object.keys(await storage.read(['a', 'b']))).toEqual(['b']);
  });

  it('runs its migration once, however often it is opened', () => {
    const db = openDatabase(':memory:');
    new SqliteStorage(db);
    new SqliteStorage(db);
    expect(db.prepare("SELECT store, version FROM schema_migrations").all()).toEqual([{ store: 'bot-state', version: 1 }]);
  });
});
