import type Database from 'better-sqlite3';
import type { Sql, SqlParams } from '../../knowledge/sql';

/**
 * `Sql` over one better-sqlite3 connection. Statements run synchronously, so outside a
 * transaction a call costs what it did before stores were async: the promise is already settled.
 *
 * A transaction spans awaits, and other requests' statements could run on the same connection
 * in between and silently join it. So while one is open, every other call waits for it to end:
 * SQLite has one writer anyway, and these waits are microseconds.
 */
export class SqliteSql implements Sql {
  readonly dialect = 'sqlite';
  private readonly statements = new Map<string, Database.Statement>();
  /** Settles when the open transaction ends; undefined when none is open. */
  private open: Promise<void> | undefined;
  /** What `transaction` hands to its work: runs statements at once, and nests by joining. */
  private readonly inside: Sql;

  constructor(readonly db: Database.Database) {
    const run = <T>(work: () => T) => settled(work);
    this.inside = {
      dialect: 'sqlite',
      all: (sql, params) => run(() => this.prepared(sql).all(...bind(params)) as never),
      get: (sql, params) => run(() => this.prepared(sql).get(...bind(params)) as never),
      run: (sql, params) => run(() => ({ changes: this.prepared(sql).run(...bind(params)).changes })),
      exec: (script) => run(() => void this.db.exec(script)),
      transaction: (work) => work(this.inside),
    };
  }

  all<T>(sql: string, params?: SqlParams): Promise<T[]> {
    return this.whenFree(() => this.inside.all<T>(sql, params));
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.whenFree(() => this.inside.get<T>(sql, params));
  }

  run(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    return this.whenFree(() => this.inside.run(sql, params));
  }

  exec(script: string): Promise<void> {
    return this.whenFree(() => this.inside.exec(script));
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    while (this.open) await this.open;
    let end!: () => void;
    this.open = new Promise((resolve) => (end = resolve));
    try {
      // IMMEDIATE takes the write lock now, so another process's writer makes this wait
      // (busy_timeout) at the start rather than fail at the first write.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.inside);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      this.open = undefined;
      end();
    }
  }

  private whenFree<T>(call: () => Promise<T>): Promise<T> {
    if (!this.open) return call();
    return this.open.then(() => this.whenFree(call));
  }

  /** Prepared once per statement text: stores use fixed texts, so the cache stays small. */
  private prepared(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      // A store that builds texts (an IN list of varying length) must not grow this for ever.
      if (this.statements.size >= 1_000) this.statements.clear();
      this.statements.set(sql, statement);
    }
    return statement;
  }
}

function bind(params: SqlParams | undefined): unknown[] {
  if (params === undefined) return [];
  return Array.isArray(params) ? params : [params];
}

/** A synchronous call as a promise: its value, or its exception as a rejection. */
function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
}
