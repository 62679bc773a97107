import { redact, type RedactionKind } from '../../handoff/redact';

type Case = [input: string, expected: string, found: RedactionKind[]];

describe('redact', () => {
  const emails: Case[] = [
    ['my email is jane.doe@example.com thanks', 'my email is [email] thanks', ['email']],
    ['Jane_Doe+council@mail.example.co.uk.', '[email].', ['email']],
    ['a@b.io, c.d@e-f.org', '[email], [email]', ['email']],
  ];
  const phones: Case[] = [
    ['call me on 07700 900123', 'call me on [phone]', ['phone']],
    ['call me on 07700  900123', 'call me on [phone]', ['phone']],
    ['call me on 07700.900.123', 'call me on [phone]', ['phone']],
    ['on 01.02.2026 at 10.30', 'on 01.02.2026 at 10.30', []],
    ['07700900123', '[phone]', ['phone']],
    ['mobile: 07700-900-123', 'mobile: [phone]', ['phone']],
    ['+44 7700 900123 after 5', '[phone] after 5', ['phone']],
    ['+447700900123', '[phone]', ['phone']],
    ['0044 7700 900123', '[phone]', ['phone']],
    ['+44 (0)1632 960123', '[phone]', ['phone']],
    ['landline 01632 960 123.', 'landline [phone].', ['phone']],
    ['(01632) 960123', '[phone]', ['phone']],
    ['020 7946 0000', '[phone]', ['phone']],
    ['freephone 0800 123 4567 or 0800 123456', 'freephone [phone] or [phone]', ['phone']],
    ['tel:01632960000', 'tel:[phone]', ['phone']],
    ['07700 900123, 07700 900456', '[phone], [phone]', ['phone']],
    ['my Irish number +353 85 123 4567', 'my Irish number [phone]', ['phone']],
  ];
  const cards: Case[] = [
    ['card 4111 1111 1111 1111 exp 12/27', 'card [card] exp 12/27', ['card']],
    ['4111-1111-1111-1111', '[card]', ['card']],
    ['5500000000000004', '[card]', ['card']],
    ['amex 3782 822463 10005', 'amex [card]', ['card']],
  ];
  const niNumbers: Case[] = [
    ['NI: QQ 12 34 56 C', 'NI: [NI number]', ['ni']],
    ['ab123456c', '[NI number]', ['ni']],
    ['my NI number is JT 123456 A.', 'my NI number is [NI number].', ['ni']],
  ];
  const postcodes: Case[] = [
    ['I live at 14 Orchard Close, BK7 1RP', 'I live at 14 Orchard Close, [postcode]', ['postcode']],
    ['bins for bk3 4tn and SW1A1AA?', 'bins for [postcode] and [postcode]?', ['postcode']],
  ];
  // A date is a date of birth only right after a birth word; the word stays, the date goes.
  const datesOfBirth: Case[] = [
    ['born 12/03/1985', 'born [date of birth]', ['dob']],
    ['I was born on 12.03.85 in Leeds', 'I was born on [date of birth] in Leeds', ['dob']],
    ['DOB 12 March 1985', 'DOB [date of birth]', ['dob']],
    ['d.o.b: 3rd of May 1990.', 'd.o.b: [date of birth].', ['dob']],
    ['date of birth: 1985-03-12', 'date of birth: [date of birth]', ['dob']],
    ['Date of birth is 12-03-1985, thanks', 'Date of birth is [date of birth], thanks', ['dob']],
    ['my birthday is March 12, 1985', 'my birthday is [date of birth]', ['dob']],
    ['birth date = 1 Jan 2001', 'birth date = [date of birth]', ['dob']],
  ];
  const mixed: Case[] = [
    [
      'Jane, jane@example.com, 07700 900123, BK3 4TN, card 4111 1111 1111 1111, NI AB 12 34 56 C',
      'Jane, [email], [phone], [postcode], card [card], NI [NI number]',
      ['email', 'card', 'ni', 'phone', 'postcode'],
    ],
  ];

  it.each([...emails, ...phones, ...cards, ...niNumbers, ...postcodes, ...datesOfBirth, ...mixed])('%p → %p', (input, expected, found) => {
    expect(redact(input)).toEqual({ text: expected, found });
  });

  // Things a resident writes that look a little like personal data but are not.
  const untouched: [why: string, input: string][] = [
    ['a date', 'my bin was missed on 25/12/2026'],
    ['a date with dots', 'paid on 01.02.2026 at 10.30'],
    ['an ISO date', 'from 2026-01-05 to 2026-02-01'],
    ['a time', 'they came at 07:30, not 10:00'],
    ['a price', 'the bill is £120.50, was £1,204.99'],
    ['an emergency number', 'call 999 or 111, or 101 for the police'],
    ['a year and short numbers', 'since 2019 I paid 12345 and ref 0123'],
    ['a 16-digit number that fails Luhn (an account reference)', 'account 4111 1111 1111 1112'],
    ['a long reference that fails Luhn', 'council tax ref 1234567890123456'],
    ['a number longer than any card', 'ref 4111 1111 1111 1111 1111 1'],
    ['an obfuscated email', 'write to name at example dot com'],
    ['an @ mention', 'thanks @council'],
    ['NI-like with an excluded prefix', 'GB 12 34 56 A and DA123456B and AO123456A'],
    ['NI-like with a wrong suffix', 'AB 12 34 56 E'],
    ['a postcode-like word', 'XBK2 3HU'],
    ['a house number and street', '14 Orchard Close'],
    ['an ordinary date in words', 'my bin was missed on 12 March'],
    ['an ordinary date with a year', 'the bill dated 12/03/2026 was wrong'],
    ['a birth word far from any date', 'my son was born here and on 12 March the bin was missed'],
    ['a birth certificate, not a date', 'how do I get a copy of a birth certificate from 1985'],
  ];
  it.each(untouched)('leaves %s alone', (_why, input) => {
    expect(redact(input)).toEqual({ text: input, found: [] });
  });

  it('keeps postcodes when asked, and still redacts the rest', () => {
    expect(redact('BK3 4TN, 07700 900123', { keepPostcodes: true })).toEqual({ text: 'BK3 4TN, [phone]', found: ['phone'] });
  });

  it('gives the same answer every time (no state kept between calls)', () => {
    const input = 'a@b.com 07700 900123 BK3 4TN';
    expect(redact(input)).toEqual(redact(input));
    expect(redact(input).text).toBe('[email] [phone] [postcode]');
  });

  it('handles long hostile text in linear time', () => {
    const hostile = `${'a.'.repeat(50_000)}@${'b-'.repeat(50_000)} ${'1 '.repeat(50_000)}${'07700 '.repeat(20_000)}`;
    const started = process.hrtime.bigint();
    redact(hostile);
    // Generous: a backtracking blow-up would take minutes, linear work takes milliseconds.
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(2000);
  });
});
