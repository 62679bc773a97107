import path from 'node:path';
import { migrateStore, openDatabase, SqliteBackend } from '../../../bot/db';
import { loadBinData } from '../../../knowledge/bins/data';
import { BinDayLookup } from '../../../knowledge/bins/lookup';
import { BIN_SCHEMA, SqlBinStore } from '../../../knowledge/bins/store';
import { describeInstances, forEachBackend, type FreshBackend } from '../../db/backends';

const data = loadBinData(path.resolve(__dirname, '../../fixtures/kb/valid/data'));

forEachBackend('BinDayLookup over SqlBinStore', (fresh) => {
  async function storeOn(open: FreshBackend = fresh): Promise<SqlBinStore> {
    const { sql } = await open();
    await migrateStore(sql, BIN_SCHEMA);
    return new SqlBinStore(sql);
  }

  async function lookupAt(now: string): Promise<BinDayLookup> {
    const store = await storeOn();
    await store.replace(data);
    return new BinDayLookup(store, 'Europe/London', () => new Date(now));
  }

  it('gives the next two collections for a known postcode, however it is typed', async () => {
    const result = await (await lookupAt('2026-11-25T10:00:00Z')).lookup('te11aa');
    expect(result).toEqual({
      kind: 'found',
      postcode: 'TE1 1AA',
      round: 'tue-a',
      today: '2026-11-25',
      collections: [
        expect.objectContaining({ date: '2026-12-01', bins: expect.arrayContaining(['recycling (blue bin)']) }),
        expect.objectContaining({ date: '2026-12-08', bins: expect.arrayContaining(['general waste (black bin)']) }),
      ],
    });
  });

  it('honours the bank-holiday changes loaded into the database', async () => {
    const result = await (await lookupAt('2026-12-21T09:00:00Z')).lookup('TE1 2BB');
    expect(result.kind === 'found' && result.collections[0]).toEqual(
      expect.objectContaining({ date: '2026-12-26', scheduled: '2026-12-25', movedBecause: 'Christmas Day' }),
    );
  });

  it('says when a valid postcode is not in the rounds', async () => {
    expect(await (await lookupAt('2026-11-25T10:00:00Z')).lookup('BK9 9ZZ')).toEqual({ kind: 'unknown-postcode', postcode: 'BK9 9ZZ' });
  });

  it('rejects text that is not a postcode', async () => {
    expect(await (await lookupAt('2026-11-25T10:00:00Z')).lookup('my house')).toEqual({ kind: 'invalid-postcode', input: 'my house' });
  });

  it('replaces old data on reload rather than adding to it', async () => {
    const store = await storeOn();
    await store.replace(data);
    await store.replace({ ...data, postcodes: data.postcodes.slice(0, 1) });
    expect(await store.postcodeCount()).toBe(1);
    expect(await store.roundFor('TE1 2BB')).toBeUndefined();
  });

  it('a replace that fails part way leaves the data as it was', async () => {
    const store = await storeOn();
    await store.replace(data);
    const twice = [...data.postcodes, data.postcodes[0]!];
    // By message: better-sqlite3's errors can come from another realm under jest, failing toThrow().
    await expect(store.replace({ ...data, postcodes: twice })).rejects.toMatchObject({ message: expect.stringMatching(/UNIQUE|duplicate key/) });
    expect(await store.postcodeCount()).toBe(data.postcodes.length);
  });
});

describe('SqlBinStore on a SQLite file from before its tables had migrations', () => {
  it('keeps the tables it finds and records the migration', async () => {
    const db = openDatabase(':memory:');
    // As the old store made them at every start, with no row in schema_migrations.
    db.exec('CREATE TABLE bin_rounds (round TEXT PRIMARY KEY, day TEXT NOT NULL, recycling_anchor TEXT NOT NULL)');
    db.exec('CREATE TABLE bin_postcodes (postcode TEXT PRIMARY KEY, round TEXT NOT NULL)');
    db.exec('CREATE TABLE bin_changes (from_date TEXT PRIMARY KEY, to_date TEXT NOT NULL, reason TEXT NOT NULL)');
    const backend = new SqliteBackend(db);
    await migrateStore(backend.sql, BIN_SCHEMA);
    await new SqlBinStore(backend.sql).replace(data);
    expect(await new SqlBinStore(backend.sql).postcodeCount()).toBe(data.postcodes.length);
    expect(await backend.sql.all("SELECT version FROM schema_migrations WHERE store = 'bin-days'")).toEqual([{ version: 1 }]);
    await backend.close();
  });
});

describeInstances('SqlBinStore', (fresh, another) => {
  it('two instances reloading at once both succeed and leave one whole copy of the data', async () => {
    const one = await fresh();
    await migrateStore(one.sql, BIN_SCHEMA);
    const two = await another(one);
    const first = new SqlBinStore(one.sql);
    const second = new SqlBinStore(two.sql);
    await first.replace(data);
    for (let round = 0; round < 10; round++) {
      await Promise.all([first.replace(data), second.replace(data)]);
      expect(await second.postcodeCount()).toBe(data.postcodes.length);
      expect(await first.roundFor('TE1 1AA')).toEqual({ round: 'tue-a', day: 'tuesday', recyclingAnchor: expect.any(String) });
    }
  });
});
