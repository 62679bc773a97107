import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

/**
 * Opens (creating if needed) a SQLite file with the settings every store relies on:
 * WAL so readers never block the writer, a busy timeout instead of immediate SQLITE_BUSY,
 * and NORMAL sync, which in WAL mode is durable across process crashes.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  return db;
}

/**
 * Applies a store's numbered migrations that have not run yet, each in its own transaction.
 * `migrations[0]` is version 1. Never edit a released migration: add the next one.
 */
export function migrate(db: Db, store: string, migrations: readonly string[]): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    store TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (store, version))`);
  const applied = db.prepare<[string], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations WHERE store = ?').get(store)?.v ?? 0;
  const record = db.prepare('INSERT INTO schema_migrations (store, version, applied_at) VALUES (?, ?, ?)');
  migrations.forEach((sql, i) => {
    const version = i + 1;
    if (version <= applied) return;
    db.transaction(() => {
      db.exec(sql);
      record.run(store, version, new Date().toISOString());
    }).immediate();
  });
}
