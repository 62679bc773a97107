import type Database from 'better-sqlite3';
import type { Sql, SqlParams } from '../../knowledge/sql';

/**
 * `Sql` over one better-sqlite3 connection.
 *
 * Reads run at once. Writes outside a transaction (`run`, and `get` or `all` of a statement that
 * writes, such as `INSERT ... RETURNING`) are committed together: each is queued,
 * and once per turn of the event loop (`setImmediate`) the queue runs as one transaction, in the
 * order the writes were made; each caller's promise settles when its write is committed (or
 * has failed). A commit costs more than a small write (about 30 µs here: the write-ahead log's
 * frames for every page touched), and a busy server makes several writes per resident turn for
 * many residents in one turn of the loop, so this is "group commit": the same durability as one
 * transaction per write, at a fraction of the commits. A reader sees only committed writes, as on
 * PostgreSQL's pool: a caller that needs its own write must await it first.
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
  /** Writes waiting for the next group commit, in the order they were made. */
  private queued: QueuedWrite[] = [];

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
    return this.whenFree(() => (this.prepared(sql).readonly ? this.inside.all<T>(sql, params) : this.queue(() => this.prepared(sql).all(...bind(params)) as T[])));
  }

  get<T>(sql: string, params?: SqlParams): Promise<T | undefined> {
    return this.whenFree(() => (this.prepared(sql).readonly ? this.inside.get<T>(sql, params) : this.queue(() => this.prepared(sql).get(...bind(params)) as T | undefined)));
  }

  run(sql: string, params?: SqlParams): Promise<{ changes: number }> {
    return this.whenFree(() => this.queue(() => ({ changes: this.prepared(sql).run(...bind(params)).changes })));
  }

  exec(script: string): Promise<void> {
    return this.whenFree(() => {
      this.commitQueued();
      return this.inside.exec(script);
    });
  }

  async transaction<T>(work: (tx: Sql) => Promise<T>): Promise<T> {
    while (this.open) await this.open;
    // Writes made before the transaction began are committed before it, in their order.
    this.commitQueued();
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

  /**
   * Commits the queued writes now, as one transaction (the event loop does it on its own; closing
   * the database must do it first). A write that fails alone (a constraint) is
   * undone alone, as SQLite undoes a failed statement and keeps the transaction; a failure that
   * ends the transaction (a full disk, an I/O error) or the commit fails every write in it, since
   * none of them was kept.
   */
  commitQueued(): void {
    if (this.queued.length === 0) return;
    // Not possible today (`run` waits while a transaction is open, and a transaction commits the
    // queue as it begins), but a write must never be left waiting for a flush that is not coming.
    if (this.open) {
      void this.open.then(() => this.commitQueued());
      return;
    }
    const batch = this.queued;
    this.queued = [];
    const results: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.db.exec('BEGIN IMMEDIATE');
      for (const { write } of batch) {
        try {
          results.push({ ok: true, value: write() });
        } catch (error) {
          if (!this.db.inTransaction) throw error;
          results.push({ ok: false, error });
        }
      }
      this.db.exec('COMMIT');
    } catch (error) {
      const failure = this.rollBack(error);
      for (const { reject } of batch) reject(failure);
      return;
    }
    batch.forEach(({ resolve, reject }, i) => {
      const result = results[i]!;
      if (result.ok) resolve(result.value);
      else reject(result.error);
    });
  }

  /** A write for the next group commit; settles once it is committed (or has failed). */
  private queue<T>(write: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queued.length === 0) setImmediate(() => this.commitQueued());
      this.queued.push({ write, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Ends a failed group commit; the error to give its writers (the rollback's own failure joins it). */
  private rollBack(error: unknown): unknown {
    if (!this.db.open || !this.db.inTransaction) return error;
    try {
      this.db.exec('ROLLBACK');
      return error;
    } catch (rollbackError) {
      return new AggregateError([error, rollbackError], 'a group commit failed, and so did its rollback');
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

interface QueuedWrite {
  write: () => unknown;
  resolve: (result: unknown) => void;
  reject: (error: unknown) => void;
}

/** A synchronous call as a promise: its value, or its exception as a rejection. */
function settled<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (err) {
    return Promise.reject(err);
  }
}
