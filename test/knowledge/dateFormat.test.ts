import { dateFormat } from '../../knowledge/dateFormat';

describe('dateFormat', () => {
  it('keeps one formatter per locale and options, and formats as Intl does', () => {
    const london = dateFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    expect(dateFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })).toBe(london);
    expect(dateFormat('en-GB', { timeZone: 'UTC', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })).not.toBe(london);
    expect(dateFormat('en-CA', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })).not.toBe(london);
    // 12:30 UTC in July is 13:30 British Summer Time.
    expect(london.format(new Date('2026-07-01T12:30:00Z'))).toBe('13:30');
  });
});
