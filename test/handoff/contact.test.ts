import { maskContact, parseContact } from '../../handoff/contact';

describe('parseContact', () => {
  it.each([
    ['jo.bloggs@example.org', { kind: 'email', value: 'jo.bloggs@example.org' }],
    ['  Jo.Bloggs@Example.ORG. ', { kind: 'email', value: 'jo.bloggs@example.org' }],
    ['my email is ann+council@mail.example.co.uk', { kind: 'email', value: 'ann+council@mail.example.co.uk' }],
    ['01632 960 123', { kind: 'phone', value: '01632 960123' }],
    ['(01632) 960123', { kind: 'phone', value: '01632 960123' }],
    ['+44 7700 900123', { kind: 'phone', value: '07700 900123' }],
    ['+44 (0)7700 900123', { kind: 'phone', value: '07700 900123' }],
    ['0044 20 7946 0000', { kind: 'phone', value: '02079 460000' }],
    ['call me on 07700-900-123', { kind: 'phone', value: '07700 900123' }],
  ])('reads %j', (input, expected) => {
    expect(parseContact(input)).toEqual(expected);
  });

  it.each(['', 'call me maybe', 'jo@example', 'jo@@example.org', 'jo bloggs@example.org', '999', '0163296', '+1 202 555 0100', '07700 900123 or email', `${'a'.repeat(250)}@example.org`])(
    'refuses %j',
    (input) => {
      expect(parseContact(input)).toBeUndefined();
    },
  );
});

describe('maskContact', () => {
  it('shows enough to recognise, not to copy', () => {
    expect(maskContact({ kind: 'email', value: 'jo.bloggs@example.org' })).toBe('j***@example.org');
    expect(maskContact({ kind: 'phone', value: '07700 900123' })).toBe('ending 123');
  });
});
