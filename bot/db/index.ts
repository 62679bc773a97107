import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type pg from 'pg';
import type { Sql, StoreSchema } from '../../knowledge/sql';
import { LocalBroadcast, PostgresBroadcast, type Broadcast } from './broadcast';
import { PostgresSql, postgresPool } from './postgres';
import { SqliteSql } from './sqlite';
import { BackgroundCheckpointer, FALLBACK_CHECKPOINT_PAGES } from './checkpointer';
import { BackgroundWriter } from './writer';

export type { Sql, StoreSchema } from '../../knowledge/sql';
export type { Broadcast } from './broadcast';

export type Db = Database.Database;

/**
 * Opens (creating if needed) a SQLite file with the settings every store relies on:
 * WAL so readers never block the writer, a busy timeout instead of immediate SQLITE_BUSY,
 * and NORMAL sync, which in WAL mode is durable across process crashes.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  // WAL is a setting of the file; the others are each connection's (the writer thread's too).
  db.pragma('journal_mode = WAL');
  for (const pragma of CONNECTION_PRAGMAS) db.pragma(pragma);
  return db;
}

/** What every connection to the file is set to, whichever thread opens it. */
export const CONNECTION_PRAGMAS = ['synchronous = NORMAL', 'busy_timeout = 5000', 'foreign_keys = ON'] as const;

/** Why SQLite (or the file system, making the data folder) could not write, in words a council's IT team can act on. */
const STORAGE_PROBLEMS: [RegExp, string][] = [
  [/^SQLITE_READONLY|^EROFS$|^EACCES$|^EPERM$/, 'the database file or its folder is read-only for this user; Parley must be able to write to PARLEY_DATA_DIR'],
  [/^SQLITE_FULL$|^ENOSPC$/, 'the disk is full'],
  [/^SQLITE_IOERR/, 'the disk could not be written (it may be full, over a file size limit, or failing)'],
  [/^SQLITE_CANTOPEN/, 'the file cannot be opened (a missing folder, or no permission)'],
  [/^SQLITE_CORRUPT|^SQLITE_NOTADB$/, 'the file is damaged or is not a SQLite database; restore it from a backup'],
  // PostgreSQL (DATABASE_URL): the network, then the server's own SQLSTATE codes.
  [/^ECONNREFUSED$|^ENOTFOUND$|^EHOSTUNREACH$|^ETIMEDOUT$|^EAI_AGAIN$/, 'the PostgreSQL server cannot be reached; check the host and port in DATABASE_URL and that the server is running'],
  [/^28P01$|^28000$/, 'PostgreSQL refused the user name or password in DATABASE_URL'],
  [/^3D000$/, 'the database named in DATABASE_URL does not exist; create it (createdb) first'],
  [/^42501$/, 'the PostgreSQL user in DATABASE_URL may not create or change tables; it must own the database'],
];

