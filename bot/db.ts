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

/** Why SQLite (or the file system, making the data folder) could not write, in words a council's IT team can act on. */
const STORAGE_PROBLEMS: [RegExp, string][] = [
  [/^SQLITE_READONLY|^EROFS$|^EACCES$|^EPERM$/, 'the database file or its folder is read-only for this user; Parley must be able to write to PARLEY_DATA_DIR'],
  [/^SQLITE_FULL$|^ENOSPC$/, 'the disk is full'],
  [/^SQLITE_IOERR/, 'the disk could not be written (it may be full, over a file size limit, or failing)'],
  [/^SQLITE_CANTOPEN/, 'the file cannot be opened (a missing folder, or no permission)'],
  [/^SQLITE_CORRUPT|^SQLITE_NOTADB$/, 'the file is damaged or is not a SQLite database; restore it from a backup'],
];

/** The database cannot be written: says which file, why, and the SQLite or system code. */
export class DatabaseUnavailableError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    reason: string,
  ) {
    super(`Parley cannot write its database ${file}: ${reason} (${code}). It has stopped rather than lose residents' messages.`);
    this.name = 'DatabaseUnavailableError';
  }
}

/** A storage failure (read-only, disk full, I/O, corrupt) as a DatabaseUnavailableError; anything else, undefined. */
export function storageFailure(err: unknown, file: string): DatabaseUnavailableError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const problem = STORAGE_PROBLEMS.find(([pattern]) => pattern.test(code));
  return problem && new DatabaseUnavailableError(file, code, problem[1]);
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
