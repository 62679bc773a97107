import { createHash, randomBytes } from 'node:crypto';

/**
 * Ids and tokens of the web channel. A token is three dot-separated base64url parts, shaped like
 * the JSON Web Token Azure's Direct Line issues, because Web Chat reads the resident's user id
 * from the middle part (and refuses a `dl_` id it cannot find there, as forgeable). Nothing
 * trusts that part: the server looks the whole token up by its SHA-256, and the third part is
 * 256 random bits, so a token cannot be guessed or altered.
 */

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** 128 random bits: conversation ids are never guessable, so they cannot be probed for. */
export const newConversationId = () => randomBytes(16).toString('base64url');

/** `dl_` marks an id the channel chose: Web Chat accepts it only from the token. */
export const newUserId = () => `dl_${randomBytes(12).toString('base64url')}`;

export function newToken(claims: { user: string; conv: string }): string {
  return [b64url(JSON.stringify({ alg: 'none', typ: 'parley-directline' })), b64url(JSON.stringify(claims)), randomBytes(32).toString('base64url')].join('.');
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The token from an `Authorization: Bearer …` header, or undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