/** The database cannot be written: says which file, why, and the SQLite or system code. */
export class DatabaseUnavailableError extends Error {
  constructor(
    readonly file: string,
    readonly code: string,
    reason: string,
  ) {
    super(`Parley cannot use its database ${file}: ${reason} (${code}). It has stopped rather than lose residents' messages.`);
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
 * Where Parley keeps its data, whichever database it is: the stores' `Sql`, the broadcast
 * between instances, and scheduled jobs run by one instance at a time.
 */
export interface Backend {
  readonly sql: Sql;
  readonly broadcast: Broadcast;
  /** 'SQLite /path/parley.sqlite' or 'PostgreSQL host:port/db' (never the password), for logs. */
  readonly label: string;
  /**
   * Runs a scheduled job unless another instance is running it now (a PostgreSQL advisory lock;
   * on SQLite there is one instance). True if it ran here.
   */
  exclusively(job: string, work: () => Promise<void>): Promise<boolean>;
  /** Throws unless the database answers: for /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** SQLite: one file, one process. `db` stays reachable for the scripts that read it directly. */
export class SqliteBackend implements Backend {
  readonly sql: SqliteSql;
  readonly broadcast = new LocalBroadcast();
  readonly label: string;
  private checkpointer: BackgroundCheckpointer | undefined;
  private writer: BackgroundWriter | undefined;

  constructor(readonly db: Db) {
    this.sql = new SqliteSql(db);
    this.label = `SQLite ${db.name}`;
  }

  async exclusively(_job: string, work: () => Promise<void>): Promise<boolean> {
    await work();
    return true;
  }

  async ping(): Promise<void> {
    await this.sql.get('SELECT 1 AS ok');
  }

  /**
   * Moves SQLite's checkpoints to a worker thread (see ./checkpointer.ts): for the server, where
   * a checkpoint inside a commit stops every conversation for milliseconds. Scripts and tests
   * that open the file briefly keep SQLite's own.
   */
  checkpointInBackground(log: Pick<Console, 'error'>): void {
    if (this.checkpointer || this.db.memory) return;
    this.checkpointer = new BackgroundCheckpointer(this.db.name, log);
    this.db.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
  }

  /**
   * Moves the group commits to a worker thread with its own connection (see ./writer.ts): for the
   * server, where they are a good part of the event loop's work. Reads and transactions stay here.
   */
  commitInBackground(log: Pick<Console, 'error'>): void {
    if (this.writer || this.db.memory) return;
    const autocheckpoint = this.checkpointer ? FALLBACK_CHECKPOINT_PAGES : 1_000;
    this.writer = new BackgroundWriter(this.db.name, log, [...CONNECTION_PRAGMAS, `wal_autocheckpoint = ${autocheckpoint}`]);
    this.sql.commitInBackground(this.writer);
  }

  async close(): Promise<void> {
    await this.broadcast.close();
    if (!this.db.open) return;
    try {
      await this.sql.flush();
      await this.writer?.close();
      if (this.checkpointer) {
        await this.checkpointer.stop();
        // The server's last act: everything into the main file, so a copy or backup of it alone is whole.
        this.db.pragma('wal_checkpoint(TRUNCATE)');
      }
    } finally {
      this.db.close();
    }
  }
}

/** PostgreSQL, shared by any number of instances. */
export class PostgresBackend implements Backend {
  readonly pool: pg.Pool;
  readonly sql: PostgresSql;
  readonly broadcast: PostgresBroadcast;
  readonly label: string;

  constructor(
    readonly url: string,
    log: Pick<Console, 'error'>,
    poolSize = 10,
  ) {
    this.pool = postgresPool(url, poolSize);
    // An idle pooled connection that the server drops (a restart, a failover) must not crash
    // the process: pg emits it on the pool, and the next query simply opens a new connection.
    this.pool.on('error', (err) => log.error(`[database] an idle PostgreSQL connection failed: ${err.message}`));
    this.sql = new PostgresSql(this.pool);
    this.broadcast = new PostgresBroadcast(url, this.pool, log);
    this.label = postgresLabel(url);
  }

  async exclusively(job: string, work: () => Promise<void>): Promise<boolean> {
    // A session lock on a connection of its own: released by unlock, or by PostgreSQL itself if
    // this instance dies mid-job, so a crash never leaves the job locked.
    const client = await this.pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [`parley:${job}`]);
      if (!rows[0]?.locked) return false;
      try {
        await work();
        return true;
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`parley:${job}`]);
      }
    } finally {
      client.release();
    }
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.broadcast.close();
    await this.pool.end();
  }
}

/** 'PostgreSQL host:port/db': where, for logs and errors, never the password. */
export function postgresLabel(url: string): string {
  const where = new URL(url);
  return `PostgreSQL ${where.hostname}${where.port ? `:${where.port}` : ''}${where.pathname}`;
}

/** PostgreSQL when `DATABASE_URL` is set, else the SQLite file. */
export function openBackend(where: { databaseUrl?: string | undefined; sqliteFile: string }, log: Pick<Console, 'error'> = console): Backend {
  return where.databaseUrl ? new PostgresBackend(where.databaseUrl, log) : new SqliteBackend(openDatabase(where.sqliteFile));
}

/**
 * Applies a store's migrations that have not run yet, all in one transaction. On PostgreSQL
 * instances starting together take turns (a transaction-scoped advisory lock), so two never
 * create the same table at once.
 */
export async function migrateStore(sql: Sql, schema: StoreSchema): Promise<void> {
  const steps = schema[sql.dialect];
  await sql.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.get("SELECT pg_advisory_xact_lock(hashtext('parley:migrations')) AS locked");
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      store TEXT NOT NULL, version INTEGER NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (store, version))`);
    const applied = (await tx.get<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations WHERE store = ?', [schema.store]))?.v ?? 0;
    for (let version = applied + 1; version <= steps.length; version++) {
      await tx.exec(steps[version - 1]!);
      await tx.run('INSERT INTO schema_migrations (store, version, applied_at) VALUES (?, ?, ?)', [schema.store, version, new Date().toISOString()]);
    }
  });
}
