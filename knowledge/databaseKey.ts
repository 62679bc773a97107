import { createHmac, randomBytes } from 'node:crypto';
import type { Sql } from './sql';

/**
 * A random secret made once per database and kept in a one-column table, for the keyed hashes
 * that stand in for conversation ids (knowledge gaps, reporting events). Every instance sharing
 * the database must use the same key, or one resident would count as several.
 *
 * Made with one conditional INSERT: on SQLite the single writer makes it atomic; on PostgreSQL
 * two instances starting together can both see an empty table, so the table has a unique index
 * on a constant (at most one row) and the loser's insert does nothing. Both then read the winner's.
 */
export function databaseKey(sql: Sql, table: string): () => Promise<string> {
  let key: Promise<string> | undefined;
  const load = async (): Promise<string> => {
    await sql.run(`INSERT INTO ${table} (key) SELECT ? WHERE NOT EXISTS (SELECT 1 FROM ${table}) ON CONFLICT DO NOTHING`, [randomBytes(32).toString('base64')]);
    const row = await sql.get<{ key: string }>(`SELECT key FROM ${table}`);
    if (!row) throw new Error(`The key in ${table} was made but cannot be read back`);
    return row.key;
  };
  return () => {
    // A failed read (the database briefly unreachable) is tried again next time, not kept.
    key ??= load().catch((err: unknown) => {
      key = undefined;
      throw err;
    });
    return key;
  };
}

/** Conversations whose hash is remembered, per key: a conversation asks again and again. */
const REMEMBERED = 10_000;
const remembered = new Map<string, Map<string, string>>();

/**
 * The keyed hash that stands in for a conversation id in a table keyed by `databaseKey` (the same
 * sum wherever one is made or looked for, so erasure finds what recording stored). Remembered for
 * the most recent conversations: an HMAC costs more than the rest of recording an event.
 */
export function conversationHash(key: string, conversationId: string): string {
  let hashes = remembered.get(key);
  if (!hashes) remembered.set(key, (hashes = new Map()));
  let hash = hashes.get(conversationId);
  if (hash === undefined) {
    hash = createHmac('sha256', key).update(conversationId).digest('hex').slice(0, 32);
    if (hashes.size >= REMEMBERED) hashes.delete(hashes.keys().next().value!);
    hashes.set(conversationId, hash);
  }
  return hash;
}
