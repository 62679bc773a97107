/**
 * UK postcodes: the format published by Royal Mail (outward code, space, inward code).
 * Letters that never appear in given positions are excluded, so "BK3 4TN" passes and
 * "BK3 4CI" does not.
 */
const OUTWARD = '(?:[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?|[0-9][A-HJKPS-UW]|[A-HK-Y][0-9]))';
const INWARD = '[0-9][ABD-HJLNP-UW-Z]{2}';
const EXACT = new RegExp(`^(${OUTWARD}) ?(${INWARD})$`);
const IN_TEXT = new RegExp(`(?<![A-Z0-9])(${OUTWARD}) ?(${INWARD})(?![A-Z0-9])`);

/** "bk3  4tn" → "BK3 4TN"; undefined when it is not a valid UK postcode. */
export function normalizePostcode(input: string): string | undefined {
  const m = EXACT.exec(input.trim().toUpperCase().replace(/\s+/g, ' '));
  return m ? `${m[1]} ${m[2]}` : undefined;
}

/** The first UK postcode written anywhere in a message, normalised. */
export function findPostcode(text: string): string | undefined {
  const m = IN_TEXT.exec(text.slice(0, 2000).toUpperCase().replace(/[ \t]+/g, ' '));
  return m ? `${m[1]} ${m[2]}` : undefined;
}

/** Every postcode in a text, case-insensitive, with where it was written (for redaction). */
export interface PostcodeMatch {
  /** Normalised, e.g. "BK3 4TN". */
  postcode: string;
  /** Offset of the match in the original text. */
  index: number;
  /** The text as written, e.g. "bk3  4tn". */
  raw: string;
}

// The same outward/inward patterns as IN_TEXT, on the original text: the `i` flag stands in for
// upper-casing and `[ \t]*` for collapsing spaces, so offsets point into what the resident wrote.
const ALL_IN_TEXT = new RegExp(`(?<![A-Z0-9])(${OUTWARD})[ \\t]*(${INWARD})(?![A-Z0-9])`, 'gi');

export function findPostcodes(text: string): PostcodeMatch[] {
  return Array.from(text.matchAll(ALL_IN_TEXT), (m) => ({
    postcode: `${m[1]!.toUpperCase()} ${m[2]!.toUpperCase()}`,
    index: m.index,
    raw: m[0],
  }));
}
