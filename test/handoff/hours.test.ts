import { isOpen, nextOpening, replyBy, type BankHolidays, type OpeningHours } from '../../handoff/hours';
import { dateIn, formatDate } from '../../knowledge/bins/schedule';

const LONDON = 'Europe/London';

// The shipped departments' hours.
const office: OpeningHours = {
  monday: '08:30-17:00',
  tuesday: '08:30-17:00',
  wednesday: '08:30-17:00',
  thursday: '08:30-17:00',
  friday: '08:30-16:30',
};
const bankHolidays: BankHolidays = new Map([
  ['2026-04-03', 'Good Friday'],
  ['2026-04-06', 'Easter Monday'],
  ['2026-08-31', 'Summer bank holiday'],
  ['2026-12-25', 'Christmas Day'],
  ['2026-12-28', 'Boxing Day (substitute day)'],
  ['2027-01-01', "New Year's Day"],
]);
const none: BankHolidays = new Map();

// Instants are written in UTC: London is UTC+0 in winter (GMT) and UTC+1 in summer (BST).
describe('isOpen', () => {
  it.each([
    ['Tuesday 08:29 GMT', '2026-12-01T08:29:00Z', false],
    ['Tuesday 08:30 GMT', '2026-12-01T08:30:00Z', true],
    ['Tuesday 16:59:59 GMT', '2026-12-01T16:59:59Z', true],
    ['Tuesday 17:00 GMT', '2026-12-01T17:00:00Z', false],
    ['Friday 16:29 GMT', '2026-12-04T16:29:00Z', true],
    ['Friday 16:30 GMT (early close)', '2026-12-04T16:30:00Z', false],
    ['Saturday noon', '2026-12-05T12:00:00Z', false],
    ['Sunday noon', '2026-12-06T12:00:00Z', false],
    ['Wednesday 08:29 BST', '2026-07-01T07:29:00Z', false],
    ['Wednesday 08:45 BST (07:45 UTC)', '2026-07-01T07:45:00Z', true],
    ['Wednesday 16:59 BST', '2026-07-01T15:59:00Z', true],
    ['Wednesday 17:00 BST (16:00 UTC)', '2026-07-01T16:00:00Z', false],
    ['00:30 BST on 1 July (23:30 UTC on 30 June)', '2026-06-30T23:30:00Z', false],
    ['bank holiday Monday, 10:00 BST', '2026-08-31T09:00:00Z', false],
    ['Good Friday, 10:00 BST', '2026-04-03T09:00:00Z', false],
    ['Christmas Day, a Friday', '2026-12-25T10:00:00Z', false],
    ['Boxing Day substitute Monday', '2026-12-28T10:00:00Z', false],
    ['Tuesday 29 December, between the holidays', '2026-12-29T10:00:00Z', true],
    ['Friday before the clocks go forward, 08:30 GMT', '2026-03-27T08:30:00Z', true],
    ['Monday after the clocks go forward, 08:29 BST', '2026-03-30T07:29:00Z', false],
    ['Monday after the clocks go forward, 08:30 BST', '2026-03-30T07:30:00Z', true],
    ['Friday before the clocks go back, 16:29 BST', '2026-10-23T15:29:00Z', true],
    ['Monday after the clocks go back, 08:30 GMT', '2026-10-26T08:30:00Z', true],
    ['Monday after the clocks go back, 07:30 UTC (still 07:30 GMT)', '2026-10-26T07:30:00Z', false],
  ])('%s: %s → %s', (_, now, open) => {
    expect(isOpen(office, bankHolidays, LONDON, new Date(now))).toBe(open);
  });

  it('is closed every day for a department with no hours', () => {
    expect(isOpen({}, none, LONDON, new Date('2026-12-01T10:00:00Z'))).toBe(false);
  });
});

describe('nextOpening', () => {
  it.each([
    ['open now: now', '2026-12-01T10:15:00Z', '2026-12-01T10:15:00.000Z'],
    ['before opening: this morning', '2026-12-01T07:00:00Z', '2026-12-01T08:30:00.000Z'],
    ['after closing: tomorrow morning', '2026-12-01T17:00:00Z', '2026-12-02T08:30:00.000Z'],
    ['Friday evening: Monday', '2026-12-04T16:30:00Z', '2026-12-07T08:30:00.000Z'],
    ['Saturday: Monday', '2026-12-05T12:00:00Z', '2026-12-07T08:30:00.000Z'],
    ['00:30 BST on 1 July: 08:30 BST that day', '2026-06-30T23:30:00Z', '2026-07-01T07:30:00.000Z'],
    ['bank holiday Monday: Tuesday', '2026-08-31T09:00:00Z', '2026-09-01T07:30:00.000Z'],
    ['Easter: Thursday evening to Tuesday', '2026-04-02T16:00:00Z', '2026-04-07T07:30:00.000Z'],
    ['Christmas Eve evening: Tuesday 29 December', '2026-12-24T17:00:00Z', '2026-12-29T08:30:00.000Z'],
    ['New Year’s Eve evening: Monday 4 January', '2026-12-31T17:00:00Z', '2027-01-04T08:30:00.000Z'],
    ['Friday GMT to Monday BST (clocks go forward)', '2026-03-27T16:30:00Z', '2026-03-30T07:30:00.000Z'],
    ['Friday BST to Monday GMT (clocks go back)', '2026-10-23T15:30:00Z', '2026-10-26T08:30:00.000Z'],
  ])('%s', (_, now, expected) => {
    expect(nextOpening(office, bankHolidays, LONDON, new Date(now))?.toISOString()).toBe(expected);
  });

  it('gives up after 14 closed days in a row', () => {
    const mondays: OpeningHours = { monday: '09:00-12:00' };
    const afterClosing = new Date('2026-12-07T18:00:00Z'); // Monday 7 December
    // One holiday Monday: closed for 14 days (the rest of today and the next 13), open on the 21st.
    const one: BankHolidays = new Map([['2026-12-14', 'a']]);
    expect(nextOpening(mondays, one, LONDON, afterClosing)?.toISOString()).toBe('2026-12-21T09:00:00.000Z');
    // Two: closed for 21 days.
    const two: BankHolidays = new Map([['2026-12-14', 'a'], ['2026-12-21', 'b']]);
    expect(nextOpening(mondays, two, LONDON, afterClosing)).toBeUndefined();
  });

  it('is undefined for a department with no hours', () => {
    expect(nextOpening({}, none, LONDON, new Date('2026-12-01T10:00:00Z'))).toBeUndefined();
  });
});

