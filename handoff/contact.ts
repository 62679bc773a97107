/**
 * How a resident who leaves a message wants the reply: an email address or a UK phone number,
 * read from what they typed. Strict enough that a department can act on it, loose about spaces,
 * brackets and "+44".
 */

export type Contact = { kind: 'email' | 'phone'; value: string };

// One @, no spaces, a dot in the domain with at least two letters after the last one.
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$/i;

export function parseContact(input: string): Contact | undefined {
  const text = input.trim().replace(/^(my )?(email( address)? is|phone( number)? is|call me on|email me at)\s*/i, '').replace(/[.!]+$/, '');
  if (EMAIL.test(text) && text.length <= 254) return { kind: 'email', value: text.toLowerCase() };
  const phone = ukPhone(text);
  return phone ? { kind: 'phone', value: phone } : undefined;
}

/**
 * A UK number written the usual ways ("01632 960 123", "(01632) 960123", "+44 7700 900123",
 * "07700-900-123"), as national digits grouped for reading back; undefined for anything else.
 * UK numbers are 0 plus 9 or 10 digits; 999-style short codes are not a way to be called back.
 */
function ukPhone(text: string): string | undefined {
  if (!/^[+\d\s().-]+$/.test(text)) return undefined;
  let digits = text.replace(/[^\d+]/g, '');
  if (digits.startsWith('+44')) digits = `0${digits.slice(3).replace(/^0/, '')}`;
  else if (digits.startsWith('0044')) digits = `0${digits.slice(4).replace(/^0/, '')}`;
  if (!/^0\d{9,10}$/.test(digits)) return undefined;
  // Mobiles and 0800s read 5-6, geographic 011x/01x1 and 02x numbers have their own shapes; 5-6 is always readable.
  return `${digits.slice(0, 5)} ${digits.slice(5)}`;
}

/** "a***@example.com" / "***** **0123": enough for the resident to recognise, not to copy. */
export function maskContact(contact: Contact): string {
  if (contact.kind === 'email') {
    const [local = '', domain = ''] = contact.value.split('@');
    return `${local.slice(0, 1)}***@${domain}`;
  }
  return `ending ${contact.value.replace(/\D/g, '').slice(-3)}`;
}
