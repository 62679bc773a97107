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

/** The same, but an existing item is replaced only if it still has the eTag the writer read. */
const UPSERT_IF_UNCHANGED = `${UPSERT} WHERE bot_state.etag = @expected`;

/**
 * botbuilder's Storage over SQL, so conversation and user state survive restarts and are shared
 * by every instance on one database. Optimistic concurrency as in botbuilder's own stores: a write
 * carrying an eTag other than "*" succeeds only if the stored item still has that eTag.
 *
 * The check and the write are one conditional upsert, not a read then a write: under PostgreSQL's
 * READ COMMITTED two instances could both read the same eTag and both write. The second upsert
 * waits for the first to commit, then finds the eTag moved on and changes nothing. Being one
 * statement, it also joins SQLite's group commit instead of needing a transaction (and a commit)
 * of its own on every turn.
 */
export class SqlStorage implements Storage {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const [key, { doc, eTag }] of await this.readStored(keys)) items[key] = { ...JSON.parse(doc), eTag };
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const at = this.now().toISOString();
    const writes = Object.entries(changes).map(([key, item]) => {
      const { eTag, ...doc } = (item ?? {}) as { eTag?: string };
      return this.writeOne(key, JSON.stringify(doc), eTag, at);
    });
    // botbuilder's state saves one key at a time: a single statement, committed with the other
    // writes of the same moment. More keys at once must all be written or none.
    if (writes.length === 1) return this.apply(writes[0]!, this.sql);
    await this.sql.transaction(async (tx) => {
      for (const write of writes) await this.apply(write, tx);
    });
  }

  async delete(keys: string[]): Promise<void> {
    await this.sql.transaction(async (tx) => {
      for (const key of keys) await tx.run('DELETE FROM bot_state WHERE key = ?', [key]);
    });
  }

  /**
   * The stored JSON text of these keys, with their eTags, in one query: for a caller that tells a
   * change by comparing text (bot/turnState.ts) rather than by parsing and hashing objects.
   */
  async readStored(keys: readonly string[]): Promise<Map<string, StoredDoc>> {
    if (keys.length === 0) return new Map();
    const rows = await this.sql.all<{ key: string; doc: string; etag: number }>(`SELECT key, doc, etag FROM bot_state WHERE key IN (${keys.map(() => '?').join(', ')})`, keys);
    return new Map(rows.map((r) => [r.key, { doc: r.doc, eTag: String(r.etag) }]));
  }

  /** Writes one key's JSON text; with an eTag other than "*", only if the stored item still has it. */
  async writeStored(key: string, doc: string, eTag?: string): Promise<void> {
    await this.apply(this.writeOne(key, doc, eTag, this.now().toISOString()), this.sql);
  }

  private writeOne(key: string, doc: string, eTag: string | undefined, at: string): StateWrite {
    const row = { key, doc, at };
    if (eTag === undefined || eTag === '*') return { key, sql: UPSERT, params: row };
    // Not a number: no stored item can have it (the column is an integer), so only a new key takes it.
    const expected = /^(0|[1-9][0-9]{0,14})$/.test(eTag) ? Number(eTag) : -1;
    return { key, sql: UPSERT_IF_UNCHANGED, params: { ...row, expected } };
  }

  /**
   * One statement checks and writes: a new key is inserted (as botbuilder's stores do); an
   * existing one is updated only if its eTag is still the one expected, so nothing changed means
   * someone else wrote it first.
   */
  private async apply(write: StateWrite, sql: Sql): Promise<void> {
    const { changes } = await sql.run(write.sql, write.params);
    if (changes === 0) throw new ETagConflictError(write.key);
  }
}

export interface StoredDoc {
  /** The item as stored: JSON text, without its eTag. */
  doc: string;
  eTag: string;
}

interface StateWrite {
  key: string;
  sql: string;
  params: Record<string, string | number>;
}