describe('opening hours across the clocks changing in the night', () => {
  // A department open in the small hours of the Sundays the clocks change (01:00 GMT → 02:00 BST
  // on 29 March; 02:00 BST → 01:00 GMT on 25 October).
  const night: OpeningHours = { sunday: '01:00-03:00' };

  it('opens at 01:00 GMT and closes at 03:00 BST on the last Sunday of March: one hour', () => {
    const saturday = new Date('2026-03-28T12:00:00Z');
    expect(nextOpening(night, none, LONDON, saturday)?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(isOpen(night, none, LONDON, new Date('2026-03-29T01:59:00Z'))).toBe(true);
    expect(isOpen(night, none, LONDON, new Date('2026-03-29T02:00:00Z'))).toBe(false);
    expect(replyBy(night, none, LONDON, saturday, 1)?.toISOString()).toBe('2026-03-29T02:00:00.000Z');
  });

  it('opens at the first 01:00 and closes at 03:00 GMT on the last Sunday of October: three hours', () => {
    const saturday = new Date('2026-10-24T12:00:00Z');
    expect(nextOpening(night, none, LONDON, saturday)?.toISOString()).toBe('2026-10-25T00:00:00.000Z');
    expect(isOpen(night, none, LONDON, new Date('2026-10-25T02:59:00Z'))).toBe(true);
    expect(replyBy(night, none, LONDON, saturday, 3)?.toISOString()).toBe('2026-10-25T03:00:00.000Z');
  });

  it('opens at 02:30 BST when told 01:30, a time the clocks skip', () => {
    const skipped: OpeningHours = { sunday: '01:30-03:00' };
    expect(nextOpening(skipped, none, LONDON, new Date('2026-03-28T12:00:00Z'))?.toISOString()).toBe('2026-03-29T01:30:00.000Z');
  });

  it('counts real hours for a line open round the clock', () => {
    const always: OpeningHours = Object.fromEntries(
      ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'].map((d) => [d, '00:00-24:00']),
    );
    // Sunday 29 March has 23 hours; 24 hours from its midnight is 01:00 BST on Monday.
    expect(replyBy(always, none, LONDON, new Date('2026-03-29T00:00:00Z'), 24)?.toISOString()).toBe('2026-03-30T00:00:00.000Z');
  });
});

describe('replyBy', () => {
  it.each([
    ['a working day from Monday noon: Tuesday noon', '2026-11-30T12:00:00Z', 8.5, '2026-12-01T12:00:00.000Z'],
    ['a working day from Monday opening: Monday close', '2026-11-30T08:30:00Z', 8.5, '2026-11-30T17:00:00.000Z'],
    ['a working day from Friday evening: Monday close', '2026-12-04T18:00:00Z', 8.5, '2026-12-07T17:00:00.000Z'],
    ['2 hours from Friday 15:00: 1½ on Friday, ½ on Monday', '2026-12-04T15:00:00Z', 2, '2026-12-07T09:00:00.000Z'],
    ['no time at all on a Saturday: Monday opening', '2026-12-05T10:00:00Z', 0, '2026-12-07T08:30:00.000Z'],
    ['a working day from Christmas Eve noon: Tuesday 29 December', '2026-12-24T12:00:00Z', 8.5, '2026-12-29T12:00:00.000Z'],
    ['a working day from the Thursday before Easter, 16:00 BST', '2026-04-02T15:00:00Z', 8.5, '2026-04-07T15:00:00.000Z'],
    ['3 hours across the clocks going back', '2026-10-23T14:30:00Z', 3, '2026-10-26T10:30:00.000Z'],
    ['3 hours across the clocks going forward', '2026-03-27T15:30:00Z', 3, '2026-03-30T09:30:00.000Z'],
  ])('%s', (_, now, hours, expected) => {
    expect(replyBy(office, bankHolidays, LONDON, new Date(now), hours)?.toISOString()).toBe(expected);
  });

  it('gives the date the bot tells the resident', () => {
    const by = replyBy(office, bankHolidays, LONDON, new Date('2026-11-30T12:00:00Z'), 8.5)!;
    expect(formatDate(dateIn(LONDON, by))).toBe('Tuesday 1 December');
  });

  it('is undefined when the department never opens', () => {
    expect(replyBy({}, none, LONDON, new Date('2026-12-01T10:00:00Z'), 1)).toBeUndefined();
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses %s working hours', (hours) => {
    expect(() => replyBy(office, none, LONDON, new Date('2026-12-01T10:00:00Z'), hours)).toThrow(RangeError);
  });
});
