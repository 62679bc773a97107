import { findPostcode, normalizePostcode } from '../../../knowledge/bins/postcode';

describe('normalizePostcode', () => {
  it.each([
    ['bk3 4tn', 'BK3 4TN'],
    ['BK34TN', 'BK3 4TN'],
    ['  bk3   4tn ', 'BK3 4TN'],
    ['SW1A 1AA', 'SW1A 1AA'],
    ['M1 1AE', 'M1 1AE'],
    ['EC1A 1BB', 'EC1A 1BB'],
  ])('accepts %s as %s', (input, expected) => {
    expect(normalizePostcode(input)).toBe(expected);
  });

  it.each(['', 'hello', 'BK3', '12345', 'BK3 4CI', 'QK1 1AA', 'BK3 4TNX'])('rejects %p', (input) => {
    expect(normalizePostcode(input)).toBeUndefined();
  });
});

describe('findPostcode', () => {
  it.each([
    ['when are my bins collected BK2 3HU?', 'BK2 3HU'],
    ['bin day for bk4 9ls pls', 'BK4 9LS'],
    ['I live at 14 Orchard Close, BK7 1RP', 'BK7 1RP'],
    ['postcode is bk71rp', 'BK7 1RP'],
  ])('finds the postcode in %p', (text, expected) => {
    expect(findPostcode(text)).toBe(expected);
  });

  it.each(['when is my bin day', 'call 01632 960000', 'XBK2 3HU'])('finds none in %p', (text) => {
    expect(findPostcode(text)).toBeUndefined();
  });
});
