import fc from 'fast-check';
import { maskContact, parseContact } from '../../handoff/contact';
import { PLACEHOLDERS, redact, redactEvery } from '../../handoff/redact';
import { findPostcode, findPostcodes, normalizePostcode } from '../../knowledge/bins/postcode';

/**
 * Arbitrary Unicode, empty and huge inputs for the pure text functions residents' words go
 * through. Each property checks something countable (lengths, placeholders, round trips), never
 * time: the hostile-input timing lives in each module's own test.
 */
const runs = { numRuns: 300 };

// Full Unicode (astral planes, combining marks, controls) and text built from the characters
// the patterns look for, so that near-misses are common rather than rare.
const unicode = fc.string({ unit: 'grapheme', maxLength: 200 });
const binary = fc.string({ unit: 'binary', maxLength: 200 });
const pieces = fc.constantFrom(
  '@', '.', '-', ' ', '+44', '0', '07700', '900123', '4111', '1111', 'BK3', '4TN', 'sw1a', '1aa', 'QQ', '12', '34', '56', 'C',
  'born ', 'DOB ', '12/03/1985', 'March', 'jane', 'example.com', '(', ')', '\t', '\n', 'é', '😀', '\u0301', '\u0000',
);
const shaped = fc.array(pieces, { maxLength: 60 }).map((parts) => parts.join(''));
const anyText = fc.oneof(unicode, binary, shaped, fc.constant(''));


describe('redact, on any text', () => {
  it('never throws, and is idempotent: redacting twice changes nothing more', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const once = redact(text).text;
        expect(redact(once).text).toBe(once);
      }),
      runs,
    );
  });

  it('leaves no email or UK mobile number it was given, whatever surrounds them', () => {
    const email = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9._]{0,15}$/), fc.stringMatching(/^[a-z]{1,10}\.(com|org|co\.uk|gov\.uk)$/)).map(([l, d]) => `${l}@${d}`);
    const mobile = fc.stringMatching(/^07\d{3} ?\d{6}$/);
    const secret = fc.oneof(email.map((value) => ({ value })), mobile.map((value) => ({ value })));
    fc.assert(
      fc.property(fc.array(fc.oneof(anyText, secret), { maxLength: 8 }), (parts) => {
        const { text } = redact(parts.map((p) => (typeof p === 'string' ? p : p.value)).join(' '));
        for (const p of parts) if (typeof p !== 'string') expect(text).not.toContain(p.value);
      }),
      runs,
    );
  });

  it('never makes text longer than its input plus one placeholder per character replaced', () => {
    // Every replacement swaps at least 1 character for one placeholder: a bound on the output.
    const longest = Math.max(...Object.values(PLACEHOLDERS).map((p) => p.length));
    fc.assert(
      fc.property(anyText, (text) => {
        expect(redact(text).text.length).toBeLessThanOrEqual(text.length * longest);
      }),
      runs,
    );
  });

  it('gives what every pattern would give: its shortcut (no digit, no "@": nothing to find) changes nothing', () => {
    // The same texts with every digit and "@" taken out, so the shortcut is taken as often as not.
    const withoutDigits = anyText.map((text) => text.replace(/[0-9@]/g, ''));
    fc.assert(
      fc.property(fc.oneof(anyText, withoutDigits), fc.boolean(), (text, keepPostcodes) => {
        expect(redact(text, { keepPostcodes })).toEqual(redactEvery(text, { keepPostcodes }));
      }),
      { numRuns: 1000 },
    );
  });

  it('copes with empty and very large input', () => {
    expect(redact('')).toEqual({ text: '', found: [] });
    const huge = 'call 07700 900123 or write to a@b.com '.repeat(20_000);
    const out = redact(huge);
    expect(out.text).toBe('call [phone] or write to [email] '.repeat(20_000));
  });
});

describe('postcodes, on any text', () => {
  const postcode = fc
    .tuple(fc.constantFrom('BK3', 'SW1A', 'M1', 'B33', 'CR2', 'W1A', 'EC1A', 'DN55'), fc.integer({ min: 0, max: 9 }), fc.constantFrom('AA', 'TN', 'RP', 'BX', 'HU'))
    .map(([out, digit, letters]) => `${out} ${digit}${letters}`);

  it('normalising is idempotent and only ever returns something it would accept again', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const n = normalizePostcode(text);
        if (n !== undefined) expect(normalizePostcode(n)).toBe(n);
      }),
      runs,
    );
  });

  it('reads back any valid postcode however it is spaced and cased', () => {
    fc.assert(
      fc.property(postcode, fc.boolean(), fc.constantFrom('', ' ', '  ', '\t'), (pc, lower, gap) => {
        const [out, inward] = pc.split(' ') as [string, string];
        const written = `${out}${gap}${inward}`;
        expect(normalizePostcode(lower ? written.toLowerCase() : written)).toBe(pc);
        expect(findPostcode(`my bins at ${lower ? written.toLowerCase() : written}, please`)).toBe(pc);
      }),
      runs,
    );
  });

  it('finds matches that point at what was written, and no more of them than the text could hold', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const matches = findPostcodes(text);
        // The shortest postcode written ("M11AA") is 5 characters long.
        expect(matches.length).toBeLessThanOrEqual(Math.floor(text.length / 5));
        for (const m of matches) {
          expect(text.slice(m.index, m.index + m.raw.length)).toBe(m.raw);
          expect(normalizePostcode(m.raw)).toBe(m.postcode);
        }
      }),
      runs,
    );
  });
});

describe('contact details, on any text', () => {
  it('never throws; what it accepts is an email or a UK number it would accept again', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const contact = parseContact(text);
        if (contact === undefined) return;
        expect(parseContact(contact.value)).toEqual(contact);
        expect(contact.value.length).toBeLessThanOrEqual(254);
        // The masked form never shows the whole of it.
        expect(maskContact(contact)).not.toContain(contact.value);
      }),
      runs,
    );
  });

  it('round-trips UK numbers however they are written (parse ∘ format is the identity)', () => {
    const national = fc.stringMatching(/^0[1-37]\d{9}$/);
    fc.assert(
      fc.property(national, fc.constantFrom('plain', 'spaced', 'intl', 'dashed'), (digits, style) => {
        const written = {
          plain: digits,
          spaced: `${digits.slice(0, 5)} ${digits.slice(5)}`,
          intl: `+44 ${digits.slice(1)}`,
          dashed: `${digits.slice(0, 5)}-${digits.slice(5, 8)}-${digits.slice(8)}`,
        }[style];
        const contact = parseContact(written);
        expect(contact).toEqual({ kind: 'phone', value: `${digits.slice(0, 5)} ${digits.slice(5)}` });
        expect(parseContact(contact!.value)).toEqual(contact);
      }),
      runs,
    );
  });

  it('refuses huge input rather than echo it back', () => {
    expect(parseContact(`${'a'.repeat(300)}@example.com`)).toBeUndefined();
    expect(parseContact('0'.repeat(100_000))).toBeUndefined();
  });
});
