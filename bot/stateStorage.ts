import type { Storage, StoreItems } from 'botbuilder';
import { migrate, type Db } from './db';

const MIGRATIONS = [
  `CREATE TABLE bot_state (
     key TEXT PRIMARY KEY,
     doc TEXT NOT NULL,
     etag INTEGER NOT NULL,
     updated_at TEXT NOT NULL
   )`,
];

export class ETagConflictError extends Error {
  constructor(readonly key: string) {
    super(`Storage: error writing "${key}" due to eTag conflict.`);
    this.name = 'ETagConflictError';
  }
}

/**
 * botbuilder's Storage on SQLite, so conversation and user state survive restarts.
 * Optimistic concurrency as in botbuilder's own stores: a write carrying an eTag other
 * than "*" succeeds only if the stored item still has that eTag.
 */
export class SqliteStorage implements Storage {
  private readonly select;
  private readonly upsert;
  private readonly remove;

  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {
    migrate(db, 'bot-state', MIGRATIONS);
    this.select = db.prepare<[string], { doc: string; etag: number }>('SELECT doc, etag FROM bot_state WHERE key = ?');
    this.upsert = db.prepare(
      `INSERT INTO bot_state (key, doc, etag, updated_at) VALUES (@key, @doc, 1, @at)
       ON CONFLICT (key) DO UPDATE SET doc = excluded.doc, etag = bot_state.etag + 1, updated_at = excluded.updated_at`,
    );
    this.remove = db.prepare('DELETE FROM bot_state WHERE key = ?');
  }

  async read(keys: string[]): Promise<StoreItems> {
    const items: StoreItems = {};
    for (const key of keys) {
      const row = this.select.get(key);
      if (row) items[key] = { ...JSON.parse(row.doc), eTag: String(row.etag) };
    }
    return items;
  }

  async write(changes: StoreItems): Promise<void> {
    const at = this.now().toISOString();
    this.db.transaction(() => {
      for (const [key, item] of Object.entries(changes)) {
        const { eTag, ...doc } = (item ?? {}) as { eTag?: string };
        if (eTag !== undefined && eTag !== '*') {
          const current = this.select.get(key);
          if (current && String(current.etag) !== eTag) throw new ETagConflictError(key);
        }
        this.upsert.run({ key, doc: JSON.stringify(doc), at });
      }
    }).immediate();
  }

  async delete(keys: string[]): Promise<void> {
    this.db.transaction(() => keys.forEach((k) => this.remove.run(k))).immediate();
  }

  // Privacy (handoff/privacy.ts): retention and erasure.

  /** Removes the state of conversations and residents not written since `cutoff`. */
  purge(cutoff: Date): number {
    return this.db.prepare('DELETE FROM bot_state WHERE updated_at < ?').run(cutoff.toISOString()).changes;
  }

  /**
   * Removes a conversation's state and its residents' on any channel. botbuilder's keys are
   * "<channel>/conversations/<id>/<namespace>" and "<channel>/users/<id>/<namespace>" (a channel
   * id has no "/"), so a key is matched by what follows its channel.
   */
  erase(conversationId: string, userIds: readonly string[]): number {
    const remove = this.db.prepare<{ after: string }>("DELETE FROM bot_state WHERE substr(key, instr(key, '/'), length(@after)) = @after");
    const afters = [`/conversations/${conversationId}/`, ...userIds.map((u) => `/users/${u}/`)];
    return this.db.transaction(() => afters.reduce((n, after) => n + remove.run({ after }).changes, 0))();
  }
}
