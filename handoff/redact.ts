import { findPostcodes } from '../knowledge/bins/postcode';

/**
 * Privacy by default: residents' personal data is replaced by readable placeholders before a
 * message is written to a log or transcript. Pure and deterministic; every pattern is compiled
 * once, and each is anchored so that it does not backtrack badly on long or hostile text.
 *
 * Over-redacting is cheaper than leaking, but each rule still has to leave the council's own
 * business readable: dates, times, prices, emergency numbers and account references stay.
 */
export type RedactionKind = 'email' | 'phone' | 'card' | 'ni' | 'postcode' | 'dob';

export interface RedactOptions {
  /** Keep postcodes, e.g. when the resident gave one to the bin-day lookup. */
  keepPostcodes?: boolean;
}

export interface Redacted {
  text: string;
  /** The kinds replaced, each once, in the order of `REDACTION_KINDS`. */
  found: RedactionKind[];
}

export const REDACTION_KINDS: readonly RedactionKind[] = ['email', 'card', 'ni', 'phone', 'postcode', 'dob'];

export const PLACEHOLDERS: Readonly<Record<RedactionKind, string>> = {
  email: '[email]',
  phone: '[phone]',
  card: '[card]',
  ni: '[NI number]',
  postcode: '[postcode]',
  dob: '[date of birth]',
};

// Local part, "@", dot-separated domain labels and a alphabetic top-level domain. Obfuscated
// forms ("name at example dot com") are left alone: there is no reliable way to tell them from prose.
const EMAIL = /(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])/g;

// 13-19 digits, single spaces or dashes between them, not starting with 0 (no card scheme does).
// The run must be whole: a window of a longer number (a 22-digit reference) is not a card.
const CARD_CANDIDATE = /(?<![\w+])(?<!\d[ -])[1-9](?:[ -]?\d){12,18}(?![ -]?\d)/g;

// National Insurance number: prefix letters with HMRC's exclusions (D F I Q U V never used,
// O never second, BG GB KN NK NT TN ZZ never allocated), six digits, suffix A-D. HMRC's own
// specimen "QQ 12 34 56 C" breaks the letter rules but is what forms and guidance show, so
// residents copy its shape; it is redacted too.
const NI =
  /(?<![A-Z0-9])(?:QQ|(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z])[ -]?\d{2}[ -]?\d{2}[ -]?\d{2}[ -]?[A-D](?![A-Z0-9])/gi;

// UK numbers: a trunk 0 (maybe in brackets, "(01632) 960123") or +44 / 0044 with an optional
// "(0)", then a national number of 9 or 10 digits (07700 900123, 0800 123456, 020 7946 0000)
// with up to two spaces, dots or dashes, or a closing bracket, between digits. A national number never
// starts with 0. Numbers of another country: "+", a country code, 8-15 digits in all.
// Short codes (999, 101, 111), years, dates (no slashes allowed) and prices (no leading 0,
// "£" excluded before) are too short or the wrong shape to match.
const GAP = String.raw`(?:\) ?|[ .-]{1,2})?`;
const PHONE = new RegExp(
  String.raw`(?<![\w+£$])` +
    '(?:' +
    String.raw`(?:(?:\+|00) ?44 ?(?:\(0\) ?)?|\(?0)[1-9](?:${GAP}\d){8,9}` +
    '|' +
    String.raw`\+(?!44)[1-9](?:[ -]?\d){7,14}` +
    ')' +
    String.raw`(?![\d)])`,
  'g',
);

// Dates of birth. A date alone is the council's business ("my bin was missed on 12 March"), so
// only a date written right after a birth word is one: "born (on) 12/03/1985", "DOB 12 March
// 1985", "date of birth: 1985-03-12", "birthday is 3rd of May". The birth word stays, so an
// officer still sees what was given; the date goes. Fixed-width cue and date parts: no backtracking blow-up.
const MONTH = '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const DAY = String.raw`\d{1,2}(?:st|nd|rd|th)?`;
const DATE =
  '(?:' +
  String.raw`\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})` +
  '|' +
  String.raw`\d{4}-\d{1,2}-\d{1,2}` +
  '|' +
  String.raw`${DAY} (?:of )?${MONTH}\.?(?:,? \d{4})?` +
  '|' +
  String.raw`${MONTH}\.? ${DAY}(?:,? \d{4})?` +
  ')';
const DOB = new RegExp(
  String.raw`(\b(?:born|d\.?o\.?b\.?|date of birth|birth ?date|birthday)(?:[ \t]*[:,-])?[ \t]{0,3}(?:(?:is|was|on|=)[ \t]{1,3}){0,2})${DATE}(?![\w/.-]\d)(?!\w)`,
  'gi',
);

/** Luhn checksum, the check digit every payment card carries. */
function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

// Every kind above needs an ASCII digit (phones, cards, NI numbers, postcodes, dates) or an "@"
// (emails); most of what residents and the bot write has neither, and is then returned at once.
const MAY_HOLD_PERSONAL_DATA = /[0-9@]/;

/** Replaces personal data in `text` with placeholders and says which kinds it found. */
export function redact(text: string, options: RedactOptions = {}): Redacted {
  if (!MAY_HOLD_PERSONAL_DATA.test(text)) return { text, found: [] };
  return redactEvery(text, options);
}

/** `redact` without the shortcut: every pattern on every text (exported for the test that the shortcut changes nothing). */
export function redactEvery(text: string, options: RedactOptions = {}): Redacted {
  const found = new Set<RedactionKind>();
  const replaceWith = (kind: RedactionKind) => () => {
    found.add(kind);
    return PLACEHOLDERS[kind];
  };

  // Order matters: emails first (their local parts may hold digits or postcode-like text),
  // cards before phones (a group inside a card number can look like a phone number).
  let out = text.replace(EMAIL, replaceWith('email'));
  // Before cards and phones: "12-03-1985" must go as a date of birth, not be read as digits.
  out = out.replace(DOB, (_match, cue: string) => {
    found.add('dob');
    return cue + PLACEHOLDERS.dob;
  });
  out = out.replace(CARD_CANDIDATE, (match) => {
    // Only numbers that pass Luhn are cards. Council tax and business rates account numbers,
    // benefit claim references and the like are just as long, and an officer needs them to
    // help; only about 1 in 10 of them passes Luhn by chance (and is then redacted, the safe way).
    if (!passesLuhn(match.replace(/[ -]/g, ''))) return match;
    found.add('card');
    return PLACEHOLDERS.card;
  });
  out = out.replace(NI, replaceWith('ni'));
  out = out.replace(PHONE, replaceWith('phone'));
  if (!options.keepPostcodes) out = replacePostcodes(out, () => found.add('postcode'));

  return { text: out, found: REDACTION_KINDS.filter((k) => found.has(k)) };
}

/** The postcode rules live with the bin lookup (knowledge/bins/postcode.ts); one definition. */
function replacePostcodes(text: string, onFound: () => void): string {
  const matches = findPostcodes(text);
  if (!matches.length) return text;
  onFound();
  let out = '';
  let from = 0;
  for (const m of matches) {
    out += text.slice(from, m.index) + PLACEHOLDERS.postcode;
    from = m.index + m.raw.length;
  }
  return out + text.slice(from);
}
