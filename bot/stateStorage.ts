import type { Storage, StoreItems } from 'botbuilder';
import type { Sql, StoreSchema } from '../knowledge/sql';

export const BOT_STATE_SCHEMA: StoreSchema = {
  store: 'bot-state',
  sqlite: [
    `CREATE TABLE bot_state (
       key TEXT PRIMARY KEY,
       doc TEXT NOT NULL,
       etag INTEGER NOT NULL,
       updated_at TEXT NOT NULL
     )`,
  ],
  postgres: [
    `CREATE TABLE bot_state (
       key TEXT PRIMARY KEY,
       doc TEXT NOT NULL,
       etag INTEGER NOT NULL,
       updated_at TEXT NOT NULL
     )`,
  ],
};

export class ETagConflictError extends Error {
  constructor(readonly key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
    this.name = 'ETagConflictError';
  }
}

const UPSERT = `INSERT INTO bot_state (key, doc, etag, updated_at) VALUES (@key, @doc, 1, @at)
  ON CONFLICT (key) DO UPDATE SET doc = excluded.doc, etag = bot_state.etag + 1, updated_at = excluded.updated_at`;

/**
 * botbuilder's Storage over SQL, so conversation and user state survive restarts and are shared
 * by every instance on one database. Optimistic concurrency as in botbuilder's own stores: a write
 * carrying an eTag other than "*" succeeds only if the stored item still has that eTag.
 *
 * The check and the write are one conditional UPDATE, not a read then a write: under PostgreSQL's
 * READ COMMITTED two instances could both read the same eTag and both write. The second UPDATE
 * waits for the first to commit, then finds the eTag moved on and changes nothing.
 */
export class SqlStorage implements Storage {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const row = await this.sql.get<{ doc: string; etag: number }>('SELECT doc, etag FROM bot_state WHERE key = ?', [key]);
      if (row) items[key] = { ...JSON.parse(row.doc), eTag: String(row.etag) };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const at = this.now().toISOString();
    await this.sql.transaction(async (tx) => {
      for (const [key, item] of Object.entries(changes)) {
        const { eTag, ...doc } = (item ?? {}) as { eTag?: string };
        const row = { key, doc: JSON.stringify(doc), at };
        if (eTag === undefined || eTag === '*') {
          await tx.run(UPSERT, row);
          continue;
        }
        // Not a number: no stored item can have it (the column is an integer), so only a new key takes it.
        const expected = /^(0|[1-9][0-9]{0,14})$/.test(eTag) ? Number(eTag) : -1;
        const updated = await tx.run('UPDATE bot_state SET doc = @doc, etag = etag + 1, updated_at = @at WHERE key = @key AND etag = @expected', { ...row, expected });
        if (updated.changes === 1) continue;
        // No row with that eTag: either the key is new (written, as botbuilder's stores do) or
        // someone else wrote it first.
        const inserted = await tx.run('INSERT INTO bot_state (key, doc, etag, updated_at) VALUES (@key, @doc, 1, @at) ON CONFLICT (key) DO NOTHING', row);
        if (inserted.changes === 0) throw new ETagConflictError(key);
      }
    });
  }

  async delete(keys: string[]): Promise<void> {
    await this.sql.transaction(async (tx) => {
      for (const key of keys) await tx.run('DELETE FROM bot_state WHERE key = ?', [key]);
    });
  }
}
