import { dateIn, formatDate, GENERAL_WEEK_BINS, nextCollections, RECYCLING_WEEK_BINS, type Change } from '../../../knowledge/bins/schedule';

const tuesday = { round: 'tue-a', day: 'tuesday' as const, recyclingAnchor: '2026-12-01' };
const friday = { round: 'fri-a', day: 'friday' as const, recyclingAnchor: '2026-11-06' };
const christmas: Change = { from: '2026-12-25', to: '2026-12-26', reason: 'Christmas Day' };
const changes = (...list: Change[]) => new Map(list.map((c) => [c.from, c]));

describe('nextCollections', () => {
  it('alternates recycling and general waste weeks from the anchor', () => {
    expect(nextCollections(tuesday, '2026-11-25', changes())).toEqual([
      { date: '2026-12-01', scheduled: '2026-12-01', bins: RECYCLING_WEEK_BINS },
      { date: '2026-12-08', scheduled: '2026-12-08', bins: GENERAL_WEEK_BINS },
    ]);
  });

  it('counts today when today is collection day', () => {
    expect(nextCollections(tuesday, '2026-12-08', changes()).map((c) => c.date)).toEqual(['2026-12-08', '2026-12-15']);
  });

  it('works for weeks before the anchor too', () => {
    expect(nextCollections(tuesday, '2026-11-17', changes()).map((c) => [c.date, c.bins[0]])).toEqual([
      ['2026-11-17', 'recycling (blue bin)'],
      ['2026-11-24', 'general waste (black bin)'],
    ]);
  });

  it('moves a collection that falls on a bank holiday and says why', () => {
    expect(nextCollections(friday, '2026-12-21', changes(christmas))[0]).toEqual({
      date: '2026-12-26',
      scheduled: '2026-12-25',
      bins: GENERAL_WEEK_BINS,
      movedBecause: 'Christmas Day',
    });
  });

  it('still shows a moved collection when today is after its usual day', () => {
    // Saturday 26 December: Friday's collection moved to today.
    expect(nextCollections(friday, '2026-12-26', changes(christmas)).map((c) => c.date)).toEqual(['2026-12-26', '2027-01-01']);
  });

  it('keeps dates in order when a change moves one past the next', () => {
    const late: Change = { from: '2026-12-01', to: '2026-12-09', reason: 'Depot closed' };
    expect(nextCollections(tuesday, '2026-11-30', changes(late)).map((c) => c.date)).toEqual(['2026-12-08', '2026-12-09']);
  });
});

describe('dates', () => {
  it('formats a date as residents read it', () => {
    expect(formatDate('2026-12-01')).toBe('Tuesday 1 December');
  });

  it('takes today from the council’s time zone, not UTC', () => {
    // 23:30 UTC on 30 June is already 1 July in London (BST).
    expect(dateIn('Europe/London', new Date('2026-06-30T23:30:00Z'))).toBe('2026-07-01');
    expect(dateIn('Europe/London', new Date('2026-12-31T23:30:00Z'))).toBe('2026-12-31');
  });
});
