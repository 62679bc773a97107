import path from 'node:path';
import { openDatabase } from '../../../bot/db';
import { loadBinData } from '../../../knowledge/bins/data';
import { BinDayLookup } from '../../../knowledge/bins/lookup';
import { SqliteBinStore } from '../../../knowledge/bins/store';

const data = loadBinData(path.resolve(__dirname, '../../fixtures/kb/valid/data'));

function lookupAt(now: string) {
  const store = new SqliteBinStore(openDatabase(':memory:'));
  store.replace(data);
  return new BinDayLookup(store, 'Europe/London', () => new Date(now));
}

describe('BinDayLookup', () => {
  it('gives the next two collections for a known postcode, however it is typed', () => {
    const result = lookupAt('2026-11-25T10:00:00Z').lookup('te11aa');
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

  it('honours the bank-holiday changes loaded into SQLite', () => {
    const result = lookupAt('2026-12-21T09:00:00Z').lookup('TE1 2BB');
    expect(result.kind === 'found' && result.collections[0]).toEqual(
      expect.objectContaining({ date: '2026-12-26', scheduled: '2026-12-25', movedBecause: 'Christmas Day' }),
    );
  });

  it('says when a valid postcode is not in the rounds', () => {
    expect(lookupAt('2026-11-25T10:00:00Z').lookup('BK9 9ZZ')).toEqual({ kind: 'unknown-postcode', postcode: 'BK9 9ZZ' });
  });

  it('rejects text that is not a postcode', () => {
    expect(lookupAt('2026-11-25T10:00:00Z').lookup('my house')).toEqual({ kind: 'invalid-postcode', input: 'my house' });
  });

  it('replaces old data on reload rather than adding to it', () => {
    const store = new SqliteBinStore(openDatabase(':memory:'));
    store.replace(data);
    store.replace({ ...data, postcodes: data.postcodes.slice(0, 1) });
    expect(store.postcodeCount()).toBe(1);
  });
});
