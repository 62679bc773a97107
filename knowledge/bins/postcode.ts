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
